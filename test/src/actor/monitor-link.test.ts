/**
 * Monitors and links (src/actor/exit-links.ts), as Erlang defines them: one `DOWN` per monitor in
 * the watcher's mailbox, ordered with its other messages and only once the target is dead; links
 * that carry abnormal exits both ways, `EXIT` messages for actors that trap exits.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type ActorRef,
  type ActorSystem,
  type Behaviour,
  createActorSystem,
  type DownMessage,
  demonitor,
  type ExitMessage,
  hasCode,
  link,
  ManualClock,
  monitor,
  spawnActor,
  unlink,
} from '../../../index.ts';
import { gate, until } from '../../support/gate.ts';
import { within } from '../../support/within.ts';

interface Context {
  system: ActorSystem;
}

type InboxMsg = { type: 'note'; text: string } | { type: 'inbox' } | { type: 'hold'; until: Promise<void> } | DownMessage | ExitMessage;

/** Records every message it gets; `inbox` answers the record, `hold` blocks its mailbox. */
const inbox: Behaviour<unknown[], InboxMsg> = {
  name: 'inbox',
  init: () => [],
  handle(seen, message, ctx) {
    if (message.type === 'inbox') {
      ctx.reply(seen);
      return seen;
    }
    if (message.type === 'hold') return message.until.then(() => seen);
    return [...seen, message];
  },
};

type IdleMsg = { type: 'crash'; reason: unknown } | { type: 'ping' };
const idle: Behaviour<null, IdleMsg> = {
  name: 'idle',
  init: () => null,
  handle(state, message, ctx) {
    if (message.type === 'crash') throw message.reason;
    ctx.reply('pong');
    return state;
  },
};

const test = suite<Context>('monitors and links', {} as Context);
test.before.each((context) => {
  context.system = createActorSystem({ clock: new ManualClock() });
});
test.after.each((context) => {
  context.system.stop();
});

async function seen(ref: ActorRef<InboxMsg>): Promise<unknown[]> {
  return ref.call<unknown[]>({ type: 'inbox' });
}

test('a monitor delivers one DOWN with the exit reason, after the messages sent before the exit', async ({ system }) => {
  const watcher = await spawnActor(system, inbox, undefined);
  const target = await spawnActor(system, idle, undefined);
  const held = monitor(watcher, target);
  watcher.cast({ type: 'note', text: 'before' });
  target.kill('boom');
  assert.is(target.alive, false, 'the DOWN is queued only once the target is dead');
  watcher.cast({ type: 'note', text: 'after' });
  assert.equal(await seen(watcher), [
    { type: 'note', text: 'before' },
    { type: 'DOWN', monitor: held, target, reason: 'boom' },
    { type: 'note', text: 'after' },
  ]);
});

test('a crash in a handler reaches the monitor with the thrown value', async ({ system }) => {
  const watcher = await spawnActor(system, inbox, undefined);
  const target = await spawnActor(system, idle, undefined);
  monitor(watcher, target);
  const error = new Error('bad input');
  target.cast({ type: 'crash', reason: error });
  await target.whenExited();
  const [down] = (await seen(watcher)) as DownMessage[];
  assert.is(down?.reason, error);
});

test('monitoring a dead actor delivers DOWN with noproc at once', async ({ system }) => {
  const watcher = await spawnActor(system, inbox, undefined);
  const target = await spawnActor(system, idle, undefined);
  await target.stop();
  const held = monitor(watcher, target);
  assert.equal(await seen(watcher), [{ type: 'DOWN', monitor: held, target, reason: 'noproc' }]);
});

test('two monitors on one target give two DOWN messages; demonitor before the exit gives none', async ({ system }) => {
  const watcher = await spawnActor(system, inbox, undefined);
  const target = await spawnActor(system, idle, undefined);
  const first = monitor(watcher, target);
  const second = monitor(watcher, target);
  const third = monitor(watcher, target);
  assert.is(demonitor(third), true, 'an active monitor was removed');
  assert.is(demonitor(third), false, 'a second demonitor finds nothing');
  target.kill('x');
  const downs = (await seen(watcher)) as DownMessage[];
  assert.equal(
    downs.map((down) => down.monitor),
    [first, second],
  );
});

test('demonitor with flush removes a DOWN already in the mailbox', async ({ system }) => {
  const watcher = await spawnActor(system, inbox, undefined);
  const target = await spawnActor(system, idle, undefined);
  const other = await spawnActor(system, idle, undefined);
  const open = gate();
  watcher.cast({ type: 'hold', until: open.promise });
  const held = monitor(watcher, target);
  const kept = monitor(watcher, other);
  target.kill('gone');
  other.kill('gone too');
  assert.is(demonitor(held, { flush: true }), false, 'the DOWN had been delivered already');
  open.open();
  assert.equal(await seen(watcher), [{ type: 'DOWN', monitor: kept, target: other, reason: 'gone too' }]);
});

test('a watcher that exits drops its monitors: the target holds none', async ({ system }) => {
  const watcher = await spawnActor(system, inbox, undefined);
  const target = await spawnActor(system, idle, undefined);
  const held = monitor(watcher, target);
  watcher.kill();
  assert.is((target as unknown as { monitorCount: number }).monitorCount, 0);
  assert.is(demonitor(held), false);
  const deadLetters = system.deadLetters;
  target.kill('later');
  assert.is(system.deadLetters, deadLetters, 'no DOWN goes to a dead watcher');
});

test('a link carries an abnormal exit to the peer with the same reason', async ({ system }) => {
  const a = await spawnActor(system, idle, undefined);
  const b = await spawnActor(system, idle, undefined);
  link(a, b);
  a.cast({ type: 'crash', reason: 'boom' });
  const signal = await b.whenExited();
  assert.is(signal.reason, 'boom');
  assert.is(signal.phase, 'kill', 'a linked exit kills: no terminate, as in Erlang');
});

test('a normal exit does not propagate over a link', async ({ system }) => {
  const a = await spawnActor(system, idle, undefined);
  const b = await spawnActor(system, idle, undefined);
  link(a, b);
  await a.stop('normal');
  assert.is(await b.call({ type: 'ping' }), 'pong');
  assert.is(b.alive, true);
});

test("'shutdown' is abnormal for links, as in Erlang", async ({ system }) => {
  const a = await spawnActor(system, idle, undefined);
  const b = await spawnActor(system, idle, undefined);
  link(a, b);
  await a.stop();
  assert.is((await b.whenExited()).reason, 'shutdown');
});

test('an actor that traps exits gets EXIT messages instead, for normal exits too', async ({ system }) => {
  const trapper = await spawnActor(system, inbox, undefined, { trapExits: true });
  const a = await spawnActor(system, idle, undefined);
  const b = await spawnActor(system, idle, undefined);
  link(trapper, a);
  link(trapper, b);
  a.kill('boom');
  await b.stop('normal');
  assert.is(trapper.alive, true);
  assert.equal(await seen(trapper), [
    { type: 'EXIT', from: a, reason: 'boom' },
    { type: 'EXIT', from: b, reason: 'normal' },
  ]);
});

test('linking to a dead actor sends the live one noproc', async ({ system }) => {
  const trapper = await spawnActor(system, inbox, undefined, { trapExits: true });
  const plain = await spawnActor(system, idle, undefined);
  const dead = await spawnActor(system, idle, undefined);
  dead.kill();
  link(trapper, dead);
  assert.equal(await seen(trapper), [{ type: 'EXIT', from: dead, reason: 'noproc' }]);
  link(plain, dead);
  assert.is((await plain.whenExited()).reason, 'noproc');
});

test('unlink stops propagation both ways', async ({ system }) => {
  const a = await spawnActor(system, idle, undefined);
  const b = await spawnActor(system, idle, undefined);
  link(a, b);
  unlink(b, a);
  a.kill('boom');
  assert.is(b.alive, true);
});

test('a chain of 20,000 links goes down in one step, without recursion', async ({ system }) => {
  const chain: ActorRef<IdleMsg>[] = [];
  for (let index = 0; index < 20_000; index += 1) chain.push(await spawnActor(system, idle, undefined));
  for (let index = 1; index < chain.length; index += 1) link(chain[index - 1] as ActorRef<never>, chain[index] as ActorRef<never>);
  chain[0]?.kill('cascade');
  assert.ok(
    chain.every((ref) => !ref.alive),
    'every actor of the chain is dead in the same step',
  );
  assert.is((await chain[chain.length - 1]?.whenExited())?.reason, 'cascade');
});

test('spawnActor with link ties the new actor to its parent before init; a dead parent is refused', async ({ system }) => {
  const parent = await spawnActor(system, inbox, undefined, { trapExits: true });
  const child = await spawnActor(system, idle, undefined, { link: parent });
  child.kill('child died');
  assert.equal(await seen(parent), [{ type: 'EXIT', from: child, reason: 'child died' }]);
  parent.kill();
  const refused = await spawnActor(system, idle, undefined, { link: parent }).catch((error: unknown) => error);
  assert.ok(hasCode(refused, 'ERR_NOPROC'), String(refused));
});

test('a supervisor can be monitored and linked; DOWN names its ref', async ({ system }) => {
  const { startSupervisor } = await import('../../../index.ts');
  const watcher = await spawnActor(system, inbox, undefined);
  const sup = await startSupervisor(system, { name: 'watched' });
  const held = monitor(watcher, sup);
  sup.kill('down');
  assert.equal(await seen(watcher), [{ type: 'DOWN', monitor: held, target: sup, reason: 'down' }]);
});

test('a dead actor links nothing: a late continuation of a killed actor cannot kill a live one', async ({ system }) => {
  const dead = await spawnActor(system, idle, undefined);
  const peer = await spawnActor(system, idle, undefined);
  dead.kill();
  link(dead, peer);
  assert.is(peer.alive, true);
  assert.is(await peer.call({ type: 'ping' }), 'pong');
});

test('spawnActor with a link that is not an actor ref rejects, naming the option', async ({ system }) => {
  const refused = await spawnActor(system, idle, undefined, { link: 'parent' as never }).catch((error: unknown) => error);
  assert.ok(
    hasCode(refused, 'ERR_INVALID_OPTION') && /spawnActor: options\.link must be an actor ref/.test(String(refused)),
    String(refused),
  );
});

test('an actor killed while its async init runs rejects its start at once; a late init changes nothing', async ({ system }) => {
  const held = gate();
  let initEnded = false;
  let initBegan = false;
  const slow: Behaviour<null, IdleMsg> = {
    name: 'slow',
    init: () => {
      initBegan = true;
      return held.promise.then(() => {
        initEnded = true;
        return null;
      });
    },
    handle: (state) => state,
  };
  const watcher = await spawnActor(system, inbox, undefined);
  let started!: ActorRef<IdleMsg>;
  const registrar = {
    name: 'grab',
    registerName: (_key: unknown, ref: ActorRef<never>) => {
      started = ref as unknown as ActorRef<IdleMsg>;
    },
    whereisName: () => undefined,
  };
  const start = spawnActor(system, slow, undefined, { name: { via: registrar, key: 'slow' } });
  const held2 = monitor(watcher, started as ActorRef<never>);
  await within(
    until(() => initBegan),
    'init to begin',
  );
  started.kill('stop it');
  const outcome = await within(
    start.catch((error: unknown) => error),
    'the start to settle after the kill',
  );
  assert.ok(hasCode(outcome, 'ERR_ACTOR_STOPPED'), String(outcome));
  held.open();
  await held.promise;
  await Promise.resolve();
  assert.ok(initEnded);
  assert.is(started.alive, false);
  assert.equal(await seen(watcher), [{ type: 'DOWN', monitor: held2, target: started, reason: 'stop it' }]);
});

test('a spawn on a stopped actor system rejects and keeps neither its name nor its link', async ({ system }) => {
  const { Registry, via } = await import('../../../index.ts');
  const names = new Registry({ keys: 'unique', name: 'late' });
  const other = createActorSystem({ clock: new ManualClock() });
  const parent = await spawnActor(other, inbox, undefined, { trapExits: true });
  other.stop();
  const refused = await spawnActor(other, idle, undefined, { name: via(names, 'x'), link: parent }).catch((error: unknown) => error);
  assert.instance(refused, Error);
  assert.is(names.whereis('x'), undefined, 'the name went with the incarnation that never began');
  assert.is((parent as unknown as { linkCount: number }).linkCount, 0);
  void system;
});

test('bad arguments name what was given', ({ system }) => {
  void system;
  assert.throws(
    () => monitor({} as never, {} as never),
    (error: Error) => hasCode(error, 'ERR_INVALID_OPTION') && /monitor: watcher must be an actor ref/.test(error.message),
  );
  assert.throws(
    () => demonitor('m' as never),
    (error: Error) => /got "m"/.test(error.message),
  );
});

test.run();
