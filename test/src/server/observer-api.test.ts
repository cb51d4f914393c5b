/**
 * The observer's HTTP API on a running runtime: bad input is refused with the value named, the
 * one route that changes the runtime needs the operator token, and a kill through it is recorded.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineDomain, type Runtime, startRuntime } from '../../../index.ts';
import { within } from '../../support/within.ts';

const Api = suite<{ runtime: Runtime }>('observer api', {} as { runtime: Runtime });

Api.before.each(async (context) => {
  context.runtime = await startRuntime({
    tickInterval: 'manual',
    database: ':memory:',
    server: { port: 0 },
    domains: [defineDomain({ name: 'billing' })],
  });
  await context.runtime.tick();
});

Api.after.each(async ({ runtime }) => {
  await runtime.stop();
});

function url(runtime: Runtime, path: string): URL {
  return new URL(path, runtime.serverUrl);
}

async function json(response: Response): Promise<{ error?: string } & Record<string, unknown>> {
  return (await response.json()) as { error?: string } & Record<string, unknown>;
}

Api('refuses a run that is not in the ledger, naming it', async ({ runtime }) => {
  const response = await within(fetch(url(runtime, '/api/history?run=abc')), 'GET');
  assert.is(response.status, 400);
  assert.match((await json(response)).error ?? '', 'run must be the id of a run in the ledger (GET /api/runs lists them), got "abc"');
  const runs = await json(await fetch(url(runtime, '/api/runs')));
  assert.is(runs.current, runtime.runId);
});

Api('refuses a bad load since', async ({ runtime }) => {
  const response = await within(fetch(url(runtime, '/api/load?since=soon')), 'GET');
  assert.is(response.status, 400);
  assert.match((await json(response)).error ?? '', 'got "soon"');
});

Api('the operator action needs the token, and says which fields are wrong', async ({ runtime }) => {
  const billing = runtime.actors().find((row) => row.kind === 'domain');
  assert.ok(billing, 'billing is listed as a domain');
  const body = JSON.stringify({ action: 'kill', actor: billing?.id });
  const refused = await within(fetch(url(runtime, '/api/actors/action'), { method: 'POST', body }), 'POST');
  assert.is(refused.status, 401);
  assert.ok(
    runtime.actors().some((row) => row.id === billing?.id),
    'not killed',
  );
  const auth = { authorization: `Bearer ${new URL(runtime.operatorUrl ?? '').searchParams.get('token')}` };
  const bad = await fetch(url(runtime, '/api/actors/action'), {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ action: 'explode', actor: 'x' }),
  });
  assert.is(bad.status, 400);
  assert.match((await json(bad)).error ?? '', 'action must be "kill" or "restart", got "explode"');
  const root = runtime.actors().find((row) => row.path === 'application');
  const rootKill = await fetch(url(runtime, '/api/actors/action'), {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ action: 'kill', actor: root?.id }),
  });
  assert.is(rootKill.status, 409);
  const done = await fetch(url(runtime, '/api/actors/action'), { method: 'POST', headers: auth, body });
  assert.is(done.status, 200, JSON.stringify(await json(done.clone())));
  await runtime.flush();
  assert.is(runtime.registry.domainStatus('billing')?.restarts, 1);
  const actions = await json(await fetch(url(runtime, '/api/actions')));
  assert.equal(
    (actions.actions as Array<{ action: string; outcome: string }>).map((entry) => `${entry.action} ${entry.outcome}`),
    ['kill done', 'kill failed'],
  );
});

Api.run();
