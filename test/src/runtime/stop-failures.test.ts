/**
 * A stop that fails to close the run is the run's exit, never swallowed: `stopped` resolves with
 * `clean: false` and a reason naming the failure, an `operation_failed` event (operation `stop`)
 * and telemetry report it, and the steps after the failed one still run (the run row is closed).
 */
import diagnostics from 'node:diagnostics_channel';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineDomain } from '../../../index.ts';
import type { OperationFailedEvent } from '../../../src/events.ts';
import type { RegistryStore } from '../../../src/store/registry-store.ts';
import { bootRuntime } from '../../../supervisors/runtime.ts';
import { bounded, diskRun, emptyContext, type RuntimeContext, setUp, tearDown, tmpDb } from './helpers.ts';

interface StopContext extends RuntimeContext {
  telemetry: unknown[];
  onTelemetry: (message: unknown) => void;
  escaped: unknown[];
  onUnhandled: (reason: unknown) => void;
}

const stopFailures = suite<StopContext>('runtime: a stop that fails', {
  ...emptyContext(),
  telemetry: [],
  onTelemetry: () => undefined,
  escaped: [],
  onUnhandled: () => undefined,
});
stopFailures.before.each((context) => {
  setUp(context);
  context.telemetry = [];
  context.escaped = [];
  context.onTelemetry = (message) => context.telemetry.push(message);
  context.onUnhandled = (reason) => context.escaped.push(reason);
  diagnostics.subscribe('thunderline:operation_failed', context.onTelemetry);
  process.on('unhandledRejection', context.onUnhandled);
});
stopFailures.after.each(async (context) => {
  diagnostics.unsubscribe('thunderline:operation_failed', context.onTelemetry);
  process.off('unhandledRejection', context.onUnhandled);
  await tearDown(context);
});

/** A runtime on a file whose store (or close hook) is made to fail by `sabotage`. */
async function bootSabotaged(
  context: StopContext,
  sabotage: { beforeClose?: () => Promise<void>; store?: (store: RegistryStore) => void },
): Promise<{ file: string; runId: string }> {
  const file = tmpDb(context);
  const runtime = await bootRuntime(
    { domains: [defineDomain({ name: 'billing' })], tickInterval: 'manual', database: file, clock: context.clock },
    {
      infrastructure: ({ store }) => {
        sabotage.store?.(store);
        return sabotage.beforeClose ? { beforeClose: sabotage.beforeClose } : {};
      },
    },
  );
  runtime.subscribe('*', (event) => void context.events.push(event));
  context.runtime = runtime;
  return { file, runId: runtime.runId };
}

function stopReports(context: StopContext): Array<Pick<OperationFailedEvent, 'operation' | 'actor' | 'reason'>> {
  return context.events
    .filter((event): event is OperationFailedEvent => event.type === 'operation_failed')
    .map(({ operation, actor, reason }) => ({ operation, actor, reason }));
}

/** One event-loop turn: an unhandled rejection would have been reported by then. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

stopFailures('a close hook that fails: the exit says so, it is reported, and the run row is still closed', async (context) => {
  const { file, runId } = await bootSabotaged(context, { beforeClose: () => Promise.reject(new Error('socket stuck')) });
  const exit = await bounded(context.runtime?.stop() as Promise<unknown>, 'stop');
  assert.equal(exit, { reason: 'shutdown; then closing failed: socket stuck', clean: false });
  assert.equal(stopReports(context), [{ operation: 'stop', actor: 'runtime', reason: 'socket stuck' }]);
  assert.is(context.telemetry.length, 1);
  const run = diskRun(file, runId);
  assert.type(run?.stopped_at, 'number', 'the run is closed although the hook failed');
  assert.is(run?.stop_reason, 'shutdown; then closing failed: socket stuck');
});

stopFailures('a store that fails to close: the exit says so and it is reported, never an unhandled rejection', async (context) => {
  await bootSabotaged(context, {
    store: (store) => {
      const close = store.close.bind(store);
      store.close = () => {
        close();
        throw new Error('close failed');
      };
    },
  });
  const exit = await bounded(context.runtime?.stop() as Promise<unknown>, 'stop');
  await turn();
  assert.equal(context.escaped, []);
  assert.equal(exit, { reason: 'shutdown; then closing failed: close failed', clean: false });
  assert.equal(stopReports(context), [{ operation: 'stop', actor: 'runtime', reason: 'close failed' }]);
});

stopFailures('a run that cannot be closed on disk: the exit says so and it is reported', async (context) => {
  await bootSabotaged(context, {
    store: (store) => {
      store.endRun = () => {
        throw new Error('disk full');
      };
    },
  });
  const exit = await bounded(context.runtime?.stop() as Promise<unknown>, 'stop');
  assert.equal(exit, { reason: 'shutdown; then closing failed: disk full', clean: false });
  assert.equal(stopReports(context), [{ operation: 'stop', actor: 'runtime', reason: 'disk full' }]);
});

stopFailures.run();
