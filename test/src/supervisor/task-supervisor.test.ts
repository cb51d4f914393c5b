// Ports of Elixir's task/supervisor_test.exs and task_test.exs (await, yield, shutdown and the
// async_stream cases), each test named after the case it ports. Items "sleep" on gates the test
// opens or on the ManualClock the test advances; waits are on conditions, never on real time.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ActorRef } from '../../../src/actor/actor-ref.ts';
import { type Behaviour, type DownMessage, type ExitMessage, type Message, spawnActor } from '../../../src/actor/index.ts';
import type { NameRegistrar } from '../../../src/actor/naming.ts';
import { hasCode } from '../../../src/errors.ts';
import {
  type AsyncStreamOptions,
  startTaskSupervisor,
  type TaskResult,
  type TaskSupervisorOptions,
  type TaskSupervisorRef,
  taskSupervisorSpec,
} from '../../../src/supervisor/index.ts';
import { type Gate, gate, until } from '../../support/gate.ts';
import { bounded, childrenOf, emptyContext, exitOf, type KernelContext, later, rejection, setUp, startKept, tearDown } from './helpers.ts';

/** Task supervisors to kill after each test. */
const kept: TaskSupervisorRef[] = [];

function setUpTasks(context: KernelContext): void {
  setUp(context);
  kept.length = 0;
}

function tearDownTasks(context: KernelContext): void {
  for (const sup of kept) sup.kill('test over');
  tearDown(context);
}

async function startTasks(context: KernelContext, options: TaskSupervisorOptions = {}): Promise<TaskSupervisorRef> {
  const sup = await startTaskSupervisor(context.system, { name: 'tasks', ...options });
  kept.push(sup);
  return sup;
}

/** An owner actor that records every message it gets (`DOWN`, `EXIT`). */
async function startOwner(context: KernelContext, log: Message[], trapExits = false): Promise<ActorRef<never>> {
  const behaviour: Behaviour<null, Message> = {
    name: 'owner',
    init: () => null,
    handle(state, message) {
      log.push(message);
      return state;
    },
  };
  return (await spawnActor(context.system, behaviour, undefined, { trapExits })) as unknown as ActorRef<never>;
}

/** Elixir's `wait_and_send`: the function tells it started, then waits for the test to let it finish. */
class Waiting {
  readonly started: Gate = gate();
  readonly go: Gate = gate();
  fn = async (): Promise<string> => {
    this.started.open();
    await this.go.promise;
    return 'done';
  };
}

/**
 * Items that finish when the test says so: `fn(item)` records the item and resolves with it once
 * `release(item)` (or `throw`s it once `fail(item)`).
 */
class Items<T> {
  readonly started: T[] = [];
  /** Items whose signal aborted while they ran. */
  readonly aborted: T[] = [];
  private readonly gates = new Map<T, { resolve(value: T): void; reject(error: unknown): void }>();

  fn = (item: T, signal: AbortSignal): Promise<T> => {
    this.started.push(item);
    let running = true;
    const onAbort = (): void => {
      if (running) this.aborted.push(item);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    return new Promise<T>((resolve, reject) => this.gates.set(item, { resolve, reject })).finally(() => {
      running = false;
      signal.removeEventListener('abort', onAbort);
    });
  };

  async release(item: T): Promise<void> {
    await bounded(
      until(() => this.gates.has(item)),
      `item ${String(item)} to start`,
    );
    this.gates.get(item)?.resolve(item);
  }

  async fail(item: T, reason: unknown): Promise<void> {
    await bounded(
      until(() => this.gates.has(item)),
      `item ${String(item)} to start`,
    );
    this.gates.get(item)?.reject(reason);
  }
}

/** Items that sleep `item` ms of clock time (Elixir's `&sleep/1`); `Infinity` never wakes. */
function sleeper(context: KernelContext): { fn: (ms: number) => Promise<number>; sleeping: () => number } {
  let sleeping = 0;
  const fn = (ms: number): Promise<number> =>
    new Promise((resolve) => {
      sleeping += 1;
      if (ms === Number.POSITIVE_INFINITY) return;
      context.clock.setTimeout(() => {
        sleeping -= 1;
        resolve(ms);
      }, ms);
    });
  return { fn, sleeping: () => sleeping };
}

/** Reads the whole stream in the background. */
function collect<R>(stream: AsyncIterable<TaskResult<R>>, take = Number.POSITIVE_INFINITY): Promise<TaskResult<R>[]> {
  return later(
    (async () => {
      const results: TaskResult<R>[] = [];
      if (take === 0) return results;
      for await (const result of stream) {
        results.push(result);
        if (results.length >= take) break;
      }
      return results;
    })(),
  );
}

/**
 * A few turns of the event loop: everything the last step set off (promise chains, supervisor
 * calls, spawns) has run by then. No timer: time itself moves only through the ManualClock.
 */
async function settle(): Promise<void> {
  let turns = 0;
  await bounded(
    until(() => {
      turns += 1;
      return turns > 3;
    }),
    'a few turns',
  );
}

/** Advances the clock 1 ms at a time, letting the work each step starts run, until `ms` have passed. */
async function advance(context: KernelContext, ms: number): Promise<void> {
  for (let step = 0; step < ms; step += 1) {
    await settle();
    context.clock.advance(1);
  }
  await settle();
}

const ok = <T>(value: T): TaskResult<T> => ({ ok: value });
const exit = (reason: unknown): TaskResult<never> => ({ exit: reason });

// ---

const supervisor = suite<KernelContext>('Task.Supervisor', emptyContext());
supervisor.before.each(setUpTasks);
supervisor.after.each(tearDownTasks);

supervisor('can be supervised directly (task/supervisor_test.exs)', async (context) => {
  const root = await startKept(context, { name: 'root', children: [taskSupervisorSpec('jobs')] });
  const ref = root.whichChildren()[0]?.ref as unknown as TaskSupervisorRef;
  assert.is(ref.name, 'jobs');
  assert.equal(ref.children(), []);
  assert.is(root.tree().children[0]?.tree?.name, 'jobs', 'the dashboard sees it as a supervisor');
  assert.is(root.tree().children[0]?.tree?.kind, 'task');
});

supervisor('multiple supervisors can be supervised and identified with simple child spec (task/supervisor_test.exs)', async (context) => {
  const names = new Map<unknown, ActorRef<never>>();
  const registry: NameRegistrar = {
    name: 'test',
    registerName(key, ref) {
      names.set(key, ref);
      ref.onExit(() => names.delete(key));
    },
    whereisName: (key) => names.get(key),
  };
  const root = await startKept(context, {
    name: 'root',
    children: [taskSupervisorSpec('simple_name'), taskSupervisorSpec('via', { name: { via: registry, key: 'via_name' } })],
  });
  const viaTasks = names.get('via_name') as unknown as TaskSupervisorRef;
  assert.is(viaTasks, root.whichChildren()[1]?.ref as unknown, 'the registry holds the task supervisor ref itself');
  assert.equal(viaTasks.children(), []);
  const task = await viaTasks.async(async () => 'via');
  assert.is(await viaTasks.await(task), 'via');
});

supervisor('counts and returns children (task/supervisor_test.exs)', async (context) => {
  const tasks = await startTasks(context);
  assert.equal(tasks.children(), []);
  assert.equal(tasks.countChildren(), { specs: 0, active: 0, supervisors: 0, workers: 0 });
});

supervisor('async/1 spawns tasks under the supervisor (task/supervisor_test.exs)', async (context) => {
  const tasks = await startTasks(context);
  const owner = await startOwner(context, []);
  const waiting = new Waiting();
  const task = await tasks.async(waiting.fn, { owner });
  assert.equal(tasks.children(), [task.ref]);
  assert.is(task.owner, owner);
  assert.is(task.monitor, undefined, 'async links; it does not monitor');
  await bounded(waiting.started.promise, 'the task to start');
  waiting.go.open();
  assert.is(await bounded(tasks.await(task), 'await'), 'done');
  assert.is((await exitOf(task.ref)).reason, 'normal');
  await bounded(
    until(() => tasks.children().length === 0),
    'the task to go',
  );
  assert.ok(owner.alive);
});

supervisor('async/1 links the task to its owner: a crash of either takes the other (task/supervisor_test.exs)', async (context) => {
  const tasks = await startTasks(context);
  const owner = await startOwner(context, []);
  const boom = new Error('boom');
  const task = await tasks.async(
    async () => {
      throw boom;
    },
    { owner },
  );
  assert.is((await exitOf(owner)).reason, boom, "the task's crash took its owner");
  const error = await rejection(() => tasks.await(task));
  assert.is(error.code, 'ERR_TASK_FAILED');
  assert.is(error.cause, boom);

  const owner2 = await startOwner(context, []);
  const waiting = new Waiting();
  const task2 = await tasks.async(waiting.fn, { owner: owner2 });
  owner2.kill('owner crashed');
  assert.is((await exitOf(task2.ref)).reason, 'owner crashed', "the owner's crash took its task");
});

supervisor('async/1 with an owner that traps exits: the crash arrives as an EXIT message', async (context) => {
  const tasks = await startTasks(context);
  const log: Message[] = [];
  const owner = await startOwner(context, log, true);
  const task = await tasks.async(
    () => {
      throw 'oops';
    },
    { owner },
  );
  await bounded(
    until(() => log.length === 1),
    'the EXIT',
  );
  const message = log[0] as ExitMessage;
  assert.equal([message.type, message.from, message.reason], ['EXIT', task.ref, 'oops']);
  assert.ok(owner.alive);
});

supervisor('async/1 with custom shutdown (task/supervisor_test.exs)', async (context) => {
  const tasks = await startTasks(context);
  const brutal = await tasks.async(new Waiting().fn, { shutdown: 'brutal_kill' });
  const graceful = await tasks.async(new Waiting().fn);
  await bounded(tasks.stop('shutdown'), 'stop');
  assert.is((await exitOf(brutal.ref)).reason, 'killed');
  assert.is((await exitOf(graceful.ref)).reason, 'shutdown', 'a task ends at once when stopped: it does not trap exits');
});

supervisor('async/1 raises when :max_children is reached (task/supervisor_test.exs)', async (context) => {
  const tasks = await startTasks(context, { maxChildren: 1 });
  await tasks.async(new Waiting().fn);
  const error = await rejection(() => tasks.async(async () => 'ok'));
  assert.is(error.code, 'ERR_MAX_CHILDREN');
  assert.is(error.message, 'supervisor "tasks" already has maxChildren (1) children; none started');
});

supervisor(
  'async_nolink/1 spawns a task under the supervisor without linking to the caller (task/supervisor_test.exs)',
  async (context) => {
    const tasks = await startTasks(context);
    const log: Message[] = [];
    const owner = await startOwner(context, log);
    const waiting = new Waiting();
    const task = await tasks.asyncNolink(waiting.fn, { owner });
    assert.equal(tasks.children(), [task.ref]);
    assert.ok(task.monitor);
    await bounded(waiting.started.promise, 'the task to start');
    waiting.go.open();
    await bounded(
      until(() => log.length === 1),
      'the DOWN',
    );
    const down = log[0] as DownMessage;
    assert.equal([down.type, down.monitor, down.target, down.reason], ['DOWN', task.monitor, task.ref, 'normal']);
    assert.equal(await tasks.yield(task, 0), { ok: 'done' }, 'the result is there when the DOWN is');
  },
);

supervisor('async_nolink/1: a crash does not take the owner, which gets a DOWN with the reason', async (context) => {
  const tasks = await startTasks(context);
  const log: Message[] = [];
  const owner = await startOwner(context, log);
  const task = await tasks.asyncNolink(
    () => {
      throw 'oops';
    },
    { owner },
  );
  await bounded(
    until(() => log.length === 1),
    'the DOWN',
  );
  assert.is((log[0] as DownMessage).reason, 'oops');
  assert.ok(owner.alive);
  assert.equal(await tasks.yield(task, 0), { exit: 'oops' });
});

supervisor('async_nolink/1: await removes the DOWN once it has the result, as Elixir does', async (context) => {
  const tasks = await startTasks(context);
  const log: Message[] = [];
  const owner = await startOwner(context, log);
  const waiting = new Waiting();
  const task = await tasks.asyncNolink(waiting.fn, { owner });
  const awaited = later(tasks.await(task));
  waiting.go.open();
  assert.is(await bounded(awaited, 'await'), 'done');
  await exitOf(task.ref);
  await bounded(
    until(() => true),
    'a turn',
  );
  assert.equal(log, [], 'no DOWN left for the owner');
});

supervisor('async_nolink/1 with custom shutdown (task/supervisor_test.exs)', async (context) => {
  const tasks = await startTasks(context);
  const task = await tasks.asyncNolink(new Waiting().fn, { shutdown: 'brutal_kill' });
  await bounded(tasks.stop('shutdown'), 'stop');
  assert.is((await exitOf(task.ref)).reason, 'killed');
});

supervisor('async_nolink/1 raises when :max_children is reached (task/supervisor_test.exs)', async (context) => {
  const tasks = await startTasks(context, { maxChildren: 1 });
  await tasks.asyncNolink(new Waiting().fn);
  assert.is((await rejection(() => tasks.asyncNolink(async () => 'ok'))).code, 'ERR_MAX_CHILDREN');
});

supervisor('start_child/1 (task/supervisor_test.exs)', async (context) => {
  const tasks = await startTasks(context);
  const waiting = new Waiting();
  const ref = await tasks.startChild(waiting.fn);
  assert.equal(tasks.children(), [ref]);
  await bounded(waiting.started.promise, 'the task to start');
  waiting.go.open();
  assert.is((await exitOf(ref)).reason, 'normal');
});

supervisor('start_child/1 with custom shutdown (task/supervisor_test.exs)', async (context) => {
  const tasks = await startTasks(context);
  const ref = await tasks.startChild(new Waiting().fn, { shutdown: 'brutal_kill' });
  await bounded(tasks.stop('shutdown'), 'stop');
  assert.is((await exitOf(ref)).reason, 'killed');
});

supervisor('start_child/1 with custom restart (task/supervisor_test.exs)', async (context) => {
  const tasks = await startTasks(context);
  let runs = 0;
  const ref = await tasks.startChild(
    async () => {
      runs += 1;
      await new Promise(() => undefined);
    },
    { restart: 'permanent' },
  );
  await bounded(
    until(() => runs === 1),
    'the first run',
  );
  ref.kill('shutdown');
  await bounded(
    until(() => runs === 2),
    'the restarted run',
  );
  assert.is(tasks.children().length, 1);
  assert.is.not(tasks.children()[0], ref);
});

supervisor('terminate_child/2 (task/supervisor_test.exs)', async (context) => {
  const tasks = await startTasks(context);
  const ref = await tasks.startChild(new Waiting().fn);
  assert.equal(tasks.children(), [ref]);
  await tasks.terminateChild(ref);
  assert.equal(tasks.children(), []);
  assert.is((await rejection(() => tasks.terminateChild(ref))).code, 'ERR_CHILD_NOT_FOUND');
});

supervisor('async/1 with a dead owner rejects ERR_NOPROC; a non-function rejects ERR_INVALID_OPTION', async (context) => {
  const tasks = await startTasks(context);
  const owner = await startOwner(context, []);
  owner.kill('gone');
  const error = await rejection(() => tasks.async(async () => 1, { owner }));
  assert.is(error.code, 'ERR_NOPROC');
  assert.is(error.message, `async: options.owner names ${owner.id}, which is not alive`);
  const notFn = await rejection(() => tasks.asyncNolink('work' as unknown as () => number));
  assert.is(notFn.code, 'ERR_INVALID_OPTION');
  assert.is(notFn.message, 'asyncNolink: fn must be a function, got "work"');
  assert.equal(tasks.children(), [], 'nothing started');
});

supervisor('reports its tasks as supervisor events', async (context) => {
  const tasks = await startTasks(context);
  const task = await tasks.async(async () => 1);
  await tasks.await(task);
  await bounded(
    until(() => context.events.length === 2),
    'the events',
  );
  assert.equal(childrenOf(context.events, 'child_started'), [task.ref.id]);
  assert.equal(
    context.events.map((event) => [event.type, event.supervisor, event.reason]),
    [
      ['child_started', 'tasks', 'start'],
      ['child_exited', 'tasks', 'normal'],
    ],
  );
});

// ---

const awaiting = suite<KernelContext>('Task await, yield and shutdown', emptyContext());
awaiting.before.each(setUpTasks);
awaiting.after.each(tearDownTasks);

awaiting(
  'await/1 demonitors and unalias on timeout (task/supervisor_test.exs): ERR_TASK_TIMEOUT, and the task is killed',
  async (context) => {
    const tasks = await startTasks(context);
    const log: Message[] = [];
    const owner = await startOwner(context, log);
    const waiting = new Waiting();
    const task = await tasks.async(waiting.fn, { owner });
    const awaited = later(tasks.await(task, 100));
    context.clock.advance(99);
    assert.ok(task.ref.alive);
    context.clock.advance(1);
    const error = await rejection(() => awaited);
    assert.is(error.code, 'ERR_TASK_TIMEOUT');
    assert.is(error.message, `task "${task.ref.id}" did not reply within 100 ms; it was killed`);
    assert.is((await exitOf(task.ref)).reason, error, "the task dies with the caller's timeout");
    assert.ok(owner.alive, 'the owner was unlinked first: only the task goes');
    waiting.go.open();
    assert.equal(log, []);
  },
);

awaiting('await/2 exits on task throw (task_test.exs)', async (context) => {
  const tasks = await startTasks(context);
  const task = await tasks.async(() => {
    throw 'unknown';
  });
  const error = await rejection(() => tasks.await(task));
  assert.is(error.code, 'ERR_TASK_FAILED');
  assert.is(error.message, `task "${task.ref.id}" failed: unknown`);
  assert.is(error.cause, 'unknown');
});

awaiting('await/2 exits on task error (task_test.exs)', async (context) => {
  const tasks = await startTasks(context);
  const oops = new RangeError('oops');
  const task = await tasks.async(async () => {
    throw oops;
  });
  const error = await rejection(() => tasks.await(task));
  assert.is(error.cause, oops);
  assert.is(error.message, `task "${task.ref.id}" failed: oops`);
});

awaiting('await/2 exits on task exit (task_test.exs)', async (context) => {
  const tasks = await startTasks(context);
  const task = await tasks.async(new Waiting().fn);
  task.ref.kill('unknown');
  assert.is((await rejection(() => tasks.await(task))).cause, 'unknown');
});

awaiting('await/2 exits on normal exit (task_test.exs)', async (context) => {
  const tasks = await startTasks(context);
  const task = await tasks.async(new Waiting().fn);
  task.ref.kill('normal');
  const error = await rejection(() => tasks.await(task));
  assert.is(error.code, 'ERR_TASK_FAILED');
  assert.is(error.cause, 'normal');
});

awaiting('yield/2 returns nil on timeout (task_test.exs): the task keeps running', async (context) => {
  const tasks = await startTasks(context);
  const waiting = new Waiting();
  const task = await tasks.async(waiting.fn);
  const yielded = later(tasks.yield(task, 50));
  context.clock.advance(50);
  assert.is(await bounded(yielded, 'yield'), undefined);
  assert.ok(task.ref.alive);
  waiting.go.open();
  assert.equal(await bounded(tasks.yield(task, 50), 'yield'), { ok: 'done' }, 'a later yield gets the result');
});

awaiting('yield/2 return exit on normal exit (task_test.exs)', async (context) => {
  const tasks = await startTasks(context);
  const task = await tasks.async(new Waiting().fn);
  task.ref.kill('normal');
  assert.equal(await tasks.yield(task), { exit: 'normal' });
});

awaiting('shutdown/2 returns {:ok, result} when reply and normal :DOWN in message queue (task_test.exs)', async (context) => {
  const tasks = await startTasks(context);
  const task = await tasks.async(async () => 'result');
  await exitOf(task.ref);
  assert.equal(await tasks.shutdown(task), { ok: 'result' });
  assert.equal(await tasks.shutdown(task, 'brutal_kill'), { ok: 'result' });
});

awaiting('shutdown/2 returns nil on shutting down task (task_test.exs)', async (context) => {
  const tasks = await startTasks(context);
  const task = await tasks.async(new Waiting().fn);
  assert.is(await tasks.shutdown(task), undefined);
  assert.is((await exitOf(task.ref)).reason, 'shutdown');
});

awaiting('shutdown/2 returns nil on killing task (task_test.exs)', async (context) => {
  const tasks = await startTasks(context);
  const task = await tasks.async(new Waiting().fn);
  assert.is(await tasks.shutdown(task, 'brutal_kill'), undefined);
  assert.is((await exitOf(task.ref)).reason, 'killed');
});

awaiting('shutdown/2 returns exit on abnormal :DOWN in message queue (task_test.exs)', async (context) => {
  const tasks = await startTasks(context);
  for (const [reason, shutdown, expected] of [
    ['abnormal', 5000, { exit: 'abnormal' }],
    ['killed', 5000, { exit: 'killed' }],
    ['shutdown', 5000, undefined],
    ['shutdown', 'brutal_kill', { exit: 'shutdown' }],
    ['killed', 'brutal_kill', undefined],
  ] as const) {
    const task = await tasks.async(new Waiting().fn);
    task.ref.kill(reason);
    assert.equal(await tasks.shutdown(task, shutdown), expected, `${reason} before shutdown(${shutdown})`);
  }
});

awaiting('shutdown/2 unlinks the task from its owner first: only the task goes', async (context) => {
  const tasks = await startTasks(context);
  const owner = await startOwner(context, []);
  const task = await tasks.async(new Waiting().fn, { owner });
  await tasks.shutdown(task, 'brutal_kill');
  assert.ok(owner.alive);
});

awaiting('the signal a task gets aborts when it is stopped', async (context) => {
  const tasks = await startTasks(context);
  let seen: AbortSignal | undefined;
  const task = await tasks.async((signal) => {
    seen = signal;
    return new Promise(() => undefined);
  });
  await bounded(
    until(() => seen !== undefined),
    'the task to run',
  );
  assert.not.ok(seen?.aborted);
  await tasks.shutdown(task);
  assert.ok(seen?.aborted);
});

// ---

const stream = suite<KernelContext>('Task.Supervisor.asyncStream', emptyContext());
stream.before.each(setUpTasks);
stream.after.each(tearDownTasks);

stream('async_stream streams an enumerable with fun (task/supervisor_test.exs)', async (context) => {
  const tasks = await startTasks(context);
  const results = await bounded(collect(tasks.asyncStream([1, 2, 3, 4], async (n) => n)), 'the stream');
  assert.equal(results, [ok(1), ok(2), ok(3), ok(4)]);
});

stream('async_stream streams an enumerable without leaking tasks (task/supervisor_test.exs)', async (context) => {
  const tasks = await startTasks(context);
  assert.equal(await bounded(collect(tasks.asyncStream([1, 2, 3, 4], (n) => n, { maxConcurrency: 2 })), 'the stream'), [
    ok(1),
    ok(2),
    ok(3),
    ok(4),
  ]);
  await bounded(
    until(() => tasks.children().length === 0),
    'the workers to go',
  );
  assert.is(context.clock.pendingTimers(), 0, 'no timeout timer left behind');
  const exits = context.events.filter((event) => event.type === 'child_exited').map((event) => event.reason);
  assert.equal([...new Set(exits)], ['normal'], 'the workers ended normally');
  assert.ok(exits.length <= 2, 'at most maxConcurrency workers');
});

for (const concurrency of [4, 2, 8]) {
  stream(`async_stream with max_concurrency ${concurrency}: streams an enumerable with slowest first (task_test.exs)`, async (context) => {
    const tasks = await startTasks(context);
    const sleep = sleeper(context);
    const results = collect(tasks.asyncStream([4, 3, 2, 1], sleep.fn, { maxConcurrency: concurrency }));
    await advance(context, 10);
    assert.equal(await bounded(results, 'the stream'), [ok(4), ok(3), ok(2), ok(1)]);
  });
}

stream('async_stream streams an enumerable with exits (task_test.exs): a throw yields { exit } and the stream goes on', async (context) => {
  const tasks = await startTasks(context);
  const results = await bounded(
    collect(
      tasks.asyncStream([1, 2, 3, 4], (n) => {
        if (n % 2 === 0) return Promise.reject(n);
        throw n;
      }),
    ),
    'the stream',
  );
  assert.equal(results, [exit(1), exit(2), exit(3), exit(4)]);
});

stream('async_stream shuts down unused tasks (task_test.exs): break stops the running ones', async (context) => {
  const tasks = await startTasks(context);
  const items = new Items<number>();
  const results = collect(tasks.asyncStream([0, 1, 2, 3], items.fn, { maxConcurrency: 4 }), 1);
  await bounded(
    until(() => items.started.length === 4),
    'all four to start',
  );
  await items.release(0);
  assert.equal(await bounded(results, 'the stream'), [ok(0)]);
  assert.equal(items.aborted.sort(), [1, 2, 3], 'their signals aborted');
  await bounded(
    until(() => tasks.children().length === 0),
    'the workers to go',
  );
  assert.equal(context.clock.pendingTimers(), 0);
});

stream('async_stream is zippable on success (task_test.exs): two iterations of one stream run apart', async (context) => {
  const tasks = await startTasks(context);
  const doubled = tasks.asyncStream([1, 2, 3, 4], async (n) => n * 2, { maxConcurrency: 2 });
  const [a, b] = await bounded(Promise.all([collect(doubled), collect(doubled)]), 'both');
  assert.equal(a, [ok(2), ok(4), ok(6), ok(8)]);
  assert.equal(b, a);
});

stream('async_stream with inner halt on success (task_test.exs)', async (context) => {
  const tasks = await startTasks(context);
  function* firstFour(): Generator<number> {
    for (let n = 1; n <= 8; n += 1) {
      if (n > 4) return;
      yield n;
    }
  }
  assert.equal(await bounded(collect(tasks.asyncStream(firstFour(), async (n) => n, { maxConcurrency: 2 })), 'the stream'), [
    ok(1),
    ok(2),
    ok(3),
    ok(4),
  ]);
});

stream('async_stream with outer halt on success and on failure (task_test.exs)', async (context) => {
  const tasks = await startTasks(context);
  const eight = [1, 2, 3, 4, 5, 6, 7, 8];
  assert.equal(
    await bounded(
      collect(
        tasks.asyncStream(eight, async (n) => n, { maxConcurrency: 2 }),
        4,
      ),
      'success',
    ),
    [ok(1), ok(2), ok(3), ok(4)],
  );
  const failures = tasks.asyncStream(eight, async (n) => Promise.reject(n), { maxConcurrency: 2 });
  assert.equal(await bounded(collect(failures, 4), 'failure'), [exit(1), exit(2), exit(3), exit(4)]);
});

stream('async_stream terminates outer effect (task_test.exs): the input is closed at the end and at a break', async (context) => {
  const tasks = await startTasks(context);
  const closed: string[] = [];
  function* input(name: string): Generator<number> {
    try {
      for (let n = 1; n <= 4; n += 1) yield n;
    } finally {
      closed.push(name);
    }
  }
  await bounded(collect(tasks.asyncStream(input('whole'), async (n) => n)), 'whole');
  await bounded(
    collect(
      tasks.asyncStream(input('halted'), async (n) => n, { maxConcurrency: 1 }),
      1,
    ),
    'halted',
  );
  assert.equal(closed, ['whole', 'halted']);
});

for (const concurrency of [4, 2]) {
  stream(`async_stream with max_concurrency ${concurrency}: with :on_timeout set to :kill_task (task_test.exs)`, async (context) => {
    const tasks = await startTasks(context);
    const sleep = sleeper(context);
    const results = collect(
      tasks.asyncStream([100, 1, 100, 1], sleep.fn, { maxConcurrency: concurrency, onTimeout: 'kill_task', timeout: 50 }),
    );
    await advance(context, 60);
    assert.equal(await bounded(results, 'the stream'), [exit('timeout'), ok(1), exit('timeout'), ok(1)]);
    await bounded(
      until(() => tasks.children().length === 0),
      'the workers to go',
    );
    const killed = context.events.filter((event) => event.type === 'child_exited' && event.reason === 'killed');
    assert.is(killed.length, 2, 'each timed-out item took its worker down');
  });
}

stream('async_stream streams an enumerable with ordered: false (task_test.exs)', async (context) => {
  const tasks = await startTasks(context);
  const one = new Items<number>();
  const serial = collect(tasks.asyncStream([4, 3, 2, 1], one.fn, { maxConcurrency: 1, ordered: false }));
  for (const item of [4, 3, 2, 1]) await one.release(item);
  assert.equal(await bounded(serial, 'max 1'), [ok(4), ok(3), ok(2), ok(1)]);

  const four = new Items<number>();
  const parallel = collect(tasks.asyncStream([4, 3, 2, 1], four.fn, { maxConcurrency: 4, ordered: false }));
  await bounded(
    until(() => four.started.length === 4),
    'all four',
  );
  for (const item of [1, 2, 3, 4]) await four.release(item);
  assert.equal(await bounded(parallel, 'max 4'), [ok(1), ok(2), ok(3), ok(4)]);
});

stream('async_stream streams an enumerable with ordered: false, on_timeout: :kill_task (task_test.exs)', async (context) => {
  const tasks = await startTasks(context);
  const sleep = sleeper(context);
  const results = collect(
    tasks.asyncStream([100, 1, 100, 1], sleep.fn, { maxConcurrency: 4, ordered: false, onTimeout: 'kill_task', timeout: 50 }),
  );
  await advance(context, 50);
  assert.equal(await bounded(results, 'the stream'), [ok(1), ok(1), exit('timeout'), exit('timeout')]);
});

stream('async_stream timeout (task_test.exs): on_timeout exit rejects the iteration and stops the tasks', async (context) => {
  const tasks = await startTasks(context);
  const sleep = sleeper(context);
  const results = collect(tasks.asyncStream([Number.POSITIVE_INFINITY, 1], sleep.fn, { timeout: 0, maxConcurrency: 1 }));
  await bounded(
    until(() => sleep.sleeping() === 1),
    'the item to start',
  );
  context.clock.advance(0);
  const error = await rejection(() => results);
  assert.is(error.code, 'ERR_TASK_TIMEOUT');
  assert.is(error.message, 'asyncStream: a task did not finish its item within 0 ms; the stream stopped its tasks');
  await bounded(
    until(() => tasks.children().length === 0),
    'the workers to go',
  );
});

stream('async_stream: results finished before a timeout are still delivered, then the iteration rejects', async (context) => {
  const tasks = await startTasks(context);
  const sleep = sleeper(context);
  const results: TaskResult<number>[] = [];
  const reading = later(
    (async () => {
      for await (const result of tasks.asyncStream([1, 100, 100], sleep.fn, { timeout: 50, maxConcurrency: 3 })) results.push(result);
    })(),
  );
  await bounded(
    until(() => sleep.sleeping() === 3),
    'all three',
  );
  await advance(context, 50);
  assert.is((await rejection(() => reading)).code, 'ERR_TASK_TIMEOUT');
  assert.equal(results, [ok(1)]);
});

stream('async_stream streams an enumerable with infinite timeout (task_test.exs)', async (context) => {
  const tasks = await startTasks(context);
  const results = collect(tasks.asyncStream([1], async () => 'ok', { timeout: Number.POSITIVE_INFINITY }));
  assert.equal(await bounded(results, 'the stream'), [ok('ok')]);
  assert.is(context.clock.pendingTimers(), 0);
});

stream(
  'async_stream does not allow streaming with max_concurrency = 0, invalid :on_timeout or :timeout (task_test.exs)',
  async (context) => {
    const tasks = await startTasks(context);
    const cases: Array<[AsyncStreamOptions, string]> = [
      [{ maxConcurrency: 0 }, 'asyncStream: maxConcurrency must be an integer greater than zero, got 0'],
      [{ onTimeout: 'unknown' as 'exit' }, 'asyncStream: onTimeout must be "exit" or "kill_task", got "unknown"'],
      [{ timeout: -1 }, 'asyncStream: timeout must be a number >= 0 or Infinity, got -1'],
    ];
    for (const [options, message] of cases) {
      try {
        tasks.asyncStream([1], async () => 'ok', options);
        assert.unreachable('should have thrown');
      } catch (error) {
        assert.ok(hasCode(error, 'ERR_INVALID_OPTION'));
        assert.is((error as Error).message, message);
      }
    }
    assert.throws(() => tasks.asyncStream(42 as unknown as number[], async () => 'ok'), /items must be an iterable/);
  },
);

stream('async_stream wrapping a flat_map/concat with a haltable stream (task_test.exs): an async iterable input', async (context) => {
  const tasks = await startTasks(context);
  async function* concat(): AsyncGenerator<string | number> {
    for (const value of ['foo', 'bar']) {
      yield value;
      break;
    }
    yield 1;
    yield 2;
  }
  assert.equal(await bounded(collect(tasks.asyncStream(concat(), async (value) => value)), 'the stream'), [ok('foo'), ok(1), ok(2)]);
});

stream(
  'async_stream raises an error if :max_children is reached with clean stream shutdown (task/supervisor_test.exs)',
  async (context) => {
    const tasks = await startTasks(context, { maxChildren: 1 });
    const items = new Items<number>();
    const results = collect(tasks.asyncStream([1, 2, 3], items.fn, { maxConcurrency: 2 }));
    const error = await rejection(() => results);
    assert.is(error.code, 'ERR_MAX_CHILDREN');
    await bounded(
      until(() => tasks.children().length === 0),
      'the started worker to go',
    );
    assert.ok(tasks.alive);
  },
);

stream('async_stream consuming from another process (task/supervisor_test.exs): read inside an actor', async (context) => {
  const tasks = await startTasks(context);
  const seen: number[] = [];
  const reader: Behaviour<null, { type: 'read' }> = {
    name: 'reader',
    init: () => null,
    async handle(state) {
      for await (const result of tasks.asyncStream([1, 2, 3], async (n) => n)) if ('ok' in result) seen.push(result.ok);
      return state;
    },
  };
  const ref = await spawnActor(context.system, reader, undefined);
  ref.cast({ type: 'read' });
  await bounded(
    until(() => seen.length === 3),
    'the reader',
  );
  assert.equal(seen, [1, 2, 3]);
});

stream('asyncStream reads its input lazily: never more than maxConcurrency items in flight', async (context) => {
  const tasks = await startTasks(context);
  let pulled = 0;
  function* input(): Generator<number> {
    for (let n = 0; n < 100; n += 1) {
      pulled += 1;
      yield n;
    }
  }
  let running = 0;
  let most = 0;
  const gates: Array<() => void> = [];
  const fn = (n: number): Promise<number> => {
    running += 1;
    most = Math.max(most, running);
    return new Promise((resolve) =>
      gates.push(() => {
        running -= 1;
        resolve(n);
      }),
    );
  };
  const iterator = tasks.asyncStream(input(), fn, { maxConcurrency: 3 })[Symbol.asyncIterator]();
  const first = later(iterator.next());
  await bounded(
    until(() => running === 3),
    'three in flight',
  );
  assert.is(pulled, 3, 'only as many items as can run');
  for (const open of gates.splice(0)) open();
  assert.equal((await bounded(first, 'the first result')).value, ok(0));
  await bounded(
    until(() => running === 3),
    'three in flight again',
  );
  // One result taken; two finished ones held for the consumer, three running: the window is full.
  assert.ok(pulled <= 1 + 3 + 3, `pulled ${pulled} items for 1 taken`);
  assert.is(most, 3);
  for (let taken = 1; taken < 100; taken += 1) {
    for (const open of gates.splice(0)) open();
    const next = await bounded(iterator.next(), 'a result');
    assert.equal(next.value, ok(taken));
    assert.ok(pulled <= taken + 1 + 6, `pulled ${pulled} items for ${taken + 1} taken`);
  }
  assert.is(most, 3, 'never more than maxConcurrency at once');
  await iterator.return?.();
});

stream('asyncStream: next() called again before the last one settled answers in order', async (context) => {
  const tasks = await startTasks(context);
  const items = new Items<number>();
  const iterator = tasks.asyncStream([1, 2, 3], items.fn, { maxConcurrency: 3 })[Symbol.asyncIterator]();
  const calls = [iterator.next(), iterator.next(), iterator.next(), iterator.next()].map(later);
  for (const item of [3, 2, 1]) await items.release(item);
  const results = await bounded(Promise.all(calls), 'the four calls');
  assert.equal(results, [
    { value: ok(1), done: false },
    { value: ok(2), done: false },
    { value: ok(3), done: false },
    { value: undefined, done: true },
  ]);
});

stream('asyncStream: a worker killed from outside loses its item with { exit: reason }, and a new worker goes on', async (context) => {
  const tasks = await startTasks(context);
  const items = new Items<number>();
  const results = collect(tasks.asyncStream([1, 2, 3], items.fn, { maxConcurrency: 1 }));
  await bounded(
    until(() => items.started.length === 1),
    'item 1',
  );
  tasks.children()[0]?.kill('boom');
  await items.release(2);
  await items.release(3);
  assert.equal(await bounded(results, 'the stream'), [exit('boom'), ok(2), ok(3)]);
});

stream('asyncStream: stopping the supervisor mid-stream ends the running items and rejects the iteration', async (context) => {
  const tasks = await startTasks(context);
  const items = new Items<number>();
  const results: TaskResult<number>[] = [];
  const reading = later(
    (async () => {
      for await (const result of tasks.asyncStream([1, 2, 3], items.fn, { maxConcurrency: 1 })) results.push(result);
    })(),
  );
  await bounded(
    until(() => items.started.length === 1),
    'item 1',
  );
  await bounded(tasks.stop(), 'stop');
  const error = await rejection(() => reading);
  assert.is(error.code, 'ERR_ACTOR_STOPPED');
  assert.equal(results, [exit('shutdown')]);
});

stream('asyncStream: a throwing input rejects the iteration with its error and stops the tasks', async (context) => {
  const tasks = await startTasks(context);
  const bad = new Error('bad input');
  const items = new Items<number>();
  const pulled = gate();
  async function* input(): AsyncGenerator<number> {
    yield 1;
    await pulled.promise;
    throw bad;
  }
  const results = collect(tasks.asyncStream(input(), items.fn, { maxConcurrency: 2 }));
  await bounded(
    until(() => items.started.length === 1),
    'item 1',
  );
  pulled.open();
  try {
    await bounded(results, 'the stream');
    assert.unreachable('should have rejected');
  } catch (error) {
    assert.is(error, bad);
  }
  assert.equal(items.aborted, [1], 'the running item was stopped');
});

supervisor.run();
awaiting.run();
stream.run();
