import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineDomain, type Runtime, type SupervisorRef } from '../../../index.ts';
import { runWatch } from '../../../src/cli/watch.ts';
import { eventsUrl, startServerRuntime, within } from './helpers.ts';

interface Lines {
  out: string[];
  err: string[];
  io: { out(line: string): void; err(line: string): void };
  waitFor(match: (line: string) => boolean, what: string): Promise<void>;
}

function recorder(): Lines {
  const waiters: Array<() => void> = [];
  const lines: Lines = {
    out: [],
    err: [],
    io: {
      out: (line) => {
        lines.out.push(line);
        for (const wake of waiters.splice(0)) wake();
      },
      err: (line) => lines.err.push(line),
    },
    waitFor: (match, what) =>
      within(
        new Promise<void>((resolve) => {
          const check = (): void => (lines.out.some(match) ? resolve() : void waiters.push(check));
          check();
        }),
        what,
      ),
  };
  return lines;
}

interface Context {
  runtime: Runtime;
}

const Watch = suite<Context>('thunderline watch', {} as Context);
Watch.before.each(async (context) => {
  context.runtime = (await startServerRuntime({ token: 'tok' })).runtime;
});
Watch.after.each(async (context) => {
  await within(context.runtime.stop(), 'stop');
});

Watch('prints readable lines for live events and exits 0 when stopped', async ({ runtime }) => {
  const lines = recorder();
  const stop = new AbortController();
  const exit = runWatch(['--url', eventsUrl(runtime), '--token', 'tok'], lines.io, { signal: stop.signal });
  await lines.waitFor((line) => line.startsWith('-- connected to run'), 'connected line');
  await runtime.tick();
  await lines.waitFor((line) => line.includes('domain_activated alpha'), 'activation line');
  assert.ok(
    lines.out.some((line) => / #\d+ {2}tick 1 {2}active=0 late=0ms$/.test(line)),
    lines.out.join('\n'),
  );
  stop.abort();
  assert.is(await within(exit, 'exit'), 0);
});

Watch('--json prints one JSON object per line, the token from THUNDERLINE_TOKEN', async ({ runtime }) => {
  const lines = recorder();
  const stop = new AbortController();
  const exit = runWatch(['--url', eventsUrl(runtime), '--json'], lines.io, {
    signal: stop.signal,
    env: { THUNDERLINE_TOKEN: 'tok' },
  });
  await lines.waitFor((line) => line.includes('"type":"hello"'), 'hello line');
  await runtime.tick();
  await lines.waitFor((line) => line.includes('"type":"tick"'), 'tick line');
  for (const line of lines.out) JSON.parse(line);
  stop.abort();
  assert.is(await within(exit, 'exit'), 0);
});

Watch('exits 1 with one clear line when the token is refused', async ({ runtime }) => {
  const lines = recorder();
  const code = await within(
    runWatch(['--url', eventsUrl(runtime), '--token', 'bad'], lines.io, {
      signal: new AbortController().signal,
    }),
    'exit',
  );
  assert.is(code, 1);
  assert.match(lines.err.join('\n'), /^thunderline: watch: .* refused the connection: HTTP 401/);
});

Watch('exits 1 with one clear line when nothing listens', async ({ runtime }) => {
  const url = eventsUrl(runtime);
  await within(runtime.stop(), 'stop');
  const lines = recorder();
  const code = await within(
    runWatch(['--url', url], lines.io, {
      signal: new AbortController().signal,
    }),
    'exit',
  );
  assert.is(code, 1);
  assert.match(lines.err[0] ?? '', /^thunderline: watch: cannot connect to ws:\/\/127\.0\.0\.1:\d+\/events: ECONNREFUSED/);
});

Watch('reconnects with since after the server goes away and gives up with exit 1', async ({ runtime }) => {
  const lines = recorder();
  const exit = runWatch(['--url', eventsUrl(runtime), '--token', 'tok'], lines.io, {
    signal: new AbortController().signal,
    retryDelayMs: 5,
    maxRetries: 2,
  });
  await lines.waitFor((line) => line.startsWith('-- connected'), 'connected');
  await within(runtime.stop(), 'stop');
  assert.is(await within(exit, 'exit'), 1);
  assert.ok(
    lines.out.some((line) => line.startsWith('-- disconnected (the server is stopping); reconnecting from seq')),
    lines.out.join('\n'),
  );
  assert.match(lines.err.join('\n'), 'could not reconnect after 2 attempts');
});

Watch('refuses a non-ws --url as a usage error', async () => {
  try {
    await runWatch(['--url', 'http://x'], recorder().io);
    assert.unreachable('should throw');
  } catch (error) {
    assert.is((error as { code?: string }).code, 'ERR_USAGE');
  }
});

Watch.run();

// ---

const Failures = suite<Context>('thunderline watch: failures', {} as Context);
Failures.after.each(async (context) => {
  await within(context.runtime.stop(), 'stop');
});

Failures('shows a failed terminate (a domain whose deactivate rejects after a crash) as an operation_failed line', async (context) => {
  let children: SupervisorRef | undefined;
  const fragile = defineDomain({
    name: 'fragile',
    activate(_tick, meta) {
      children = meta.supervisor;
    },
    deactivate: () => Promise.reject(new Error('disk gone')),
  });
  context.runtime = (await startServerRuntime({ token: 'tok' }, [fragile])).runtime;
  const { runtime } = context;
  const lines = recorder();
  const stop = new AbortController();
  const exit = runWatch(['--url', eventsUrl(runtime), '--token', 'tok'], lines.io, { signal: stop.signal });
  await lines.waitFor((line) => line.startsWith('-- connected to run'), 'connected line');
  await runtime.tick();
  children?.kill('children gave up');
  await lines.waitFor((line) => line.includes('operation_failed'), 'operation_failed line');
  const line = lines.out.find((text) => text.includes('operation_failed')) ?? '';
  assert.match(
    line,
    / {2}#\d+ {2}operation_failed fragile#\d+ {2}terminate {2}reason: ERR_TERMINATE_FAILED: .*children gave up: ERR_DEACTIVATE_FAILED: .*disk gone$/,
  );
  await lines.waitFor((text) => text.includes('domain_crashed fragile'), 'the crash line');
  stop.abort();
  assert.is(await within(exit, 'exit'), 0);
});

Failures.run();
