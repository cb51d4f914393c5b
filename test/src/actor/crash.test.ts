import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnActor } from '../../../src/actor/index.ts';
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

crash('a terminate that throws after a crash changes nothing: the crash reason stays', async (context) => {
  const probe = { ...newProbe(), terminateThrows: true };
  const ref = await spawnActor(context.system, counter(probe), undefined);
  ref.cast({ type: 'boom' });
  const signal = await ref.whenExited();
  await afterEventLoopTurn();
  assert.is(signal.reason, probe.syncError);
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
