import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Runtime, SupervisorRef } from '../../../index.ts';
import { get, startServerRuntime, within } from './helpers.ts';

interface Context {
  runtime: Runtime;
}

const Http = suite<Context>('http routes', {} as Context);
Http.before.each(async (context) => {
  context.runtime = (await startServerRuntime()).runtime;
});
Http.after.each(async (context) => {
  await within(context.runtime.stop(), 'stop');
});

Http('GET /health reports status, tick, active domains and each domain', async ({ runtime }) => {
  assert.equal(await (await get(runtime, '/health')).json(), {
    status: 'ok',
    tick: 0,
    activeDomains: 0,
    domains: { alpha: 'waiting', beta: 'waiting' },
  });
  await runtime.tick();
  assert.equal(await (await get(runtime, '/health')).json(), {
    status: 'ok',
    tick: 1,
    activeDomains: 2,
    domains: { alpha: 'active', beta: 'active' },
  });
});

Http('GET /health is degraded while a domain restarts', async ({ runtime }) => {
  await runtime.tick();
  // Hold the domains supervisor in a child start, so alpha's restart waits in its mailbox.
  const domains = runtime.supervisor.whichChildren().find((child) => child.id === 'domains')?.ref as SupervisorRef;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const held = domains
    .startChild({ id: 'gate', start: () => gate.then(() => Promise.reject(new Error('gate only'))) })
    .catch(() => undefined);
  runtime.kill('alpha', 'boom');
  const body = (await (await get(runtime, '/health')).json()) as {
    status: string;
  };
  assert.is(body.status, 'degraded');
  open();
  await held;
});

Http('GET /metrics serves Prometheus text from a private registry', async ({ runtime }) => {
  await runtime.tick();
  const response = await get(runtime, '/metrics');
  assert.match(response.headers.get('content-type') ?? '', 'text/plain');
  const text = await response.text();
  for (const line of [
    'thunderline_ticks_total 1',
    'thunderline_active_domains 2',
    'thunderline_domain_status{domain="alpha",status="active"} 1',
    'thunderline_domain_restarts{domain="alpha"} 0',
    'thunderline_events_total{type="tick"} 1',
    'thunderline_ws_clients 0',
    'thunderline_ws_dropped_events_total 0',
  ]) {
    assert.ok(text.includes(line), `metrics include ${line}`);
  }
});

Http('GET /api/domains, /api/tree and /api/history answer JSON', async ({ runtime }) => {
  await runtime.tick();
  const domains = (await (await get(runtime, '/api/domains')).json()) as {
    tick: number;
    domains: Array<{ name: string; status: string }>;
  };
  assert.is(domains.tick, 1);
  assert.equal(
    domains.domains.map((d) => d.status),
    ['active', 'active'],
  );
  const tree = (await (await get(runtime, '/api/tree')).json()) as {
    tree: { name: string; children: Array<{ id: string }> };
  };
  assert.equal(
    tree.tree.children.map((child) => child.id),
    ['tick_system', 'domains', 'web'],
  );
  const history = (await (await get(runtime, '/api/history?domain=alpha&limit=5')).json()) as { history: Array<{ event: string }> };
  assert.equal(
    history.history.map((entry) => entry.event),
    ['activated', 'waiting'],
  );
});

Http('GET /api/history refuses a bad limit with 400', async ({ runtime }) => {
  const response = await get(runtime, '/api/history?limit=0');
  assert.is(response.status, 400);
  assert.match(((await response.json()) as { error: string }).error, 'limit must be an integer from 1 to 1000');
});

Http('serves the dashboard with a strict CSP, and only GET', async ({ runtime }) => {
  const page = await get(runtime, '/');
  assert.is(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', "script-src 'self'");
  assert.match(await page.text(), '<script src="/dashboard.js"');
  assert.is((await get(runtime, '/dashboard.js')).status, 200);
  assert.is((await get(runtime, '/nope')).status, 404);
  assert.is((await get(runtime, '/events')).status, 426);
  const post = await within(fetch(new URL('/api/domains', runtime.serverUrl), { method: 'POST' }), 'POST');
  assert.is(post.status, 405);
});

Http('the server stops with the runtime, first in the shutdown order', async ({ runtime }) => {
  const url = runtime.serverUrl ?? '';
  await within(runtime.stop(), 'stop');
  try {
    await within(fetch(new URL('/health', url)), 'refused fetch');
    assert.unreachable('server should be closed');
  } catch (error) {
    assert.match(String((error as Error).cause ?? error), 'ECONNREFUSED');
  }
});

Http.run();
