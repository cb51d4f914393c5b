// Ports of Elixir's dynamic_supervisor_test.exs (each test named after the case it ports), plus the
// parts that are ours: events, tree(), backoff and concurrent shutdown. Time moves only through the
// ManualClock; waits are on events or on the supervisor's mailbox, never on real time.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ActorRef } from '../../../src/actor/actor-ref.ts';
import { spawnActor } from '../../../src/actor/index.ts';
import type { NameRegistrar } from '../../../src/actor/naming.ts';
import { hasCode, ThunderlineError } from '../../../src/errors.ts';
import {
  type DynamicChildSpec,
  type DynamicSupervisorOptions,
  type DynamicSupervisorRef,
  dynamicSupervisorSpec,
  IGNORE,
  startDynamicSupervisor,
} from '../../../src/supervisor/index.ts';
import { gate, until } from '../../support/gate.ts';
import {
  bounded,
  childrenOf,
  emptyContext,
  exitOf,
  type KernelContext,
  later,
  nextEvent,
  rejection,
  setUp,
  startKept,
  tearDown,
  type WorkerMsg,
  type WorkerOptions,
  workerBehaviour,
} from './helpers.ts';

type Worker = ActorRef<WorkerMsg>;

/** Dynamic supervisors to kill after each test (children are linked: the tree goes with them). */
const kept: DynamicSupervisorRef[] = [];

function setUpDynamic(context: KernelContext): void {
  setUp(context);
  kept.length = 0;
}

function tearDownDynamic(context: KernelContext): void {
  for (const sup of kept) sup.kill('test over');
  tearDown(context);
}

async function startDynamic(context: KernelContext, options: DynamicSupervisorOptions = {}): Promise<DynamicSupervisorRef> {
  const sup = await startDynamicSupervisor(context.system, { name: 'dyn', ...options });
  kept.push(sup);
  return sup;
}

/** A worker child (Elixir's `current_module_worker([:ok2])`): no id needed. */
function worker(options: WorkerOptions & { restart?: DynamicChildSpec['restart']; shutdown?: DynamicChildSpec['shutdown'] } = {}) {
  const spec: DynamicChildSpec = { start: ({ system }) => spawnActor(system, workerBehaviour('w', options), undefined, { name: 'w' }) };
  if (options.restart) spec.restart = options.restart;
  if (options.shutdown !== undefined) spec.shutdown = options.shutdown;
  return spec;
}

/**
 * Elixir's `start_link(:restart, value)`: the first start runs a worker, every later one answers
 * with `then` ('ok' a worker, 'ignore' IGNORE, 'error' a rejection).
 */
function restartsWith(then: 'ok' | 'ignore' | 'error', restart: DynamicChildSpec['restart'] = 'permanent'): DynamicChildSpec {
  let started = false;
  return {
    restart,
    start: async ({ system }) => {
      if (started && then === 'ignore') return IGNORE;
      if (started && then === 'error') throw new Error('found');
      started = true;
      return spawnActor(system, workerBehaviour('w'), undefined, { name: 'w' });
    },
  };
}

async function startWorker(sup: DynamicSupervisorRef, spec: DynamicChildSpec = worker()): Promise<Worker> {
  const ref = await sup.startChild(spec);
  if (!ref) throw new Error('the child answered IGNORE');
  return ref as unknown as Worker;
}

/** One round trip through the supervisor's mailbox: every exit queued before it has been handled. */
async function barrier(sup: DynamicSupervisorRef): Promise<void> {
  await sup.terminateChild({ id: 'barrier' } as unknown as ActorRef<never>).catch(() => undefined);
}

/** Elixir's `assert_kill(pid, reason)`: exits the actor with `reason`, then lets the supervisor handle it. */
async function assertKill(sup: DynamicSupervisorRef, ref: { kill(reason?: unknown): void }, reason: unknown): Promise<void> {
  ref.kill(reason);
  await barrier(sup);
}

// ---

const supervised = suite<KernelContext>('DynamicSupervisor', emptyContext());
supervised.before.each(setUpDynamic);
supervised.after.each(tearDownDynamic);

supervised('can be supervised directly (dynamic_supervisor_test.exs)', async (context) => {
  const root = await startKept(context, { name: 'root', children: [dynamicSupervisorSpec('dyn_sup_spec_test')] });
  const row = root.whichChildren()[0];
  assert.is(row?.id, 'dyn_sup_spec_test');
  assert.is(row?.type, 'supervisor');
  assert.is(row?.ref?.name, 'dyn_sup_spec_test');
  assert.equal((row?.ref as unknown as DynamicSupervisorRef | undefined)?.whichChildren(), []);
  assert.equal(root.tree().children[0]?.tree, {
    name: 'dyn_sup_spec_test',
    kind: 'dynamic',
    strategy: 'one_for_one',
    budget: { restarts: 0, maxRestarts: 3, maxSeconds: 5 },
    names: [],
    children: [],
  });
});

supervised(
  'multiple supervisors can be supervised and identified with simple child spec (dynamic_supervisor_test.exs)',
  async (context) => {
    const names = new Map<unknown, ActorRef<never>>();
    const registry: NameRegistrar = {
      name: 'test',
      registerName(key, ref) {
        if (names.has(key)) throw new ThunderlineError('ERR_ALREADY_REGISTERED', `taken: ${String(key)}`);
        names.set(key, ref);
        ref.onExit(() => names.delete(key));
      },
      whereisName: (key) => names.get(key),
    };
    await startKept(context, {
      name: 'root',
      children: [dynamicSupervisorSpec('simple_name'), dynamicSupervisorSpec('via', { name: { via: registry, key: 'via_name' } })],
    });
    const viaSup = names.get('via_name') as unknown as DynamicSupervisorRef;
    assert.is(viaSup.name, 'via_name');
    assert.equal(viaSup.whichChildren(), []);
    const error = await rejection(() => startDynamicSupervisor(context.system, { name: { via: registry, key: 'via_name' } }));
    assert.is(error.code, 'ERR_ALREADY_REGISTERED');
  },
);

supervised('init/1 set default options (dynamic_supervisor_test.exs)', async (context) => {
  const sup = await startDynamic(context);
  assert.equal(sup.restartBudget(), { restarts: 0, maxRestarts: 3, maxSeconds: 5 });
  assert.equal(sup.countChildren(), { specs: 0, active: 0, supervisors: 0, workers: 0 });
  const defaults = await startDynamicSupervisor(context.system);
  kept.push(defaults);
  assert.is(defaults.name, 'dynamic_supervisor');
});

supervised('start_link/3 with non-ok init (dynamic_supervisor_test.exs)', async (context) => {
  const cases: Array<[DynamicSupervisorOptions, string]> = [
    [{ maxRestarts: -1 }, 'supervisor "dyn": maxRestarts must be an integer >= 0, got -1'],
    [{ maxSeconds: 0 }, 'supervisor "dyn": maxSeconds must be a finite number > 0, got 0'],
    [{ maxChildren: -1 }, 'supervisor "dyn": maxChildren must be an integer >= 0 or Infinity, got -1'],
    [{ extraArguments: -1 as unknown as unknown[] }, 'supervisor "dyn": extraArguments must be an array, got -1'],
  ];
  for (const [options, message] of cases) {
    const error = await rejection(() => startDynamicSupervisor(context.system, { name: 'dyn', ...options }));
    assert.is(error.code, 'ERR_INVALID_SUPERVISOR_OPTIONS');
    assert.is(error.message, message);
  }
});

supervised('start_link/3 with registered process (dynamic_supervisor_test.exs): stop ends it cleanly', async (context) => {
  const sup = await startDynamic(context, { name: 'registered' });
  assert.is(sup.name, 'registered');
  assert.is((await bounded(sup.stop(), 'stop')).reason, 'shutdown');
  assert.not.ok(sup.alive);
});

// ---

const startChild = suite<KernelContext>('DynamicSupervisor.startChild', emptyContext());
startChild.before.each(setUpDynamic);
startChild.after.each(tearDownDynamic);

startChild('start_child/2 supports new child spec (dynamic_supervisor_test.exs): no id needed', async (context) => {
  const sup = await startDynamic(context);
  const ref = await startWorker(sup);
  assert.ok(ref.alive);
  assert.equal(
    sup.whichChildren().map((child) => [child.id, child.ref, child.status, child.type, child.restart]),
    [[ref.id, ref, 'running', 'worker', 'permanent']],
  );
  const ids: string[] = [];
  const withId = {
    id: 'given',
    start: async (start: { id: string; system: KernelContext['system'] }) => {
      ids.push(start.id);
      return spawnActor(start.system, workerBehaviour('x'), undefined);
    },
  };
  await sup.startChild(withId);
  await sup.startChild({ start: withId.start });
  assert.equal(ids, ['given', 'dynamic_child'], 'the id only goes to start; two children may share it');
  assert.is(sup.countChildren().active, 3);
});

startChild('start_child/2 supports extra arguments (dynamic_supervisor_test.exs)', async (context) => {
  const fun = (): string => 'from_child';
  const sup = await startDynamic(context, { extraArguments: [fun] });
  const seen: unknown[] = [];
  await sup.startChild({
    restart: 'temporary',
    start: async ({ system, args }) => {
      seen.push((args[0] as () => string)());
      return spawnActor(system, workerBehaviour('w'), undefined);
    },
  });
  assert.equal(seen, ['from_child']);
});

startChild('start_child/2 with invalid child spec (dynamic_supervisor_test.exs)', async (context) => {
  const sup = await startDynamic(context);
  const cases: Array<[unknown, string]> = [
    [{}, 'supervisor "dyn": child spec.start must be a function returning a promise of an actor ref, got undefined'],
    [{ start: 'Task' }, 'supervisor "dyn": child spec.start must be a function returning a promise of an actor ref, got "Task"'],
    [
      { ...worker(), shutdown: -1 },
      'supervisor "dyn": child spec.shutdown must be an integer number of ms >= 0, "brutal_kill" or "infinity", got -1',
    ],
    [
      { ...worker(), significant: true },
      'supervisor "dyn": child spec.significant must be false (a dynamic supervisor has no significant children), got true',
    ],
  ];
  for (const [spec, message] of cases) {
    const error = await rejection(() => sup.startChild(spec as DynamicChildSpec));
    assert.is(error.code, 'ERR_INVALID_CHILD_SPEC');
    assert.is(error.message, message);
  }
  assert.equal(sup.whichChildren(), []);
});

startChild('start_child/2 with different returns (dynamic_supervisor_test.exs): a ref, IGNORE, a rejection', async (context) => {
  const sup = await startDynamic(context);
  assert.ok(await sup.startChild(worker()));
  assert.is(await sup.startChild({ start: async () => IGNORE }), undefined);
  const found = new Error('found');
  const error = await rejection(() =>
    sup.startChild({
      start: async () => {
        throw found;
      },
    }),
  );
  assert.is(error.code, 'ERR_CHILD_START_FAILED');
  assert.is(error.message, 'supervisor "dyn": child failed to start: found');
  assert.is(error.cause, found);
  assert.equal(sup.countChildren(), { specs: 1, active: 1, supervisors: 0, workers: 1 }, 'neither IGNORE nor a failure is kept');
});

startChild('start_child/2 with throw/error/exit (dynamic_supervisor_test.exs): any thrown value is the cause', async (context) => {
  const sup = await startDynamic(context);
  for (const thrown of ['oops', { reason: 'oops' }, new RangeError('oops')]) {
    const error = await rejection(() =>
      sup.startChild({
        start: () => {
          throw thrown;
        },
      }),
    );
    assert.is(error.code, 'ERR_CHILD_START_FAILED');
    assert.is(error.cause, thrown);
  }
  const initFails = await rejection(() =>
    sup.startChild({
      start: ({ system }) => spawnActor(system, { init: () => Promise.reject('init oops'), handle: (s: number) => s }, undefined),
    }),
  );
  assert.is(initFails.cause, 'init oops', "an actor whose init fails fails the start with init's reason");
});

startChild('start_child/2 with max_children (dynamic_supervisor_test.exs)', async (context) => {
  const sup = await startDynamic(context, { maxChildren: 0 });
  const error = await rejection(() => sup.startChild(worker()));
  assert.is(error.code, 'ERR_MAX_CHILDREN');
  assert.is(error.message, 'supervisor "dyn" already has maxChildren (0) children; none started');
  const two = await startDynamic(context, { name: 'two', maxChildren: 2 });
  await startWorker(two);
  const second = await startWorker(two);
  assert.is(
    (await rejection(() => two.startChild(worker()))).message,
    'supervisor "two" already has maxChildren (2) children; none started',
  );
  await two.terminateChild(second);
  assert.ok(await two.startChild(worker()), 'room again once a child is gone');
});

startChild('start_child/2 temporary child is not restarted regardless of reason (dynamic_supervisor_test.exs)', async (context) => {
  const sup = await startDynamic(context);
  for (const reason of ['shutdown', 'whatever']) {
    await assertKill(sup, await startWorker(sup, worker({ restart: 'temporary' })), reason);
    assert.equal(sup.countChildren(), { specs: 0, active: 0, supervisors: 0, workers: 0 });
  }
  assert.equal(childrenOf(context.events, 'child_restarted'), []);
});

startChild(
  'start_child/2 transient child is restarted unless normal/shutdown/{shutdown, _} (dynamic_supervisor_test.exs)',
  async (context) => {
    const sup = await startDynamic(context);
    for (const reason of ['normal', 'shutdown', { shutdown: 'signal' }]) {
      await assertKill(sup, await startWorker(sup, worker({ restart: 'transient' })), reason);
      assert.equal(sup.countChildren(), { specs: 0, active: 0, supervisors: 0, workers: 0 });
    }
    const child = await startWorker(sup, worker({ restart: 'transient' }));
    await assertKill(sup, child, 'whatever');
    assert.equal(sup.countChildren(), { specs: 1, active: 1, supervisors: 0, workers: 1 });
    const row = sup.whichChildren()[0];
    assert.is.not(row?.ref, child, 'a new actor');
    assert.is(row?.restarts, 1);
  },
);

startChild('start_child/2 permanent child is restarted regardless of reason (dynamic_supervisor_test.exs)', async (context) => {
  const sup = await startDynamic(context, { maxRestarts: 100_000 });
  let expected = 0;
  for (const reason of ['shutdown', { shutdown: 'signal' }, 'whatever', 'normal']) {
    await assertKill(sup, await startWorker(sup, worker({ restart: 'permanent' })), reason);
    expected += 1;
    assert.equal(sup.countChildren(), { specs: expected, active: expected, supervisors: 0, workers: expected });
  }
  assert.is(sup.restartBudget().restarts, 4);
});

startChild('start_child/2 child is restarted with different values (dynamic_supervisor_test.exs)', async (context) => {
  const sup = await startDynamic(context, { maxRestarts: 100_000 });
  const child1 = await startWorker(sup, restartsWith('ok'));
  assert.equal(
    sup.whichChildren().map((child) => child.ref),
    [child1],
  );
  await assertKill(sup, child1, 'shutdown');
  assert.equal(sup.countChildren(), { specs: 1, active: 1, supervisors: 0, workers: 1 });

  const child3 = await startWorker(sup, restartsWith('ignore'));
  assert.is(sup.countChildren().specs, 2);
  await assertKill(sup, child3, 'shutdown');
  assert.equal(sup.countChildren(), { specs: 1, active: 1, supervisors: 0, workers: 1 }, 'a restart answering IGNORE drops the child');

  const child4 = await startWorker(sup, restartsWith('error'));
  await assertKill(sup, child4, 'shutdown');
  assert.equal(sup.countChildren(), { specs: 2, active: 1, supervisors: 0, workers: 2 });
  const restarting = sup.whichChildren().find((child) => child.status === 'restarting');
  assert.equal(restarting && [restarting.id, restarting.ref], [child4.id, undefined], 'shown under the actor that exited');
});

startChild('start_child/2 restarting on init children counted in max_children (dynamic_supervisor_test.exs)', async (context) => {
  const sup = await startDynamic(context, { maxChildren: 1, maxRestarts: 100_000 });
  const child = await startWorker(sup, restartsWith('error'));
  await assertKill(sup, child, 'shutdown');
  assert.equal(sup.countChildren(), { specs: 1, active: 0, supervisors: 0, workers: 1 });
  assert.is((await rejection(() => sup.startChild(worker()))).code, 'ERR_MAX_CHILDREN');
});

startChild('start_child/2 restarting on exit children counted in max_children (dynamic_supervisor_test.exs)', async (context) => {
  const sup = await startDynamic(context, { maxChildren: 1, maxRestarts: 100_000 });
  await assertKill(sup, await startWorker(sup), 'shutdown');
  assert.equal(sup.countChildren(), { specs: 1, active: 1, supervisors: 0, workers: 1 });
  assert.is((await rejection(() => sup.startChild(worker()))).code, 'ERR_MAX_CHILDREN');
});

startChild(
  'start_child/2 restarting a child with extra_arguments successfully restarts child (dynamic_supervisor_test.exs)',
  async (context) => {
    const seen: unknown[] = [];
    const sup = await startDynamic(context, { extraArguments: ['from_child'] });
    const child = await startWorker(sup, {
      restart: 'transient',
      start: ({ system, args }) => {
        seen.push(args[0]);
        return spawnActor(system, workerBehaviour('w'), undefined);
      },
    });
    await assertKill(sup, child, 'oops');
    assert.equal(seen, ['from_child', 'from_child']);
    assert.equal(sup.countChildren(), { specs: 1, active: 1, supervisors: 0, workers: 1 });
  },
);

startChild('start_child/2 child is restarted when trying again (dynamic_supervisor_test.exs)', async (context) => {
  const tries: boolean[] = [];
  let failNext = false;
  const sup = await startDynamic(context, { maxRestarts: 2 });
  const child = await startWorker(sup, {
    start: async ({ system }) => {
      const fails = failNext;
      failNext = !failNext;
      tries.push(!fails);
      if (fails) throw new Error('try_again');
      return spawnActor(system, workerBehaviour('w'), undefined);
    },
  });
  const restarted = nextEvent(context.system, (event) => event.type === 'child_restarted', 'the retried restart');
  await assertKill(sup, child, 'shutdown');
  await restarted;
  assert.equal(tries, [true, false, true]);
  assert.equal(sup.countChildren(), { specs: 1, active: 1, supervisors: 0, workers: 1 });
  assert.is(sup.restartBudget().restarts, 2, 'the retry is a counted restart');
  assert.ok(sup.alive);
});

startChild('start_child/2 child triggers maximum restarts (dynamic_supervisor_test.exs)', async (context) => {
  const sup = await startDynamic(context, { maxRestarts: 1 });
  const other = await startWorker(sup);
  const child = await startWorker(sup, restartsWith('error'));
  child.kill('shutdown');
  const exit = await exitOf(sup);
  assert.ok(hasCode(exit.reason, 'ERR_RESTART_INTENSITY'));
  assert.is(
    (exit.reason as Error).message,
    `supervisor "dyn" gave up: 2 restarts within 5 s exceed maxRestarts 1; last exit: child "${child.id}": restart failed`,
  );
  assert.not.ok(other.alive, 'its other children were shut down first');
  assert.is((await exitOf(other)).reason, 'shutdown');
});

startChild('start_child/2 child triggers maximum intensity when trying again (dynamic_supervisor_test.exs)', async (context) => {
  const sup = await startDynamic(context, { maxRestarts: 10 });
  const child = await startWorker(sup, restartsWith('error'));
  child.kill('shutdown');
  const exit = await exitOf(sup);
  assert.ok(hasCode(exit.reason, 'ERR_RESTART_INTENSITY'));
  assert.is(childrenOf(context.events, 'child_exited').length, 11, 'the exit, then 10 failed restarts: the 11th gives up');
  assert.equal(childrenOf(context.events, 'supervisor_escalated'), [child.id]);
});

startChild('start_child/2 with valid shutdown (dynamic_supervisor_test.exs)', async (context) => {
  const sup = await startDynamic(context);
  for (const shutdown of [0, 1]) {
    const child = await startWorker(sup, worker({ shutdown, restart: 'temporary' }));
    await assertKill(sup, child, 'shutdown');
  }
  assert.equal(sup.whichChildren(), []);
});

// ---

const terminate = suite<KernelContext>('DynamicSupervisor shutdown', emptyContext());
terminate.before.each(setUpDynamic);
terminate.after.each(tearDownDynamic);

async function threeChildren(sup: DynamicSupervisorRef, spec: DynamicChildSpec): Promise<Worker[]> {
  return [await startWorker(sup, spec), await startWorker(sup, spec), await startWorker(sup, spec)];
}

async function reasons(children: Worker[]): Promise<unknown[]> {
  return Promise.all(children.map(async (child) => (await exitOf(child)).reason));
}

terminate('terminate/2 terminates children with brutal kill (dynamic_supervisor_test.exs)', async (context) => {
  const sup = await startDynamic(context);
  const children = await threeChildren(sup, worker({ shutdown: 'brutal_kill' }));
  await bounded(sup.stop(), 'stop');
  assert.equal(await reasons(children), ['killed', 'killed', 'killed']);
});

terminate('terminate/2 terminates children with infinity shutdown (dynamic_supervisor_test.exs)', async (context) => {
  const sup = await startDynamic(context);
  const children = await threeChildren(sup, worker({ shutdown: 'infinity' }));
  await bounded(sup.stop(), 'stop');
  assert.equal(await reasons(children), ['shutdown', 'shutdown', 'shutdown']);
});

terminate('terminate/2 terminates children with integer shutdown (dynamic_supervisor_test.exs)', async (context) => {
  const sup = await startDynamic(context);
  const children = await threeChildren(sup, worker({ shutdown: 1000 }));
  await bounded(sup.stop(), 'stop');
  assert.equal(await reasons(children), ['shutdown', 'shutdown', 'shutdown']);
  assert.equal(context.clock.pendingTimers(), 0, 'no shutdown timer left behind');
});

terminate('terminate/2 terminates children with expired integer shutdown (dynamic_supervisor_test.exs)', async (context) => {
  const sup = await startDynamic(context);
  const hanging = gate();
  const child1 = await startWorker(sup, worker({ shutdown: 1 }));
  const child2 = await startWorker(sup, worker({ shutdown: 1, terminateHangs: true, onTerminate: () => hanging.open() }));
  const child3 = await startWorker(sup, worker({ shutdown: 1 }));
  const stopped = later(bounded(sup.stop(), 'stop'));
  await bounded(hanging.promise, "child2's terminate");
  await bounded(
    until(() => !child1.alive && !child3.alive),
    'child1 and child3 to stop',
  );
  assert.ok(child2.alive, 'still in its terminate');
  context.clock.advance(1);
  await stopped;
  assert.equal(await reasons([child1, child2, child3]), ['shutdown', 'killed', 'shutdown']);
});

terminate('terminate/2 terminates with mixed children (dynamic_supervisor_test.exs)', async (context) => {
  const sup = await startDynamic(context);
  const child1 = await startWorker(sup, worker({ shutdown: 'infinity' }));
  const child2 = await startWorker(sup, worker({ shutdown: 'brutal_kill' }));
  await bounded(sup.stop(), 'stop');
  assert.equal(await reasons([child1, child2]), ['shutdown', 'killed']);
});

terminate('terminate/2 stops every child at once, as Elixir does (not one after another)', async (context) => {
  const sup = await startDynamic(context);
  const log: string[] = [];
  const held = gate();
  const children = await threeChildren(sup, worker({ shutdown: 'infinity', log, terminateGate: held.promise }));
  log.length = 0;
  const stopped = later(bounded(sup.stop(), 'stop'));
  await bounded(
    until(() => log.length === 3),
    'all three in terminate',
  );
  assert.equal(log, ['terminate:w', 'terminate:w', 'terminate:w'], 'all three are in terminate before any finishes');
  held.open();
  await stopped;
  assert.equal(await reasons(children), ['shutdown', 'shutdown', 'shutdown']);
  assert.is(childrenOf(context.events, 'child_exited').length, 3);
});

terminate('a killed dynamic supervisor takes every child with it', async (context) => {
  const sup = await startDynamic(context);
  const children = await threeChildren(sup, worker({ shutdown: 'infinity' }));
  sup.kill('boom');
  assert.equal(await reasons(children), ['killed', 'killed', 'killed']);
});

// ---

const terminateChild = suite<KernelContext>('DynamicSupervisor.terminateChild', emptyContext());
terminateChild.before.each(setUpDynamic);
terminateChild.after.each(tearDownDynamic);

terminateChild('terminate_child/2 terminates child with brutal kill (dynamic_supervisor_test.exs)', async (context) => {
  const sup = await startDynamic(context);
  const child = await startWorker(sup, worker({ shutdown: 'brutal_kill' }));
  await sup.terminateChild(child);
  assert.is((await exitOf(child)).reason, 'killed');
  const error = await rejection(() => sup.terminateChild(child));
  assert.is(error.code, 'ERR_CHILD_NOT_FOUND');
  assert.is(error.message, `supervisor "dyn" has no child "${child.id}"`);
  assert.equal(sup.countChildren(), { specs: 0, active: 0, supervisors: 0, workers: 0 });
});

terminateChild('terminate_child/2 terminates child with integer shutdown (dynamic_supervisor_test.exs)', async (context) => {
  const sup = await startDynamic(context);
  const child = await startWorker(sup, worker({ shutdown: 1000 }));
  await sup.terminateChild(child);
  assert.is((await exitOf(child)).reason, 'shutdown');
  assert.is((await rejection(() => sup.terminateChild(child))).code, 'ERR_CHILD_NOT_FOUND');
  assert.equal(sup.countChildren(), { specs: 0, active: 0, supervisors: 0, workers: 0 });
  assert.equal(childrenOf(context.events, 'child_restarted'), [], 'a terminated child is not restarted');
});

terminateChild('terminate_child/2 terminates restarting child (dynamic_supervisor_test.exs)', async (context) => {
  const sup = await startDynamic(context, { maxRestarts: 100_000 });
  const child = await startWorker(sup, restartsWith('error'));
  await assertKill(sup, child, 'shutdown');
  assert.is(sup.whichChildren()[0]?.status, 'restarting');
  await sup.terminateChild(child);
  assert.is((await rejection(() => sup.terminateChild(child))).code, 'ERR_CHILD_NOT_FOUND');
  assert.equal(sup.countChildren(), { specs: 0, active: 0, supervisors: 0, workers: 0 });
});

terminateChild('a ref that is not an actor at all is not found either', async (context) => {
  const sup = await startDynamic(context);
  const error = await rejection(() => sup.terminateChild('ghost' as unknown as ActorRef<never>));
  assert.is(error.message, 'supervisor "dyn" has no child "ghost"');
});

// ---

const reports = suite<KernelContext>('DynamicSupervisor events and tree', emptyContext());
reports.before.each(setUpDynamic);
reports.after.each(tearDownDynamic);

reports('reports child_started, child_exited and child_restarted like a supervisor, naming children by actor id', async (context) => {
  const sup = await startDynamic(context);
  const child = await startWorker(sup);
  context.clock.advance(1500);
  const restarted = nextEvent(context.system, (event) => event.type === 'child_restarted');
  child.kill('boom');
  await restarted;
  const fresh = sup.whichChildren()[0]?.ref as ActorRef<never>;
  assert.equal(context.events, [
    { type: 'child_started', supervisor: 'dyn', child: child.id, time: '2026-01-01T00:00:00.000Z', reason: 'start', restarts: 0 },
    { type: 'child_exited', supervisor: 'dyn', child: child.id, time: '2026-01-01T00:00:01.500Z', reason: 'boom', restarts: 0 },
    { type: 'child_restarted', supervisor: 'dyn', child: fresh.id, time: '2026-01-01T00:00:01.500Z', reason: 'restart', restarts: 1 },
  ]);
});

reports('reports supervisor_escalated with the intensity error', async (context) => {
  const sup = await startDynamic(context, { maxRestarts: 0 });
  const child = await startWorker(sup);
  child.kill('boom');
  await exitOf(sup);
  assert.equal(context.events.at(-1), {
    type: 'supervisor_escalated',
    supervisor: 'dyn',
    child: child.id,
    time: '2026-01-01T00:00:00.000Z',
    reason: `ERR_RESTART_INTENSITY: supervisor "dyn" gave up: 1 restarts within 5 s exceed maxRestarts 0; last exit: child "${child.id}": boom`,
    restarts: 1,
  });
});

reports('tree() has SupervisorRef.tree() shape, nested supervisors included', async (context) => {
  const sup = await startDynamic(context);
  const child = await startWorker(sup, worker({ restart: 'transient' }));
  const nested = (await sup.startChild(dynamicSupervisorSpec('inner'))) as unknown as DynamicSupervisorRef;
  assert.equal(sup.tree(), {
    name: 'dyn',
    kind: 'dynamic',
    strategy: 'one_for_one',
    budget: { restarts: 0, maxRestarts: 3, maxSeconds: 5 },
    names: [],
    children: [
      { id: child.id, status: 'running', type: 'worker', restart: 'transient', restarts: 0, actor: child.id, names: [] },
      {
        id: nested.id,
        status: 'running',
        type: 'supervisor',
        restart: 'permanent',
        restarts: 0,
        actor: nested.id,
        names: [],
        tree: {
          name: 'inner',
          kind: 'dynamic',
          strategy: 'one_for_one',
          budget: { restarts: 0, maxRestarts: 3, maxSeconds: 5 },
          names: [],
          children: [],
        },
      },
    ],
  });
  assert.equal(sup.countChildren(), { specs: 2, active: 2, supervisors: 1, workers: 1 });
});

reports('backoff delays a restart on the system clock', async (context) => {
  const sup = await startDynamic(context, { backoff: { minMs: 100, maxMs: 1000 } });
  const child = await startWorker(sup);
  await assertKill(sup, child, 'boom');
  assert.is(sup.whichChildren()[0]?.status, 'restarting');
  const restarted = nextEvent(context.system, (event) => event.type === 'child_restarted');
  context.clock.advance(99);
  await barrier(sup);
  assert.is(sup.whichChildren()[0]?.status, 'restarting', 'not before the delay');
  context.clock.advance(1);
  await restarted;
  assert.is(sup.whichChildren()[0]?.status, 'running');
});

reports('terminateChild cancels a pending backoff restart', async (context) => {
  const sup = await startDynamic(context, { backoff: { minMs: 100, maxMs: 1000 } });
  const child = await startWorker(sup);
  await assertKill(sup, child, 'boom');
  await sup.terminateChild(child);
  assert.is(context.clock.pendingTimers(), 0);
  context.clock.advance(1000);
  await barrier(sup);
  assert.equal(sup.whichChildren(), []);
});

supervised.run();
startChild.run();
terminate.run();
terminateChild.run();
reports.run();
