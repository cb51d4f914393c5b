/**
 * The name registry (src/registry/registry.ts, src/registry/send.ts), ported from the cases of
 * Elixir's registry tests that map onto one node without partitions: unique and duplicate keys,
 * lookup, match, select, count, dispatch, listeners, via names with spawnActor and cast/call,
 * and entries that go in the same step as their actor's exit. Each test names the case it ports;
 * cases marked "(JS)" have no Elixir counterpart.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type ActorRef,
  type ActorSystem,
  AlreadyRegisteredError,
  type Behaviour,
  call,
  cast,
  cellOf,
  createActorSystem,
  hasCode,
  link,
  ManualClock,
  type RegisterEvent,
  Registry,
  spawnActor,
  startSupervisor,
  type UnregisterEvent,
  via,
  whereis,
} from '../../../index.ts';
import { gate, until } from '../../support/gate.ts';

interface Context {
  system: ActorSystem;
}

type AgentMsg =
  | { type: 'get' }
  | { type: 'update'; by: number }
  | { type: 'crash'; reason: unknown }
  | { type: 'hold'; until: Promise<void> };

/** Elixir's Agent over a number: `get` answers it, `update` adds, `crash` throws, `hold` blocks. */
const agent: Behaviour<number, AgentMsg, number | undefined> = {
  name: 'agent',
  init: (start) => start ?? 0,
  handle(n, message, ctx) {
    switch (message.type) {
      case 'get':
        ctx.reply(n);
        return n;
      case 'update':
        return n + message.by;
      case 'crash':
        throw message.reason;
      case 'hold':
        return message.until.then(() => n);
    }
  },
};

const test = suite<Context>('registry', {} as Context);
test.before.each((context) => {
  context.system = createActorSystem({ clock: new ManualClock() });
});
test.after.each((context) => {
  context.system.stop();
});

function start(system: ActorSystem, initial = 0): Promise<ActorRef<AgentMsg>> {
  return spawnActor(system, agent, initial);
}

/**
 * Counts the registries that hold `ref` from now on (each is told of its exit through one hook,
 * src/actor/exit-links.ts `NameBook`): `live` now, `added` in all.
 */
function watchExitListeners(ref: ActorRef<never>): { live: number; added: number } {
  const cell = cellOf(ref) as unknown as { addNameBook(book: unknown): void; removeNameBook(book: unknown): void };
  const add = cell.addNameBook.bind(cell);
  const remove = cell.removeNameBook.bind(cell);
  const held = new Set<unknown>();
  const counter = { live: 0, added: 0 };
  const count = (): void => {
    counter.live = held.size;
  };
  Object.assign(cell, {
    addNameBook(book: unknown) {
      if (!held.has(book)) counter.added += 1;
      held.add(book);
      count();
      add(book);
    },
    removeNameBook(book: unknown) {
      held.delete(book);
      count();
      remove(book);
    },
  });
  // At the exit every book is told and dropped at once.
  ref.onExit(() => {
    held.clear();
    count();
  });
  return counter;
}

function throwsCode(fn: () => unknown, code: Parameters<typeof hasCode>[1], includes: string[] = []): void {
  try {
    fn();
  } catch (error) {
    assert.ok(hasCode(error, code), `expected ${code}, got ${String(error)}`);
    for (const text of includes) assert.ok((error as Error).message.includes(text), `"${(error as Error).message}" should name ${text}`);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

async function rejectsCode(promise: Promise<unknown>, code: Parameters<typeof hasCode>[1], includes: string[] = []): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.ok(hasCode(error, code), `expected ${code}, got ${String(error)}`);
    for (const text of includes) assert.ok((error as Error).message.includes(text), `"${(error as Error).message}" should name ${text}`);
    return;
  }
  assert.unreachable(`expected a rejection with ${code}`);
}

const sorted = <T>(values: T[]): T[] => [...values].sort();

// --- options -------------------------------------------------------------------------------

test('options: rejects invalid tuple syntax (registry/duplicate_test.exs)', () => {
  throwsCode(() => new Registry({ keys: 'uniq' as 'unique', name: 'bad' }), 'ERR_INVALID_OPTION', [
    '"bad"',
    '"uniq"',
    '"unique"',
    '"duplicate"',
  ]);
  throwsCode(() => new Registry(undefined as unknown as { keys: 'unique' }), 'ERR_INVALID_OPTION', ['undefined']);
  throwsCode(() => new Registry({ keys: 'unique', name: '' }), 'ERR_INVALID_OPTION', ['name', '""']);
  throwsCode(() => new Registry({ keys: 'unique', partitions: 8 } as unknown as { keys: 'unique' }), 'ERR_INVALID_OPTION', [
    '"partitions"',
  ]);
  const registry = new Registry({ keys: 'duplicate' });
  assert.is(registry.kind, 'duplicate');
  assert.match(registry.name, /^registry#\d+$/);
});

// --- unique --------------------------------------------------------------------------------

test('unique: counts 0 keys in an empty registry / counts the number of keys in a registry (registry/unique_test.exs)', async ({
  system,
}) => {
  const registry = new Registry({ keys: 'unique' });
  assert.is(registry.count(), 0);
  const self = await start(system);
  registry.register(self, 'hello', 'value');
  registry.register(self, 'world', 'value');
  assert.is(registry.count(), 2);
});

test('unique: has unique registrations (registry/unique_test.exs)', async ({ system }) => {
  const registry = new Registry<string, string>({ keys: 'unique', name: 'uniq' });
  const self = await start(system);
  registry.register(self, 'hello', 'value');
  assert.equal(registry.keys(self), ['hello']);
  assert.equal(registry.values('hello', self), ['value']);

  let caught: unknown;
  try {
    registry.register(self, 'hello', 'value');
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof AlreadyRegisteredError, 'the same actor cannot take its own unique key twice');
  assert.ok(hasCode(caught, 'ERR_ALREADY_REGISTERED'));
  assert.is((caught as AlreadyRegisteredError).holder, self);
  assert.ok((caught as Error).message.includes('"hello"') && (caught as Error).message.includes(self.id));
  assert.equal(registry.keys(self), ['hello']);
  assert.equal(registry.values('hello', self), ['value']);

  registry.register(self, 'world', 'value');
  assert.equal(sorted(registry.keys(self)), ['hello', 'world']);
});

test('unique: has unique registrations across processes (registry/unique_test.exs)', async ({ system }) => {
  const registry = new Registry<string, string>({ keys: 'unique', name: 'uniq' });
  const task = await start(system);
  const self = await start(system);
  registry.register(task, 'hello', 'value');
  assert.equal(registry.keys(task), ['hello']);
  assert.equal(registry.values('hello', task), ['value']);
  let caught: unknown;
  try {
    registry.register(self, 'hello', 'recent');
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof AlreadyRegisteredError);
  assert.is((caught as AlreadyRegisteredError).holder, task);
  assert.equal(registry.keys(self), []);
  assert.equal(registry.values('hello', self), []);
  assert.equal(registry.lookup('hello'), [{ ref: task, value: 'value' }], 'the holder keeps its value');
});

test('unique: has unique registrations even if partition is delayed (registry/unique_test.exs)', async ({ system }) => {
  // Elixir's partition is delayed while the holder is already dead; here the delay is an exit
  // listener that runs before the registry's, while the dead holder's entry is still in.
  const registry = new Registry<string, string>({ keys: 'unique' });
  const task = await start(system);
  const self = await start(system);
  const seen: Array<unknown> = [];
  task.onExit(() => {
    seen.push(registry.whereis('hello'), registry.lookup('hello'), registry.keys(task));
    registry.register(self, 'hello', 'other');
  });
  registry.register(task, 'hello', 'value');
  throwsCode(() => registry.register(self, 'hello', 'other'), 'ERR_ALREADY_REGISTERED');
  task.kill();
  assert.equal(seen, [undefined, [], []], 'a dead holder is never returned');
  assert.equal(registry.lookup('hello'), [{ ref: self, value: 'other' }]);
  assert.is(registry.count(), 1, "the registry's own exit listener ran after and left the new entry");
});

test('unique: supports match patterns / supports guard conditions (registry/unique_test.exs)', async ({ system }) => {
  const registry = new Registry<string, unknown>({ keys: 'unique' });
  const self = await start(system);
  const value = [1, 'atom', 2] as const;
  registry.register(self, 'hello', value);
  const tuple = (v: unknown): readonly unknown[] => v as readonly unknown[];
  assert.equal(
    registry.match('hello', (v) => tuple(v)[0] === 1),
    [{ ref: self, value }],
  );
  assert.equal(
    registry.match('hello', (v) => tuple(v)[0] === 1.5),
    [],
  );
  assert.equal(
    registry.match('hello', (v) => (tuple(v)[2] as number) > 1),
    [{ ref: self, value }],
  );
  assert.equal(
    registry.match('hello', (v) => (tuple(v)[2] as number) > 2),
    [],
  );
  assert.equal(
    registry.match('nothing', () => true),
    [],
  );
  const value2 = { a: 'a', b: 'b' };
  registry.register(self, 'world', value2);
  assert.equal(
    registry.match('world', (v) => (v as { b?: string }).b === 'b'),
    [{ ref: self, value: value2 }],
  );
});

test('unique: count_match supports match patterns / guard conditions (registry/unique_test.exs)', async ({ system }) => {
  const registry = new Registry<string, number[]>({ keys: 'unique' });
  const self = await start(system);
  registry.register(self, 'hello', [1, 0, 2]);
  assert.is(
    registry.countMatch('hello', (v) => v[0] === 1),
    1,
  );
  assert.is(
    registry.countMatch('hello', (v) => v[0] === 2),
    0,
  );
  assert.is(
    registry.countMatch('hello', (v) => (v[2] ?? 0) > 1),
    1,
  );
  assert.is(
    registry.countMatch('world', () => true),
    0,
  );
});

test('unique: unregister_match supports patterns / guards (registry/unique_test.exs)', async ({ system }) => {
  const registry = new Registry<string, number[]>({ keys: 'unique' });
  const self = await start(system);
  const value = [1, 0, 1];
  registry.register(self, 'hello', value);
  assert.is(
    registry.unregisterMatch(self, 'hello', (v) => v[0] === 2),
    0,
  );
  assert.equal(registry.lookup('hello'), [{ ref: self, value }]);
  assert.is(
    registry.unregisterMatch(self, 'hello', (v) => (v[0] ?? 0) < 2),
    1,
  );
  assert.equal(registry.lookup('hello'), []);
});

test('unique: compares using === (registry/unique_test.exs): keys compare as Map keys', async ({ system }) => {
  const registry = new Registry<unknown, string>({ keys: 'unique' });
  const self = await start(system);
  registry.register(self, 1, 'number');
  registry.register(self, '1', 'string');
  registry.register(self, Number.NaN, 'nan');
  assert.equal(registry.keys(self), [1, '1', Number.NaN]);
  assert.is(registry.whereis(Number.NaN), self, 'NaN finds NaN, as in a Map');
  assert.is(registry.unregister(self, Number.NaN), true);
  const key = { room: 'lobby' };
  registry.register(self, key, 'object');
  assert.is(registry.whereis(key), self);
  assert.is(registry.whereis({ room: 'lobby' }), undefined, 'an equal object is another key');
});

test('unique: updates current process value (registry/unique_test.exs)', async ({ system }) => {
  const registry = new Registry<string, number>({ keys: 'unique' });
  const self = await start(system);
  const task = await start(system);
  const never = (): number => {
    throw new Error('will never be invoked');
  };
  assert.is(registry.updateValue(self, 'hello', never), undefined);
  registry.register(task, 'hello', 1);
  assert.is(registry.updateValue(self, 'hello', never), undefined, 'only the holder updates its value');
  registry.register(self, 'world', 1);
  assert.equal(registry.lookup('world'), [{ ref: self, value: 1 }]);
  assert.equal(
    registry.updateValue(self, 'world', (n) => n + 1),
    { value: 2, previous: 1 },
  );
  assert.equal(registry.lookup('world'), [{ ref: self, value: 2 }]);
});

test('unique: dispatches to a single key (registry/unique_test.exs)', async ({ system }) => {
  const registry = new Registry<string, number>({ keys: 'unique' });
  registry.dispatch('hello', () => {
    throw new Error('will never be invoked');
  });
  const self = await start(system);
  registry.register(self, 'hello', 5);
  const calls: unknown[] = [];
  registry.dispatch<AgentMsg>('hello', (entries) => {
    calls.push(entries.length);
    for (const { ref, value } of entries) ref.cast({ type: 'update', by: value });
  });
  assert.equal(calls, [1]);
  assert.is(await self.call<number>({ type: 'get' }), 5);
});

test('unique: unregisters process by key / unregisters with no entries (registry/unique_test.exs)', async ({ system }) => {
  const registry = new Registry<string, string>({ keys: 'unique' });
  const self = await start(system);
  assert.is(registry.unregister(self, 'hello'), false);
  registry.register(self, 'hello', 'value');
  registry.register(self, 'world', 'value');
  assert.equal(sorted(registry.keys(self)), ['hello', 'world']);
  assert.is(registry.unregister(self, 'hello'), true);
  assert.equal(registry.keys(self), ['world']);
  assert.is(registry.whereis('hello'), undefined);
  assert.is(registry.unregister(self, 'world'), true);
  assert.equal(registry.keys(self), []);
  assert.is(registry.count(), 0);
  const other = await start(system);
  registry.register(other, 'hello', 'value');
  assert.is(registry.unregister(self, 'hello'), false, "another actor's key is not ours to unregister");
  assert.is(registry.whereis('hello'), other);
});

test('unique: allows listeners (registry/unique_test.exs)', async ({ system }) => {
  const registry = new Registry<string, string>({ keys: 'unique', name: 'heard' });
  const heard: Array<RegisterEvent<string, string> | UnregisterEvent<string, string>> = [];
  const offRegister = registry.onRegister((event) => heard.push(event));
  const offUnregister = registry.onUnregister((event) => heard.push(event));
  const task = await start(system);
  registry.register(task, 'hello', 'world');
  assert.equal(heard, [{ type: 'register', registry: 'heard', key: 'hello', ref: task, value: 'world' }]);
  const self = await start(system);
  registry.register(self, 'world', 'value');
  registry.unregister(self, 'world');
  assert.equal(heard.slice(1), [
    { type: 'register', registry: 'heard', key: 'world', ref: self, value: 'value' },
    { type: 'unregister', registry: 'heard', key: 'world', ref: self, value: 'value', reason: 'unregister' },
  ]);
  task.kill();
  assert.equal(heard[3], { type: 'unregister', registry: 'heard', key: 'hello', ref: task, value: 'world', reason: 'exit' });
  offRegister();
  offUnregister();
  registry.register(self, 'again', 'value');
  registry.unregister(self, 'again');
  assert.is(heard.length, 4, 'detached listeners hear nothing');
});

test('unique: links and unlinks on register/unregister (registry/unique_test.exs): one exit listener per actor', async ({ system }) => {
  const registry = new Registry<string, number>({ keys: 'unique' });
  const self = await start(system);
  const listeners = watchExitListeners(self);
  registry.register(self, 'hello', 1);
  assert.is(listeners.live, 1);
  registry.register(self, 'world', 1);
  assert.is(listeners.live, 1, 'a second key adds no listener');
  registry.unregister(self, 'hello');
  assert.is(listeners.live, 1, 'still holds "world"');
  registry.unregister(self, 'world');
  assert.is(listeners.live, 0, 'no key left, no listener left');
  for (let round = 0; round < 100; round += 1) {
    registry.register(self, 'hello', round);
    registry.unregister(self, 'hello');
  }
  assert.is(listeners.live, 0, 'register/unregister cycles leak no listener');
  assert.is(listeners.added, 101);
});

test("unique: doesn't grow ets on already_registered (registry/unique_test.exs)", async ({ system }) => {
  const registry = new Registry<string, string>({ keys: 'unique' });
  const self = await start(system);
  const task = await start(system);
  const listeners = watchExitListeners(self);
  registry.register(task, 'hello', 'value');
  registry.register(self, 'world', 'value');
  assert.is(registry.count(), 2);
  throwsCode(() => registry.register(self, 'hello', 'value'), 'ERR_ALREADY_REGISTERED');
  const fresh = await start(system);
  const freshListeners = watchExitListeners(fresh);
  throwsCode(() => registry.register(fresh, 'hello', 'value'), 'ERR_ALREADY_REGISTERED');
  assert.is(registry.count(), 2);
  assert.is(listeners.live, 1);
  assert.is(freshListeners.added, 0, 'a refused actor gets no exit listener');
  assert.equal(registry.keys(fresh), []);
});

test('unique: via callbacks (registry/unique_test.exs)', async ({ system }) => {
  const registry = new Registry<string>({ keys: 'unique', name: 'agents' });
  const name = via(registry, 'hello');
  const pid = await spawnActor(system, agent, 0, { name });
  assert.is(pid.name, 'hello', 'a string key is the display name');
  assert.is(whereis(name), pid);
  assert.is(cast(name, { type: 'update', by: 1 }), true);
  assert.is(await call<number>(name, { type: 'get' }), 1);

  // A start whose init fails leaves no entry behind.
  const failing: Behaviour<number, AgentMsg> = {
    init: () => {
      throw new Error('oops');
    },
    handle: (n) => n,
  };
  try {
    await spawnActor(system, failing, undefined, { name: via(registry, 'failing') });
    assert.unreachable('init threw');
  } catch (error) {
    assert.is((error as Error).message, 'oops');
  }
  assert.is(registry.whereis('failing'), undefined);
  assert.equal(registry.keys(pid), ['hello']);
  assert.is(registry.count(), 1);

  // errors: the name is taken, so nothing starts (Elixir's {:error, {:already_started, pid}}).
  let inits = 0;
  const counted: Behaviour<number, AgentMsg> = {
    init: () => {
      inits += 1;
      return 0;
    },
    handle: (n) => n,
  };
  try {
    await spawnActor(system, counted, undefined, { name });
    assert.unreachable('the name is taken');
  } catch (error) {
    assert.ok(error instanceof AlreadyRegisteredError);
    assert.is((error as AlreadyRegisteredError).holder, pid);
  }
  assert.is(inits, 0, 'init never ran');
  assert.is(whereis(name), pid);
});

test('unique: via callbacks, async init (registry/unique_test.exs): the name is taken before init and freed when it rejects', async ({
  system,
}) => {
  const registry = new Registry<string>({ keys: 'unique' });
  const held = gate();
  let seenInInit: unknown;
  const slow: Behaviour<number, AgentMsg> = {
    async init(_args, ctx) {
      seenInInit = registry.whereis('slow') === ctx.self;
      await held.promise;
      throw new Error('late failure');
    },
    handle: (n) => n,
  };
  const started = spawnActor(system, slow, undefined, { name: via(registry, 'slow') });
  await until(() => seenInInit !== undefined);
  assert.is(seenInInit, true, 'the actor is registered while its init runs');
  await rejectsCode(spawnActor(system, agent, 0, { name: via(registry, 'slow') }), 'ERR_ALREADY_REGISTERED', ['"slow"']);
  held.open();
  try {
    await started;
    assert.unreachable('init rejected');
  } catch (error) {
    assert.is((error as Error).message, 'late failure');
  }
  assert.is(registry.whereis('slow'), undefined);
  assert.is(registry.count(), 0);
  const again = await spawnActor(system, agent, 0, { name: via(registry, 'slow') });
  assert.is(registry.whereis('slow'), again, 'the name is free again');
});

test('unique: uses value provided in via (registry/unique_test.exs)', async ({ system }) => {
  const registry = new Registry<string, string>({ keys: 'unique' });
  const pid = await spawnActor(system, agent, 0, { name: via(registry, 'hello', 'value') });
  assert.equal(registry.lookup('hello'), [{ ref: pid, value: 'value' }]);
});

test('unique: empty list for empty registry / select all (registry/unique_test.exs)', async ({ system }) => {
  const registry = new Registry<string, string | undefined>({ keys: 'unique' });
  assert.equal(registry.select(), []);
  const pid = await spawnActor(system, agent, 0, { name: via(registry, 'hello') });
  const self = await start(system);
  registry.register(self, 'world', 'value');
  assert.equal(registry.select(), [
    { key: 'hello', ref: pid, value: undefined },
    { key: 'world', ref: self, value: 'value' },
  ]);
  assert.equal(registry.entries(), registry.select());
});

test('unique: select supports full match specs / guard conditions / count_select (registry/unique_test.exs)', async ({ system }) => {
  const registry = new Registry<string, unknown>({ keys: 'unique' });
  const self = await start(system);
  const other = await start(system);
  const value = [1, 'atom', 2];
  registry.register(self, 'hello', value);
  registry.register(other, 'game:1', { open: true });
  registry.register(other, 'game:2', { open: false });
  assert.equal(registry.select({ where: (key) => key === 'hello' }), [{ key: 'hello', ref: self, value }]);
  assert.equal(registry.select({ where: (_key, ref) => ref === self }), [{ key: 'hello', ref: self, value }]);
  assert.equal(registry.select({ where: (key) => key === 'world' }), []);
  assert.equal(registry.select({ where: (_k, _r, v) => Array.isArray(v) && v[2] > 1 }), [{ key: 'hello', ref: self, value }]);
  assert.equal(registry.select({ where: (_k, _r, v) => Array.isArray(v) && v[2] > 2 }), []);
  assert.equal(
    registry.select({ prefix: 'game:' }).map((entry) => entry.key),
    ['game:1', 'game:2'],
  );
  assert.equal(registry.select({ prefix: 'game:', where: (_k, _r, v) => (v as { open: boolean }).open }), [
    { key: 'game:1', ref: other, value: { open: true } },
  ]);
  assert.is(registry.countSelect({ prefix: 'game:' }), 2);
  assert.is(registry.countSelect({ where: (_k, ref) => ref === self }), 1);
  assert.is(registry.countSelect(), 3);
  throwsCode(() => registry.select({ prefix: 1 as unknown as string }), 'ERR_INVALID_OPTION', ['prefix']);
});

test('unique: clean up registry on process crash (registry_test.exs)', async ({ system }) => {
  const registry = new Registry<string, string>({ keys: 'unique' });
  const task1 = await start(system);
  const task2 = await start(system);
  const listeners1 = watchExitListeners(task1);
  registry.register(task1, 'hello', 'value');
  registry.register(task1, 'hi', 'value');
  registry.register(task2, 'world', 'value');
  task1.kill();
  assert.is(registry.whereis('hello'), undefined, 'gone in the same step as the kill');
  assert.is(registry.whereis('hi'), undefined);
  assert.is(listeners1.live, 0);
  task2.cast({ type: 'crash', reason: 'boom' });
  await task2.whenExited();
  assert.equal(registry.entries(), []);
  assert.is(registry.count(), 0);
  assert.is(registry.actorCount, 0, 'no record of either actor is left');
});

test('unique: removes key on process exit, a graceful stop too (registry_test.exs)', async ({ system }) => {
  const registry = new Registry<string>({ keys: 'unique' });
  const pid = await spawnActor(system, agent, 0, { name: via(registry, 'hello') });
  const released = gate();
  pid.cast({ type: 'hold', until: released.promise });
  const stopped = pid.stop();
  assert.is(registry.whereis('hello'), pid, 'still there while its mailbox drains');
  released.open();
  await stopped;
  assert.is(registry.whereis('hello'), undefined);
  await rejectsCode(call(via(registry, 'hello'), { type: 'get' }), 'ERR_NOPROC');
});

test('unique: registering a dead actor is ERR_NOPROC (JS)', async ({ system }) => {
  const registry = new Registry<string>({ keys: 'unique', name: 'graves' });
  const dead = await start(system);
  dead.kill();
  throwsCode(() => registry.register(dead, 'hello'), 'ERR_NOPROC', ['"graves"', '"hello"', dead.id]);
  assert.is(registry.count(), 0);
  throwsCode(() => registry.register({} as ActorRef<never>, 'hello'), 'ERR_INVALID_OPTION', ['actor ref']);
});

test('unique: whereis/cast/call on a name nobody holds (JS): cast drops, call rejects ERR_NOPROC', async ({ system }) => {
  const registry = new Registry<string>({ keys: 'unique', name: 'empty' });
  const name = via(registry, 'ghost');
  assert.is(whereis(name), undefined);
  assert.is(cast(name, { type: 'update', by: 1 }), false);
  await rejectsCode(call(name, { type: 'get' }), 'ERR_NOPROC', ['"empty"', '"ghost"']);
  const ref = await start(system, 7);
  assert.is(cast(ref, { type: 'update', by: 1 }), true, 'a ref is cast to directly');
  assert.is(await call<number>(ref, { type: 'get' }), 8);
  throwsCode(() => whereis({} as ReturnType<typeof via>), 'ERR_INVALID_OPTION');
  await rejectsCode(call(null as unknown as ActorRef<AgentMsg>, { type: 'get' }), 'ERR_INVALID_OPTION');
});

test('unique: a listener that throws is detached; the registration stands (JS)', async ({ system }) => {
  const registry = new Registry<string>({ keys: 'unique' });
  let failing = 0;
  const heard: string[] = [];
  registry.onRegister(() => {
    failing += 1;
    throw new Error('listener bug');
  });
  registry.onRegister((event) => heard.push(event.key));
  const self = await start(system);
  registry.register(self, 'a');
  registry.register(self, 'b');
  assert.is(failing, 1);
  assert.equal(heard, ['a', 'b']);
  assert.equal(registry.keys(self), ['a', 'b']);
});

test('unique: a supervisor ref can be registered and is the ref returned (JS)', async ({ system }) => {
  const registry = new Registry<string>({ keys: 'unique' });
  const sup = await startSupervisor(system, { name: 'sup' });
  registry.register(sup, 'root');
  assert.is(registry.whereis('root'), sup);
  assert.equal(registry.keys(sup), ['root']);
  await sup.stop();
  assert.is(registry.whereis('root'), undefined);
  assert.is(registry.count(), 0);
});

// --- duplicate -----------------------------------------------------------------------------

test('duplicate: counts the number of keys in a registry (registry/duplicate_test.exs)', async ({ system }) => {
  const registry = new Registry<string, string>({ keys: 'duplicate' });
  assert.is(registry.count(), 0);
  const self = await start(system);
  registry.register(self, 'hello', 'value');
  registry.register(self, 'hello', 'value');
  assert.is(registry.count(), 2);
  assert.is(registry.countKey('hello'), 2);
});

test('duplicate: has duplicate registrations (registry/duplicate_test.exs)', async ({ system }) => {
  const registry = new Registry<string, string>({ keys: 'duplicate' });
  const self = await start(system);
  const listeners = watchExitListeners(self);
  registry.register(self, 'hello', 'value');
  assert.equal(registry.keys(self), ['hello']);
  assert.equal(registry.values('hello', self), ['value']);
  registry.register(self, 'hello', 'value');
  assert.equal(registry.keys(self), ['hello', 'hello']);
  assert.equal(registry.values('hello', self), ['value', 'value']);
  registry.register(self, 'world', 'value');
  assert.equal(sorted(registry.keys(self)), ['hello', 'hello', 'world']);
  assert.is(listeners.live, 1, 'one exit listener for all three');
});

test('duplicate: has duplicate registrations across processes (registry/duplicate_test.exs)', async ({ system }) => {
  const registry = new Registry<string, string>({ keys: 'duplicate' });
  const task = await start(system);
  const self = await start(system);
  registry.register(task, 'hello', 'world');
  assert.equal(registry.keys(self), []);
  assert.equal(registry.keys(task), ['hello']);
  assert.equal(registry.values('hello', self), []);
  assert.equal(registry.values('hello', task), ['world']);
  registry.register(self, 'hello', 'value');
  assert.equal(registry.keys(self), ['hello']);
  assert.equal(registry.values('hello', self), ['value']);
  assert.equal(registry.lookup('hello'), [
    { ref: task, value: 'world' },
    { ref: self, value: 'value' },
  ]);
});

test('duplicate: dispatches to multiple keys in serial (registry/duplicate_test.exs)', async ({ system }) => {
  const registry = new Registry<string, number>({ keys: 'duplicate' });
  registry.dispatch('hello', () => {
    throw new Error('will never be invoked');
  });
  const a = await start(system);
  const b = await start(system);
  registry.register(a, 'hello', 1);
  registry.register(b, 'hello', 2);
  registry.register(a, 'world', 100);
  registry.dispatch<AgentMsg>('hello', (entries) => {
    for (const { ref, value } of entries) ref.cast({ type: 'update', by: value });
  });
  assert.is(await a.call<number>({ type: 'get' }), 1);
  assert.is(await b.call<number>({ type: 'get' }), 2);
  registry.dispatch<AgentMsg>('world', (entries) => {
    for (const { ref, value } of entries) ref.cast({ type: 'update', by: value });
  });
  assert.is(await a.call<number>({ type: 'get' }), 101);
  assert.is(await b.call<number>({ type: 'get' }), 2);
});

test('duplicate: unregisters by key / unregisters with no entries (registry/duplicate_test.exs)', async ({ system }) => {
  const registry = new Registry<string, string>({ keys: 'duplicate' });
  const self = await start(system);
  const other = await start(system);
  assert.is(registry.unregister(self, 'hello'), false);
  registry.register(self, 'hello', 'value');
  registry.register(other, 'hello', 'theirs');
  registry.register(self, 'hello', 'value');
  registry.register(self, 'world', 'value');
  assert.equal(sorted(registry.keys(self)), ['hello', 'hello', 'world']);
  assert.is(registry.unregister(self, 'hello'), true);
  assert.equal(registry.keys(self), ['world']);
  assert.equal(registry.lookup('hello'), [{ ref: other, value: 'theirs' }], "another actor's entry stays");
  assert.is(registry.unregister(self, 'world'), true);
  assert.equal(registry.keys(self), []);
  assert.is(registry.count(), 1);
});

test('duplicate: unregisters by key when the key has more actors than the actor has keys (JS)', async ({ system }) => {
  // The other walk of the same removal: the actor's own registrations are fewer than the key's.
  const registry = new Registry<string, number>({ keys: 'duplicate' });
  const members = await Promise.all([start(system), start(system), start(system)]);
  for (const [index, member] of members.entries()) registry.register(member, 'topic', index);
  const [first, second, third] = members as [ActorRef<AgentMsg>, ActorRef<AgentMsg>, ActorRef<AgentMsg>];
  registry.register(first, 'other', 9);
  registry.register(first, 'more', 9);
  registry.register(first, 'topic', 10);
  assert.is(registry.unregister(second, 'topic'), true);
  assert.equal(registry.values('topic', first), [0, 10]);
  assert.is(registry.unregister(first, 'topic'), true);
  assert.equal(registry.lookup('topic'), [{ ref: third, value: 2 }]);
  assert.equal(registry.keys(first), ['other', 'more']);
});

test('duplicate: supports match patterns / supports guards (registry/duplicate_test.exs)', async ({ system }) => {
  const registry = new Registry<string, number[]>({ keys: 'duplicate' });
  const self = await start(system);
  const value1 = [1, 0, 1];
  const value2 = [2, 0, 2];
  registry.register(self, 'hello', value1);
  registry.register(self, 'hello', value2);
  assert.equal(
    registry.match('hello', (v) => v[0] === 1),
    [{ ref: self, value: value1 }],
  );
  assert.equal(
    registry.match('hello', (v) => v[0] === 1.5),
    [],
  );
  assert.equal(
    registry.match('hello', () => true),
    [
      { ref: self, value: value1 },
      { ref: self, value: value2 },
    ],
  );
  assert.equal(
    registry.match('hello', (v) => v[0] === v[2]),
    [
      { ref: self, value: value1 },
      { ref: self, value: value2 },
    ],
  );
  assert.equal(
    registry.match('hello', (v) => (v[0] ?? 0) > 3),
    [],
  );
  assert.is(
    registry.countMatch('hello', (v) => (v[0] ?? 0) < 3),
    2,
  );
  assert.is(
    registry.countMatch('hello', (v) => v[0] === 2),
    1,
  );
});

test('duplicate: uses exact complex keys in lookup and match (registry/duplicate_test.exs): object keys by identity', async ({
  system,
}) => {
  const registry = new Registry<unknown, string>({ keys: 'duplicate' });
  const self = await start(system);
  const tupleKey = ['_', 'topic'];
  const mapKey = { b: 'b' };
  registry.register(self, tupleKey, 'tuple');
  registry.register(self, ['other', 'topic'], 'other_tuple');
  registry.register(self, mapKey, 'map');
  registry.register(self, { a: 'a', b: 'b' }, 'superset_map');
  assert.equal(registry.lookup(tupleKey), [{ ref: self, value: 'tuple' }]);
  assert.is(
    registry.countMatch(tupleKey, () => true),
    1,
  );
  assert.equal(registry.lookup(mapKey), [{ ref: self, value: 'map' }]);
  assert.equal(registry.lookup({ b: 'b' }), [], 'an equal object is another key');
});

test('duplicate: unregister_match supports patterns / guards (registry/duplicate_test.exs)', async ({ system }) => {
  const registry = new Registry<string, number[]>({ keys: 'duplicate' });
  const self = await start(system);
  const value1 = [1, 0, 1];
  const value2 = [2, 0, 2];
  registry.register(self, 'hello', value1);
  registry.register(self, 'hello', value2);
  assert.is(
    registry.unregisterMatch(self, 'hello', (v) => v[0] === 2),
    1,
  );
  assert.equal(registry.lookup('hello'), [{ ref: self, value: value1 }]);
  registry.register(self, 'hello', value2);
  assert.is(
    registry.unregisterMatch(self, 'hello', (v) => v[0] === 2.5),
    0,
  );
  assert.equal(registry.lookup('hello'), [
    { ref: self, value: value1 },
    { ref: self, value: value2 },
  ]);
  assert.is(
    registry.unregisterMatch(self, 'hello', (v) => (v[0] ?? 0) < 2),
    1,
  );
  assert.equal(registry.lookup('hello'), [{ ref: self, value: value2 }]);
  assert.is(
    registry.unregisterMatch(self, 'hello', () => true),
    1,
  );
  assert.equal(registry.lookup('hello'), []);
  assert.is(registry.count(), 0);
});

test('duplicate: allows listeners (registry/duplicate_test.exs)', async ({ system }) => {
  const registry = new Registry<string, string>({ keys: 'duplicate', name: 'topics' });
  const heard: Array<RegisterEvent<string, string> | UnregisterEvent<string, string>> = [];
  registry.onRegister((event) => heard.push(event));
  registry.onUnregister((event) => heard.push(event));
  const task = await start(system);
  registry.register(task, 'hello', 'world');
  const self = await start(system);
  registry.register(self, 'hello', 'value');
  registry.unregister(self, 'hello');
  assert.equal(heard, [
    { type: 'register', registry: 'topics', key: 'hello', ref: task, value: 'world' },
    { type: 'register', registry: 'topics', key: 'hello', ref: self, value: 'value' },
    { type: 'unregister', registry: 'topics', key: 'hello', ref: self, value: 'value', reason: 'unregister' },
  ]);
});

test('duplicate: links and unlinks on register/unregister (registry/duplicate_test.exs): one exit listener per actor', async ({
  system,
}) => {
  const registry = new Registry<string, number>({ keys: 'duplicate' });
  const self = await start(system);
  const listeners = watchExitListeners(self);
  registry.register(self, 'hello', 1);
  registry.register(self, 'hello', 2);
  registry.register(self, 'world', 1);
  assert.is(listeners.live, 1);
  registry.unregister(self, 'hello');
  assert.is(listeners.live, 1);
  registry.unregister(self, 'world');
  assert.is(listeners.live, 0);
  for (let round = 0; round < 50; round += 1) {
    registry.register(self, 'hello', round);
    registry.register(self, 'hello', round);
    registry.unregister(self, 'hello');
  }
  assert.is(listeners.live, 0, 'register/unregister cycles leak no listener');
});

test('duplicate: raises if attempt to be used on via (registry/duplicate_test.exs)', async ({ system }) => {
  const registry = new Registry<string>({ keys: 'duplicate', name: 'topics' });
  throwsCode(() => via(registry, 'hello'), 'ERR_INVALID_OPTION', ['"topics"', '"duplicate"']);
  throwsCode(() => registry.whereis('hello'), 'ERR_INVALID_OPTION', ['"unique"']);
  await rejectsCode(spawnActor(system, agent, 0, { name: { via: registry, key: 'hello' } }), 'ERR_INVALID_OPTION', ['"topics"']);
  assert.is(registry.count(), 0);
});

test('duplicate: update_value is not supported (registry/duplicate_test.exs)', async ({ system }) => {
  const registry = new Registry<string, number>({ keys: 'duplicate' });
  const self = await start(system);
  registry.register(self, 'hello', 1);
  throwsCode(() => registry.updateValue(self, 'hello', (n) => n), 'ERR_INVALID_OPTION', ['updateValue']);
});

test('duplicate: select all / select supports guard conditions (registry/duplicate_test.exs)', async ({ system }) => {
  const registry = new Registry<string, string>({ keys: 'duplicate' });
  assert.equal(registry.select(), []);
  const self = await start(system);
  const other = await start(system);
  registry.register(self, 'hello', 'value');
  registry.register(other, 'hello', 'value');
  registry.register(self, 'world', 'value');
  assert.equal(registry.select(), [
    { key: 'hello', ref: self, value: 'value' },
    { key: 'hello', ref: other, value: 'value' },
    { key: 'world', ref: self, value: 'value' },
  ]);
  assert.equal(registry.select({ where: (_k, ref) => ref === other }), [{ key: 'hello', ref: other, value: 'value' }]);
  assert.is(registry.countSelect({ prefix: 'h' }), 2);
});

test('duplicate: removes key on process exit (registry_test.exs)', async ({ system }) => {
  const registry = new Registry<string, string>({ keys: 'duplicate' });
  const task = await start(system);
  const self = await start(system);
  registry.register(task, 'hello', 'a');
  registry.register(task, 'hello', 'b');
  registry.register(self, 'hello', 'c');
  task.kill();
  assert.equal(registry.lookup('hello'), [{ ref: self, value: 'c' }]);
  assert.is(registry.count(), 1);
  assert.is(registry.countKey('hello'), 1);
});

test('duplicate: lookups never return a dead actor, even before its entries go (JS)', async ({ system }) => {
  // An exit listener attached before the registry's runs while the dead actor's entries are in.
  const registry = new Registry<string, string>({ keys: 'duplicate' });
  const task = await start(system);
  const self = await start(system);
  const seen: unknown[] = [];
  task.onExit(() => {
    seen.push(registry.lookup('hello'), registry.countKey('hello'), registry.select(), registry.keys(task), registry.values('hello', task));
    registry.dispatch('hello', (entries) => seen.push(entries.length));
  });
  registry.register(task, 'hello', 'a');
  registry.register(self, 'hello', 'b');
  task.kill();
  assert.equal(seen, [[{ ref: self, value: 'b' }], 1, [{ key: 'hello', ref: self, value: 'b' }], [], [], 1]);
  assert.is(registry.count(), 1);
});

test('duplicate: unregister_match whose predicate unregisters the entry itself counts it once (JS)', async ({ system }) => {
  const registry = new Registry<string, number>({ keys: 'duplicate' });
  const self = await start(system);
  registry.register(self, 'hello', 1);
  registry.register(self, 'hello', 2);
  registry.register(self, 'world', 3);
  const removed = registry.unregisterMatch(self, 'hello', (value) => {
    if (value === 1) registry.unregister(self, 'hello');
    return true;
  });
  assert.is(removed, 0, 'the predicate removed both first');
  assert.equal(registry.lookup('hello'), []);
  assert.is(registry.count(), 1);
  assert.equal(registry.keys(self), ['world']);
});

test('unique: update_value whose callback unregisters the key updates nothing (JS)', async ({ system }) => {
  const registry = new Registry<string, number>({ keys: 'unique' });
  const self = await start(system);
  registry.register(self, 'hello', 1);
  const result = registry.updateValue(self, 'hello', (n) => {
    registry.unregister(self, 'hello');
    registry.register(self, 'hello', 10);
    return n + 1;
  });
  assert.is(result, undefined);
  assert.equal(registry.lookup('hello'), [{ ref: self, value: 10 }], 'the new registration keeps its own value');
});

// --- several registries --------------------------------------------------------------------

test('several registries: an actor in several registries leaves them all at its exit (JS)', async ({ system }) => {
  const names = new Registry<string>({ keys: 'unique', name: 'names' });
  const other = new Registry<string>({ keys: 'unique', name: 'other' });
  const topics = new Registry<string>({ keys: 'duplicate', name: 'topics' });
  const pid = await spawnActor(system, agent, 0, { name: via(names, 'hello') });
  const listeners = watchExitListeners(pid);
  other.register(pid, 'hello');
  topics.register(pid, 'news');
  topics.register(pid, 'sport');
  assert.is(listeners.live, 2, 'one listener per registry the actor joins from here');
  const twin = await spawnActor(system, agent, 0, { name: via(names, 'twin') });
  assert.is(whereis(via(other, 'hello')), pid, 'the same key in another registry is another name');
  assert.is(names.whereis('twin'), twin);
  pid.cast({ type: 'crash', reason: 'boom' });
  await until(() => !pid.alive);
  assert.is(names.whereis('hello'), undefined);
  assert.is(other.whereis('hello'), undefined);
  assert.equal(topics.entries(), []);
  assert.is(names.whereis('twin'), twin);
  assert.is(listeners.live, 0);
});

test('names go first at an exit: exit listeners and linked peers never find the dead actor (JS)', async ({ system }) => {
  const registry = new Registry({ keys: 'unique', name: 'first' });
  const target = await start(system);
  const peer = await start(system);
  const seen: unknown[] = [];
  // Attached before the name: exit listeners run in order, yet this one already finds no entry.
  target.onExit(() => seen.push(registry.lookup('t').length, registry.count()));
  registry.register(target, 't');
  registry.register(peer, 'p');
  link(target, peer);
  peer.onExit(() => seen.push(registry.whereis('t'), registry.whereis('p')));
  target.kill('boom');
  assert.equal(seen, [undefined, undefined, 0, 0]);
  assert.equal(cellOf(target).registeredNames(), []);
});

test('registeredNames lists every registry:key an actor holds, for the dashboard (JS)', async ({ system }) => {
  const rooms = new Registry({ keys: 'unique', name: 'rooms' });
  const topics = new Registry({ keys: 'duplicate', name: 'topics' });
  const ref = await start(system);
  rooms.register(ref, 'lobby');
  topics.register(ref, 'news');
  topics.register(ref, 42);
  assert.equal(cellOf(ref).registeredNames(), ['rooms:lobby', 'topics:news', 'topics:42']);
});

test('a throwing listener is dropped and reported as subscriber_failed on the actor system, for watch and the dashboard (JS)', async ({
  system,
}) => {
  const registry = new Registry({ keys: 'unique', name: 'loud' });
  const reports: unknown[] = [];
  system.pubsub.subscribe('system:subscriber_failed', (event) => reports.push(event));
  const heard: unknown[] = [];
  registry.onRegister(() => {
    throw new Error('listener bug');
  });
  registry.onRegister((event) => heard.push(event.key));
  const ref = await start(system);
  registry.register(ref, 'a');
  registry.register(ref, 'b');
  assert.equal(heard, ['a', 'b'], 'the other listener still hears every change');
  assert.equal(reports, [{ type: 'subscriber_failed', topic: 'registry:loud:register', reason: 'listener bug', time: system.isoNow() }]);
});

test.run();
