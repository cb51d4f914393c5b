import diagnostics from 'node:diagnostics_channel';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ActorCell } from '../../../src/actor/actor-cell.ts';
import { type Behaviour, isCleanExit } from '../../../src/actor/behaviour.ts';
import { spawnActor } from '../../../src/actor/index.ts';
import { formatReason, ThunderlineError } from '../../../src/errors.ts';
import type { OperationFailedEvent } from '../../../src/events.ts';
import { gate, until } from '../../support/gate.ts';
import { within } from '../../support/within.ts';
import { emptyContext, type KernelContext, later, rejection, setUp, tearDown } from '../supervisor/helpers.ts';
import { counter, newProbe } from './counter.ts';

interface CrashContext extends KernelContext {
  escaped: Array<[kind: string, error: unknown]>;
  listeners: { uncaught: (error: unknown) => void; unhandled: (reason: unknown) => void };
}

/**
 * One turn of the event loop. Node reports an unhandled rejection only once the microtask queue
 * has drained, so a leak would show by then; this is not a wait for time.
 */
const afterEventLoopTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const crash = suite<CrashContext>('crash containment', {
  ...emptyContext(),
  escaped: [],
  listeners: { uncaught: () => undefined, unhandled: () => undefined },
});
crash.before.each((context) => {
  setUp(context);
  context.escaped = [];
  context.listeners = {
    uncaught: (error) => context.escaped.push(['uncaughtException', error]),
    unhandled: (reason) => context.escaped.push(['unhandledRejection', reason]),
  };
  process.on('uncaughtException', context.listeners.uncaught);
  process.on('unhandledRejection', context.listeners.unhandled);
});
crash.after.each((context) => {
  process.off('uncaughtException', context.listeners.uncaught);
  process.off('unhandledRejection', context.listeners.unhandled);
  tearDown(context);
});

crash('the listeners of this suite do see a leaked rejection', async (context) => {
  // Proves the harness: without containment, a leak would be caught by these assertions.
  void Promise.reject(new Error('leak'));
  setImmediate(() => {
    throw new Error('thrown across the loop');
  });
  await afterEventLoopTurn();
  await afterEventLoopTurn();
  assert.equal(
    context.escaped.map(([kind]) => kind),
    ['unhandledRejection', 'uncaughtException'],
  );
  context.escaped.length = 0;
});

crash('a throwing handler becomes an exit signal with the reason and the message type', async (context) => {
  const probe = newProbe();
  const ref = await spawnActor(context.system, counter(probe), undefined);
  ref.cast({ type: 'add', by: 2 });
  ref.cast({ type: 'boom' });
  const signal = await ref.whenExited();
  await afterEventLoopTurn();
  assert.is(signal.reason, probe.syncError);
  assert.is(signal.messageType, 'boom');
  assert.is(signal.phase, 'handle');
  assert.not.ok(ref.alive);
  assert.equal(probe.terminated, [{ count: 2, reason: probe.syncError }], 'terminate runs after a crash, with the crash reason');
  assert.equal(context.escaped, []);
});

crash('a rejecting async handler becomes an exit signal with the reason and the message type', async (context) => {
  const probe = newProbe();
  const ref = await spawnActor(context.system, counter(probe), undefined);
  ref.cast({ type: 'reject' });
  const signal = await ref.whenExited();
  await afterEventLoopTurn();
  assert.is(signal.reason, probe.asyncError);
  assert.is(signal.messageType, 'reject');
  assert.is(signal.phase, 'handle');
  assert.equal(context.escaped, []);
});

crash('a throwing init rejects the spawn with the thrown value and nothing escapes', async (context) => {
  const cause = new Error('init failed');
  const thrown = await spawnActor(
    context.system,
    {
      ...counter(newProbe()),
      init: () => {
        throw cause;
      },
    },
    undefined,
  ).then(
    () => undefined,
    (error: unknown) => error,
  );
  const rejected = await spawnActor(context.system, { ...counter(newProbe()), init: () => Promise.reject(cause) }, undefined).then(
    () => undefined,
    (error: unknown) => error,
  );
  await afterEventLoopTurn();
  assert.is(thrown, cause);
  assert.is(rejected, cause);
  assert.equal(context.escaped, []);
});

crash('pending calls to a crashing actor reject ERR_ACTOR_STOPPED', async (context) => {
  const probe = newProbe();
  const ref = await spawnActor(context.system, counter(probe), undefined);
  const waiting = later(ref.call({ type: 'slow' }));
  const queued = later(ref.call({ type: 'get' }));
  ref.cast({ type: 'boom' });
  // 'get' was queued before 'boom', so it is answered; 'slow' never was.
  assert.is(await queued, 0);
  const error = await rejection(() => waiting);
  assert.is(error.code, 'ERR_ACTOR_STOPPED');
  assert.is(error.message, `actor "${ref.id}" is not running (exit reason: sync boom); "slow" was not handled`);
  assert.is(context.clock.pendingTimers(), 0, 'their timeouts are cleared');
});

crash('a call whose own handling crashes rejects ERR_ACTOR_STOPPED', async (context) => {
  const ref = await spawnActor(context.system, counter(newProbe()), undefined);
  const error = await rejection(() => ref.call({ type: 'reject' }));
  await afterEventLoopTurn();
  assert.is(error.code, 'ERR_ACTOR_STOPPED');
  assert.is(error.message, `actor "${ref.id}" is not running (exit reason: async boom); "reject" was not handled`);
  assert.equal(context.escaped, []);
});

crash.run();

// ---

interface TerminateContext extends KernelContext {
  failures: OperationFailedEvent[];
  telemetry: unknown[];
  onTelemetry: (message: unknown) => void;
}

const terminateFails = suite<TerminateContext>('a terminate that fails (as gen_server)', {
  ...emptyContext(),
  failures: [],
  telemetry: [],
  onTelemetry: () => undefined,
});
terminateFails.before.each((context) => {
  setUp(context);
  context.failures = [];
  context.telemetry = [];
  context.system.pubsub.subscribe('system:operation_failed', (event) => context.failures.push(event as OperationFailedEvent));
  context.onTelemetry = (message) => context.telemetry.push(message);
  diagnostics.subscribe('thunderline:operation_failed', context.onTelemetry);
});
terminateFails.after.each((context) => {
  diagnostics.unsubscribe('thunderline:operation_failed', context.onTelemetry);
  tearDown(context);
});

/** An actor whose terminate fails as `how` says: throws, or returns a rejected promise. */
function failingTerminate(how: 'throws' | 'rejects', log: string[]): Behaviour<number, { type: 'boom' } | { type: 'get' }, void> {
  const cause = new Error('disk gone');
  return {
    name: 'keeper',
    init: () => 0,
    handle(state, message, ctx) {
      if (message.type === 'boom') throw new Error('handler bug');
      ctx.reply(state);
      return state;
    },
    terminate(_state, reason) {
      log.push(`terminate ${String(reason instanceof Error ? reason.message : reason)}`);
      if (how === 'throws') throw cause;
      return Promise.reject(cause);
    },
  };
}

for (const how of ['throws', 'rejects'] as const) {
  terminateFails(
    `a stop whose terminate ${how}: the exit reason is ERR_TERMINATE_FAILED naming both, with the failure as cause`,
    async (context) => {
      const ref = await spawnActor(context.system, failingTerminate(how, context.log), undefined);
      const signal = await ref.stop('shutdown');
      assert.equal(context.log, ['terminate shutdown']);
      assert.is(signal.phase, 'stop');
      assert.ok(signal.reason instanceof ThunderlineError, `reason: ${String(signal.reason)}`);
      const reason = signal.reason as ThunderlineError;
      assert.is(reason.code, 'ERR_TERMINATE_FAILED');
      assert.is(reason.message, `actor "${ref.id}": terminate failed while exiting with reason shutdown: disk gone`);
      assert.is((reason.cause as Error).message, 'disk gone');
      assert.not.ok(isCleanExit(signal.reason), 'a failed terminate is not a clean exit, as in OTP');
      assert.equal(
        context.failures.map(({ type, operation, actor, reason: text }) => ({ type, operation, actor, reason: text })),
        [{ type: 'operation_failed', operation: 'terminate', actor: ref.id, reason: formatReason(reason) }],
      );
      assert.equal(context.telemetry, context.failures, 'the same report on thunderline:operation_failed');
    },
  );
}

terminateFails('a crash whose terminate fails: the reason names the crash and the failure', async (context) => {
  const ref = await spawnActor(context.system, failingTerminate('rejects', context.log), undefined);
  ref.cast({ type: 'boom' });
  const signal = await ref.whenExited();
  assert.is(signal.phase, 'handle');
  assert.is(signal.messageType, 'boom');
  assert.is(
    formatReason(signal.reason),
    `ERR_TERMINATE_FAILED: actor "${ref.id}": terminate failed while exiting with reason handler bug: disk gone`,
  );
  assert.is(context.failures.length, 1);
});

terminateFails('the report comes before the exit reaches monitors and exit listeners', async (context) => {
  const ref = await spawnActor(context.system, failingTerminate('throws', context.log), undefined);
  ref.onExit(() => context.log.push(`exit listener saw ${context.failures.length} report(s)`));
  await ref.stop();
  assert.equal(context.log, ['terminate shutdown', 'exit listener saw 1 report(s)']);
});

terminateFails('a kill during a terminate that later fails: the kill is final, nothing is reported', async (context) => {
  const held = gate();
  const ref = await spawnActor(
    context.system,
    {
      init: () => 0,
      handle: (state: number) => state,
      async terminate() {
        context.log.push('terminating');
        await held.promise;
        throw new Error('too late');
      },
    },
    undefined,
  );
  const stopped = ref.stop();
  await within(
    until(() => context.log.includes('terminating')),
    'terminate to begin',
  );
  ref.kill('killed');
  held.open();
  const signal = await stopped;
  await afterEventLoopTurn();
  assert.is(signal.reason, 'killed');
  assert.equal(context.failures, []);
});

terminateFails('a kill before init ran rejects the start (it never hangs)', async (context) => {
  const cell = new ActorCell(context.system, failingTerminate('throws', context.log), 'early');
  const started = cell.start(undefined);
  cell.kill('refused');
  const error = await rejection(() => within(started, 'the start to settle'));
  assert.is(error.code, 'ERR_ACTOR_STOPPED');
  assert.is(error.message, `actor "${cell.id}" is not running (exit reason: refused); "init" was not handled`);
  assert.equal(context.log, [], 'neither init nor terminate ran');
});

terminateFails('an exit listener that throws is reported as subscriber_failed, on pubsub and telemetry', async (context) => {
  const reports: unknown[] = [];
  context.system.pubsub.subscribe('system:subscriber_failed', (event) => reports.push(event));
  const ref = await spawnActor(context.system, failingTerminate('throws', context.log), undefined);
  ref.onExit(() => {
    throw new Error('listener bug');
  });
  ref.kill('killed');
  assert.equal(reports, [{ type: 'subscriber_failed', topic: `exit:${ref.id}`, reason: 'listener bug', time: context.system.isoNow() }]);
});

terminateFails.run();
