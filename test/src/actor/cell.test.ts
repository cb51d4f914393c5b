/**
 * The actor cell (docs/architecture.md, "The actor cell"): one mailbox per actor shared with
 * nact's own `dispatch`/`query`, a kill that ends the incarnation for good (late continuations,
 * late replies and late state are dropped), and a run queue that yields to I/O.
 */
import { dispatch, query } from 'nact';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type ActorSystem, type Behaviour, createActorSystem, ManualClock, spawnActor } from '../../../index.ts';
import type { ActorCell } from '../../../src/actor/actor-cell.ts';
import { gate, until } from '../../support/gate.ts';
import { within } from '../../support/within.ts';

interface Context {
  system: ActorSystem;
}

type LogMsg = { type: 'log'; entry: string } | { type: 'get' } | { type: 'slow'; gate: Promise<void>; entry: string };

const logger: Behaviour<string[], LogMsg> = {
  init: () => [],
  handle(log, message, ctx) {
    switch (message.type) {
      case 'log':
        return [...log, message.entry];
      case 'get':
        ctx.reply(log);
        return log;
      case 'slow':
        return message.gate.then(() => {
          ctx.reply('late reply');
          ctx.system.pubsub.publish('test:late', { type: 'custom:test.late', time: '' });
          return [...log, message.entry];
        });
      default: {
        const unreachable: never = message;
        throw new Error(String(unreachable));
      }
    }
  },
};

const cell = suite<Context>('actor cell', {} as Context);
cell.before.each((context) => {
  context.system = createActorSystem({ clock: new ManualClock() });
});
cell.after.each((context) => {
  context.system.stop();
});

cell("nact's own dispatch to the actor's nact reference lands in the same mailbox, in order", async ({ system }) => {
  const ref = await spawnActor(system, logger, undefined);
  const nactRef = (ref as ActorCell<string[], LogMsg, undefined>).nactRef;
  assert.ok(nactRef, 'every actor is a nact actor');
  ref.cast({ type: 'log', entry: 'a' });
  dispatch(nactRef as never, { type: 'log', entry: 'b' });
  ref.cast({ type: 'log', entry: 'c' });
  dispatch(nactRef as never, { type: 'log', entry: 'd' });
  assert.equal(await ref.call({ type: 'get' }), ['a', 'b', 'c', 'd']);
});

cell("nact's query gets the handler's reply", async ({ system }) => {
  const ref = await spawnActor(system, logger, undefined);
  ref.cast({ type: 'log', entry: 'x' });
  const nactRef = (ref as ActorCell<string[], LogMsg, undefined>).nactRef;
  assert.equal(await query(nactRef as never, { type: 'get' } as never, 1000), ['x']);
});

cell(
  'a kill is final: a pending handler that finishes later changes no state, sends no reply, and the mailbox behind it is dropped',
  async ({ system }) => {
    const ref = await spawnActor(system, logger, undefined);
    const held = gate();
    const late: string[] = [];
    system.pubsub.subscribe('test:late', () => void late.push('published'));
    const reply = ref.call({ type: 'slow', gate: held.promise, entry: 'slow' }).then(
      (value) => `resolved ${String(value)}`,
      (error: { code?: string }) => `rejected ${error.code}`,
    );
    ref.cast({ type: 'log', entry: 'behind' });
    await Promise.resolve();
    ref.kill('operator');
    assert.is(ref.alive, false);
    assert.is(await reply, 'rejected ERR_ACTOR_STOPPED', 'the caller learns at the kill');
    held.open();
    await held.promise;
    await new Promise((resolve) => setImmediate(resolve));
    // The handler's continuation ran (JavaScript cannot stop it) but its effects through the cell are gone.
    assert.equal(late, ['published'], 'the late continuation ran');
    const error = await ref.call({ type: 'get' }).catch((caught: { code?: string }) => caught.code);
    assert.is(error, 'ERR_ACTOR_STOPPED');
    assert.is(system.deadLetters, 1, 'the call to the dead actor is a dead letter');
  },
);

cell('ctx.signal aborts when the incarnation ends', async ({ system }) => {
  let signal: AbortSignal | undefined;
  const ref = await spawnActor(
    system,
    {
      init: (_args: undefined, ctx) => {
        signal = ctx.signal;
        return 0;
      },
      handle: (n: number) => n,
    } satisfies Behaviour<number, { type: 'noop' }>,
    undefined,
  );
  assert.is(signal?.aborted, false);
  ref.kill('operator');
  assert.is(signal?.aborted, true);
  assert.is(signal?.reason, 'operator');
});

cell('two actors messaging each other for ever never starve I/O: the run queue yields after its slice', async ({ system }) => {
  type PingMsg = { type: 'ping'; peer: { cast(message: PingMsg): void } | undefined; count: number };
  const counter = { handled: 0 };
  const ping: Behaviour<number, PingMsg> = {
    init: () => 0,
    handle(n, message, ctx) {
      counter.handled += 1;
      message.peer?.cast({ type: 'ping', peer: ctx.self, count: message.count + 1 });
      return n + 1;
    },
  };
  const a = await spawnActor(system, ping, undefined);
  const b = await spawnActor(system, ping, undefined);
  a.cast({ type: 'ping', peer: b, count: 0 });
  // A macrotask (and a timer) still gets its turn while the two actors ping-pong without end.
  await within(new Promise((resolve) => setImmediate(resolve)), 'a setImmediate while actors ping-pong');
  await within(new Promise((resolve) => setTimeout(resolve, 1)), 'a timer while actors ping-pong');
  assert.ok(counter.handled > 0);
  a.kill('done');
  b.kill('done');
});

cell('async handlers messaging each other for ever never starve I/O either (each wake is a microtask)', async ({ system }) => {
  type PingMsg = { type: 'ping'; peer: { cast(message: PingMsg): void } | undefined };
  const counter = { handled: 0 };
  const ping: Behaviour<number, PingMsg> = {
    init: () => 0,
    async handle(n, message, ctx) {
      counter.handled += 1;
      // A starved event loop would only get its turn after this limit (the test then fails, not hangs).
      if (counter.handled < 1_000_000) message.peer?.cast({ type: 'ping', peer: ctx.self });
      return n + 1;
    },
  };
  const a = await spawnActor(system, ping, undefined);
  const b = await spawnActor(system, ping, undefined);
  a.cast({ type: 'ping', peer: b });
  await within(new Promise((resolve) => setImmediate(resolve)), 'a setImmediate while async actors ping-pong');
  assert.ok(counter.handled < 1_000_000, `the setImmediate waited for ${counter.handled} messages`);
  await within(new Promise((resolve) => setTimeout(resolve, 1)), 'a timer while async actors ping-pong');
  assert.ok(counter.handled < 1_000_000, `the timer waited for ${counter.handled} messages`);
  a.kill('done');
  b.kill('done');
});

/** One turn of the event loop: every promise callback queued before it has run. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

cell('system.idle is false while a message waits or a handler, init or terminate is in progress', async ({ system }) => {
  assert.ok(system.idle, 'a new system is idle');
  const initGate = gate();
  const handleGate = gate();
  const stopGate = gate();
  type WaitMsg = { type: 'wait' } | { type: 'noop' };
  const behaviour: Behaviour<null, WaitMsg> = {
    init: () => initGate.promise.then(() => null),
    handle: (state, message) => (message.type === 'wait' ? handleGate.promise.then(() => state) : state),
    terminate: () => stopGate.promise,
  };
  const started = spawnActor(system, behaviour, undefined);
  assert.not.ok(system.idle, 'the start waits in the mailbox');
  await turn();
  assert.not.ok(system.idle, 'init is in progress');
  initGate.open();
  const ref = await within(started, 'the start');
  await within(
    until(() => system.idle),
    'idle after init',
  );
  ref.cast({ type: 'noop' });
  assert.not.ok(system.idle, 'a message waits');
  await within(
    until(() => system.idle),
    'idle after a synchronous handler',
  );
  ref.cast({ type: 'wait' });
  await turn();
  assert.not.ok(system.idle, 'a handler is in progress');
  handleGate.open();
  await within(
    until(() => system.idle),
    'idle once the handler settled',
  );
  const exited = ref.stop();
  await turn();
  assert.not.ok(system.idle, 'terminate is in progress');
  stopGate.open();
  await within(exited, 'the stop');
  assert.ok(system.idle, 'idle once the actor exited');
});

cell('system.idle: a cell killed while it waits counts no more, and its late promise changes nothing', async ({ system }) => {
  const waiter = (held: Promise<void>): Behaviour<null, { type: 'wait' }> => ({
    init: () => null,
    handle: (state) => held.then(() => state),
  });
  const first = gate();
  const killed = await spawnActor(system, waiter(first.promise), undefined);
  killed.cast({ type: 'wait' });
  await turn();
  assert.not.ok(system.idle, 'a handler is in progress');
  killed.kill('killed');
  assert.ok(system.idle, 'a dead cell waits on nothing');
  first.open();
  await turn();
  assert.ok(system.idle, 'the dead handler settling changes nothing');
  // Counted once each way: another waiting cell is still seen.
  const second = gate();
  const ref = await spawnActor(system, waiter(second.promise), undefined);
  ref.cast({ type: 'wait' });
  await turn();
  assert.not.ok(system.idle, 'the second cell is waiting');
  second.open();
  await within(
    until(() => system.idle),
    'idle once its handler settled',
  );
});

cell.run();
