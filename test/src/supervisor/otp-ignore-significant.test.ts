// Ports of OTP supervisor_SUITE: a start that answers ignore, significant children and auto_shutdown,
// get_childspec, which_child, already_started, and a supervisor named through a Registry. Every wait is
// on an exit, an event or a round trip through the supervisor's mailbox; time moves only on the ManualClock.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ActorRef } from '../../../src/actor/actor-ref.ts';
import type { ExitSignal } from '../../../src/actor/behaviour.ts';
import { spawnActor } from '../../../src/actor/index.ts';
import { hasCode } from '../../../src/errors.ts';
import { AlreadyRegisteredError, Registry, via } from '../../../src/registry/index.ts';
import {
  type AutoShutdown,
  type ChildSpec,
  type ChildStart,
  DuplicateChildError,
  IGNORE,
  type RestartType,
  type Strategy,
  type SupervisorRef,
  type SupervisorTree,
  startSupervisor,
  supervisorSpec,
  validateChildSpecs,
} from '../../../src/supervisor/index.ts';
import {
  barrier,
  bounded,
  childRef,
  childrenOf,
  emptyContext,
  exitOf,
  type KernelContext,
  nestedSupervisor,
  nextSupervisorEvent,
  rejection,
  setUp,
  startKept,
  tearDown,
  type WorkerMsg,
  workerBehaviour,
  workerSpec,
} from './helpers.ts';

type Ref = ActorRef<WorkerMsg>;

const OTP = { name: 'sup_test', maxSeconds: 3600 } as const;
const rows = (sup: SupervisorRef) => sup.whichChildren().map((child) => `${child.id}:${child.status}`);
const counts = (specs: number, active: number, supervisors: number, workers: number) => ({ specs, active, supervisors, workers });
const MODES: readonly AutoShutdown[] = ['never', 'any_significant', 'all_significant'];

/**
 * A child whose starts answer in turn from `answers` (`'ignore'`: OTP's `ignore`), then start for good;
 * `starts` counts the calls.
 */
function answering(id: string, restart: RestartType, ...answers: Array<'ignore' | 'start'>) {
  const control = {
    starts: 0,
    spec: {
      id,
      restart,
      shutdown: 1000,
      start: async ({ system }) => {
        control.starts += 1;
        if (answers.shift() === 'ignore') return IGNORE;
        return spawnActor(system, workerBehaviour(id), undefined, { name: id });
      },
    } as ChildSpec,
  };
  return control;
}

/** A test worker with OTP's map spec `#{restart => Restart, significant => Significant}`. */
function child(id: string, restart: RestartType, significant: boolean): ChildSpec {
  return { ...workerSpec(id, { restart, shutdown: 1000 }), significant };
}

/** supervisor_SUITE's terminate/4: how a child ends. */
type How = 'supervisor' | 'kill' | 'abnormal' | 'normal';

/** Ends child `id` of `sup` the OTP way `how` and resolves with its exit. */
async function terminate(sup: SupervisorRef, id: string, how: How): Promise<ExitSignal> {
  const ref = childRef(sup, id);
  const exited = exitOf(ref);
  if (how === 'supervisor') await sup.terminateChild(id);
  else if (how === 'kill') ref.kill();
  else if (how === 'abnormal') ref.cast({ type: 'crash', reason: 'died' });
  else ref.cast({ type: 'exit', reason: 'normal' });
  return exited;
}

/** The supervisor handled everything sent to it so far and is still running (OTP's `error = check_exit([Sup], 1000)`). */
async function assertUp(sup: SupervisorRef, why: string): Promise<void> {
  await bounded(barrier(sup), `a round trip through "${sup.name}"`);
  assert.ok(sup.alive, `"${sup.name}" is still running: ${why}`);
}

/** The supervisor shut itself down with reason `shutdown`, taking `refs` with it (OTP's `ok = check_exit([..., Sup])`). */
async function assertShutDown(sup: SupervisorRef, refs: Ref[]): Promise<void> {
  assert.is((await exitOf(sup)).reason, 'shutdown', `"${sup.name}" exits with reason shutdown`);
  for (const ref of refs) assert.is((await exitOf(ref)).reason, 'shutdown', `${ref.name} is shut down with it`);
}

/** Starts `name` with OTP's three children of the significant cases: child1 and child2 significant, child3 not. */
async function startThree(context: KernelContext, name: string, autoShutdown: AutoShutdown, restart: RestartType): Promise<SupervisorRef> {
  const sup = await startKept(context, { ...OTP, name, maxRestarts: 5, autoShutdown });
  for (const [id, significant] of [
    ['child1', true],
    ['child2', true],
    ['child3', false],
  ] as const) {
    await sup.startChild(child(id, restart, significant));
  }
  return sup;
}

// ---

const ignore = suite<KernelContext>('OTP: a start that answers IGNORE', emptyContext());
ignore.before.each(setUp);
ignore.after.each(tearDown);

ignore('sup_start_ignore_child (supervisor_SUITE)', async (context) => {
  const sup = await startKept(context, { ...OTP, maxRestarts: 2 });
  const child1 = answering('child1', 'permanent', 'ignore');
  assert.is(await sup.startChild(child1.spec), undefined, "startChild resolves undefined: OTP's {ok, undefined}");
  const cpid2 = await sup.startChild(workerSpec('child2', { shutdown: 1000 }));
  assert.equal(
    sup.whichChildren().map((row) => [row.id, row.ref, row.status]),
    [
      ['child1', undefined, 'terminated'],
      ['child2', cpid2, 'running'],
    ],
  );
  assert.equal(sup.countChildren(), counts(2, 1, 0, 2));
  assert.equal(childrenOf(context.events, 'child_started'), ['child2'], 'an ignored start publishes nothing');
  const duplicate = await rejection(() => sup.startChild(child1.spec));
  assert.is(duplicate.message, 'supervisor "sup_test": child "child1" is already present', 'the spec is kept');
  assert.ok((await sup.restartChild('child1'))?.alive, 'and starts once its start function agrees');
  assert.equal(rows(sup), ['child1:running', 'child2:running']);
});

ignore('sup_start_ignore_temporary_child (supervisor_SUITE)', async (context) => {
  const child1 = answering('child1', 'temporary', 'ignore');
  const sup = await startKept(context, { ...OTP, maxRestarts: 2, children: [child1.spec, workerSpec('child2', { restart: 'temporary' })] });
  assert.equal(rows(sup), ['child2:running'], 'a temporary child that answers ignore is not kept');
  assert.ok(sup.whichChildren()[0]?.ref?.alive);
  assert.equal(sup.countChildren(), counts(1, 1, 0, 1));
  assert.is(child1.starts, 1);
});

ignore('sup_start_ignore_temporary_child_start_child (supervisor_SUITE)', async (context) => {
  const sup = await startKept(context, { ...OTP, maxRestarts: 2 });
  const child1 = answering('child1', 'temporary', 'ignore', 'ignore');
  assert.is(await sup.startChild(child1.spec), undefined);
  const cpid2 = await sup.startChild(workerSpec('child2', { restart: 'temporary' }));
  assert.equal(
    sup.whichChildren().map((row) => [row.id, row.ref]),
    [['child2', cpid2]],
  );
  assert.equal(sup.countChildren(), counts(1, 1, 0, 1));
  assert.is(await sup.startChild(child1.spec), undefined, 'no spec was kept, so the id is free: not already_present');
});

ignore('a permanent or transient child ignored at supervisor start is kept as a spec (supervisor.erl start_children)', async (context) => {
  const child1 = answering('child1', 'permanent', 'ignore');
  const child2 = answering('child2', 'transient', 'ignore');
  const sup = await startKept(context, { ...OTP, children: [child1.spec, child2.spec, workerSpec('child3')] });
  assert.equal(rows(sup), ['child1:terminated', 'child2:terminated', 'child3:running']);
  assert.equal(
    sup.whichChildren().map((row) => row.ref === undefined),
    [true, true, false],
  );
  assert.equal(sup.countChildren(), counts(3, 1, 0, 3));
  assert.equal(sup.tree().children[0]?.actor, undefined);
});

ignore(
  'restart_child of a child whose start answers ignore resolves undefined, the child stays terminated (supervisor.erl)',
  async (context) => {
    const child1 = answering('child1', 'permanent', 'start', 'ignore');
    const sup = await startKept(context, { ...OTP, children: [child1.spec] });
    await sup.terminateChild('child1');
    assert.is(await sup.restartChild('child1'), undefined, "OTP's {ok, undefined}");
    assert.equal(rows(sup), ['child1:terminated']);
    assert.is(sup.whichChildren()[0]?.ref, undefined);
    assert.ok((await sup.restartChild('child1'))?.alive);
    assert.is(child1.starts, 3);
  },
);

ignore(
  'one_for_one: a restart that answers ignore leaves the child without an actor, not retried (supervisor.erl restart/3)',
  async (context) => {
    const child1 = answering('child1', 'permanent', 'start', 'ignore');
    const sup = await startKept(context, { ...OTP, maxRestarts: 3, children: [child1.spec, workerSpec('child2')] });
    await terminate(sup, 'child1', 'abnormal');
    await assertUp(sup, 'an ignored restart is not a failed one');
    assert.equal(rows(sup), ['child1:terminated', 'child2:running']);
    assert.is(sup.whichChildren()[0]?.ref, undefined);
    assert.is(child1.starts, 2, 'one restart attempt, no try_again_restart');
    assert.is(sup.restartBudget().restarts, 1, 'the crash counted once');
    assert.equal(childrenOf(context.events, 'child_restarted'), []);
    assert.ok((await sup.restartChild('child1'))?.alive);
  },
);

ignore(
  'rest_for_one: a group member whose restart answers ignore stays down, the rest of the group starts (supervisor.erl)',
  async (context) => {
    const b = answering('b', 'permanent', 'start', 'ignore');
    const sup = await startKept(context, { ...OTP, strategy: 'rest_for_one', children: [workerSpec('a'), b.spec, workerSpec('c')] });
    const [a, c] = [childRef(sup, 'a'), childRef(sup, 'c')];
    const cBack = nextSupervisorEvent(context.system, 'child_restarted', 'c');
    await terminate(sup, 'b', 'abnormal');
    await cBack;
    assert.equal(rows(sup), ['a:running', 'b:terminated', 'c:running']);
    assert.is(childRef(sup, 'a'), a, 'a, before b, is left alone');
    assert.is.not(childRef(sup, 'c'), c, 'c was restarted with the group');
    assert.not.ok(c.alive);
    assert.is(sup.restartBudget().restarts, 1);
  },
);

// ---

const validation = suite<KernelContext>('OTP: significant children in child spec validation', emptyContext());
validation.before.each(setUp);
validation.after.each(tearDown);

const NEVER_MESSAGE =
  'children[0].significant is true but the supervisor\'s autoShutdown is "never": a significant child needs autoShutdown "any_significant" or "all_significant"';

validation('child_specs_map: significant against restart and auto_shutdown, every combination (supervisor_SUITE)', () => {
  const start: ChildStart = async () => IGNORE;
  const bad = (fn: () => unknown): string => {
    try {
      fn();
    } catch (error) {
      assert.ok(hasCode(error, 'ERR_INVALID_CHILD_SPEC'), String(error));
      return error.message;
    }
    return 'ok';
  };
  assert.is(
    bad(() => validateChildSpecs([{ id: 'child', start, significant: 'maybe' }])),
    'children[0].significant must be true or false, got "maybe"',
    "OTP's {invalid_significant, maybe}",
  );
  for (const autoShutdown of [undefined, ...MODES]) {
    for (const restart of [undefined, 'permanent', 'transient', 'temporary'] as const) {
      for (const significant of [undefined, true, false]) {
        const spec: ChildSpec = { id: 'child', start };
        if (restart) spec.restart = restart;
        if (significant !== undefined) spec.significant = significant;
        let expected = 'ok';
        if (significant && autoShutdown === 'never') expected = NEVER_MESSAGE;
        else if (significant && (restart ?? 'permanent') === 'permanent') {
          expected = `children[0].significant is true but children[0].restart is "permanent"${restart ? '' : ' (the default)'}: only a transient or temporary child can be significant`;
        }
        const label = `autoShutdown ${autoShutdown}, restart ${restart}, significant ${significant}`;
        assert.is(
          bad(() => validateChildSpecs([spec], 'children', autoShutdown)),
          expected,
          label,
        );
      }
    }
  }
  const normalized = validateChildSpecs([{ id: 'child', start, restart: 'transient', significant: true }], 'children', 'any_significant');
  assert.is(normalized[0]?.significant, true);
  assert.is(validateChildSpecs([{ id: 'child', start }])[0]?.significant, false, 'default false');
});

validation(
  'child_specs_map: auto_shutdown never refuses a significant child at start and in startChild (supervisor_SUITE)',
  async (context) => {
    const child1 = answering('child1', 'transient');
    const spec = { ...child1.spec, significant: true };
    const atStart = await rejection(() => startSupervisor(context.system, { ...OTP, autoShutdown: 'never', children: [spec] }));
    assert.is(atStart.code, 'ERR_INVALID_CHILD_SPEC');
    assert.is(atStart.message, NEVER_MESSAGE);
    const sup = await startKept(context, { ...OTP });
    const dynamic = await rejection(() => sup.startChild(spec));
    assert.is(dynamic.code, 'ERR_INVALID_CHILD_SPEC', 'the default is never (significant_upgrade_never_any)');
    assert.match(dynamic.message, /^supervisor "sup_test": child spec\.significant is true but the supervisor's autoShutdown is "never"/);
    assert.is(child1.starts, 0, 'nothing was started');
    assert.equal(rows(sup), []);
  },
);

validation('sup_flags: an unknown auto_shutdown is refused (supervisor_SUITE)', async (context) => {
  const error = await rejection(() => startSupervisor(context.system, { ...OTP, autoShutdown: 'sometimes' as AutoShutdown }));
  assert.is(error.code, 'ERR_INVALID_SUPERVISOR_OPTIONS');
  assert.is(error.message, 'supervisor "sup_test": autoShutdown must be "never", "any_significant" or "all_significant", got "sometimes"');
});

// ---

const auto = suite<KernelContext>('OTP: significant children and auto_shutdown', emptyContext());
auto.before.each(setUp);
auto.after.each(tearDown);

auto('nonsignificant_temporary (supervisor_SUITE)', async (context) => {
  for (const autoShutdown of MODES) {
    const sup = await startKept(context, { ...OTP, name: `sup_${autoShutdown}`, autoShutdown });
    for (const how of ['supervisor', 'kill', 'abnormal', 'normal'] as const) {
      await sup.startChild(child('child1', 'temporary', false));
      await terminate(sup, 'child1', how);
      await assertUp(sup, `${autoShutdown}: a temporary child that is not significant ended (${how})`);
      assert.equal(rows(sup), []);
    }
    assert.is((await sup.stop()).reason, 'shutdown');
  }
});

auto('nonsignificant_transient (supervisor_SUITE)', async (context) => {
  for (const autoShutdown of MODES) {
    const sup = await startKept(context, { ...OTP, name: `sup_${autoShutdown}`, maxRestarts: 5, autoShutdown });
    await sup.startChild(child('child1', 'transient', false));
    await terminate(sup, 'child1', 'supervisor');
    await assertUp(sup, `${autoShutdown}: terminateChild`);
    await sup.restartChild('child1');
    for (const how of ['kill', 'abnormal'] as const) {
      const back = nextSupervisorEvent(context.system, 'child_restarted', 'child1');
      await terminate(sup, 'child1', how);
      await back;
      await assertUp(sup, `${autoShutdown}: ${how}, restarted`);
    }
    await terminate(sup, 'child1', 'normal');
    await assertUp(sup, `${autoShutdown}: a clean exit`);
    assert.equal(rows(sup), ['child1:terminated']);
    assert.is((await sup.stop()).reason, 'shutdown');
  }
});

auto('significant_temporary (supervisor_SUITE)', async (context) => {
  // any_significant: terminateChild is not an exit the supervisor answers...
  const sup1 = await startThree(context, 'sup1', 'any_significant', 'temporary');
  await terminate(sup1, 'child1', 'supervisor');
  await assertUp(sup1, 'terminateChild of a significant child');
  assert.equal(rows(sup1), ['child2:running', 'child3:running']);
  // ...but a kill, a crash or a normal exit of a significant temporary child is.
  await sup1.startChild(child('child1', 'temporary', true));
  const left1 = [childRef(sup1, 'child2'), childRef(sup1, 'child3')];
  assert.is((await terminate(sup1, 'child1', 'kill')).reason, 'killed');
  await assertShutDown(sup1, left1);
  assert.equal(
    childrenOf(context.events, 'child_exited', 'sup1'),
    ['child1', 'child1', 'child3', 'child2'],
    'the others in reverse start order',
  );

  for (const how of ['abnormal', 'normal'] as const) {
    const sup = await startThree(context, `sup_${how}`, 'any_significant', 'temporary');
    const left = [childRef(sup, 'child2'), childRef(sup, 'child3')];
    await terminate(sup, 'child1', how);
    await assertShutDown(sup, left);
  }

  // all_significant: only the exit of the last significant child ends the supervisor.
  const sup4 = await startThree(context, 'sup4', 'all_significant', 'temporary');
  await terminate(sup4, 'child1', 'normal');
  await assertUp(sup4, 'child2, significant, still runs');
  assert.equal(rows(sup4), ['child2:running', 'child3:running']);
  const child3 = childRef(sup4, 'child3');
  await terminate(sup4, 'child2', 'normal');
  await assertShutDown(sup4, [child3]);
});

auto('significant_transient (supervisor_SUITE)', async (context) => {
  const sup1 = await startThree(context, 'sup1', 'any_significant', 'transient');
  await terminate(sup1, 'child1', 'supervisor');
  await assertUp(sup1, 'terminateChild of a significant child');
  await sup1.restartChild('child1');
  for (const how of ['kill', 'abnormal'] as const) {
    const back = nextSupervisorEvent(context.system, 'child_restarted', 'child1');
    await terminate(sup1, 'child1', how);
    await back;
    await assertUp(sup1, `a transient child that ended abnormally (${how}) is restarted, not significant for shutdown`);
  }
  assert.equal(rows(sup1), ['child1:running', 'child2:running', 'child3:running']);
  const left1 = [childRef(sup1, 'child2'), childRef(sup1, 'child3')];
  await terminate(sup1, 'child1', 'normal');
  await assertShutDown(sup1, left1);
  assert.is(sup1.restartBudget().restarts, 2);

  const sup2 = await startThree(context, 'sup2', 'all_significant', 'transient');
  await terminate(sup2, 'child1', 'normal');
  await assertUp(sup2, 'child2, significant, still runs');
  assert.equal(rows(sup2), ['child1:terminated', 'child2:running', 'child3:running']);
  const child3 = childRef(sup2, 'child3');
  await terminate(sup2, 'child2', 'normal');
  await assertShutDown(sup2, [child3]);
});

auto('significant_bystander (supervisor_SUITE)', async (context) => {
  for (const strategy of ['one_for_one', 'one_for_all', 'rest_for_one'] as Strategy[]) {
    for (const autoShutdown of ['any_significant', 'all_significant'] as const) {
      const name = `${strategy}_${autoShutdown}`;
      const sup = await startKept(context, { ...OTP, name, strategy, maxRestarts: 5, autoShutdown });
      await sup.startChild(child('child1', 'transient', true));
      await sup.startChild(child('child2', 'transient', false));
      await sup.startChild(child('child3', 'transient', true));
      const before = ['child1', 'child3'].map((id) => childRef(sup, id));
      const back = nextSupervisorEvent(context.system, 'child_restarted', 'child2');
      await terminate(sup, 'child2', 'kill');
      await back;
      await assertUp(sup, `${name}: significant children shut down by a group restart`);
      const kept = ['child1', 'child3'].map((id, index) => childRef(sup, id) === before[index]);
      const expected = { one_for_one: [true, true], one_for_all: [false, false], rest_for_one: [true, false] }[strategy];
      assert.equal(kept, expected, `${name}: which significant children the group restart took along`);
      assert.equal(rows(sup), ['child1:running', 'child2:running', 'child3:running']);
      assert.is((await sup.stop()).reason, 'shutdown');
    }
  }
});

auto('significant_escalation (supervisor_SUITE)', async (context) => {
  const childSup = (significant: boolean): ChildSpec =>
    supervisorSpec('sup1', { restart: 'transient', significant, autoShutdown: 'any_significant' });

  // A significant supervisor B under A: C's exit shuts B down, and B's exit shuts A down.
  const a1 = await startKept(context, { ...OTP, name: 'a1', autoShutdown: 'any_significant' });
  await a1.startChild(childSup(true));
  const b1 = nestedSupervisor(a1, 'sup1');
  await b1.startChild(child('child1', 'transient', true));
  const c1 = childRef(b1, 'child1');
  await terminate(b1, 'child1', 'normal');
  assert.is((await exitOf(c1)).reason, 'normal');
  assert.is((await exitOf(b1)).reason, 'shutdown');
  assert.is((await exitOf(a1)).reason, 'shutdown');

  // B not significant: B shuts down, A stays up and keeps B's spec (a transient clean exit).
  const a2 = await startKept(context, { ...OTP, name: 'a2', autoShutdown: 'any_significant' });
  await a2.startChild(childSup(false));
  const b2 = nestedSupervisor(a2, 'sup1');
  await b2.startChild(child('child1', 'transient', true));
  await terminate(b2, 'child1', 'normal');
  assert.is((await exitOf(b2)).reason, 'shutdown');
  await assertUp(a2, 'B is not significant');
  assert.equal(rows(a2), ['sup1:terminated']);
  assert.is((await a2.stop()).reason, 'shutdown');
});

auto(
  'all_significant: a significant child stopped by terminateChild or ignored is gone, one being restarted is not (supervisor.erl do_auto_shutdown)',
  async (context) => {
    const sup = await startKept(context, {
      ...OTP,
      maxRestarts: 5,
      autoShutdown: 'all_significant',
      backoff: { minMs: 100, maxMs: 100 },
    });
    const ignored = answering('ignored', 'transient', 'ignore');
    assert.is(await sup.startChild({ ...ignored.spec, significant: true }), undefined);
    await sup.startChild(child('stopped', 'transient', true));
    await sup.terminateChild('stopped');
    await sup.startChild(child('waiting', 'transient', true));
    await sup.startChild(child('last', 'transient', true));
    await sup.startChild(child('bystander', 'transient', false));
    const bystander = childRef(sup, 'bystander');

    await terminate(sup, 'waiting', 'abnormal');
    await assertUp(sup, 'a crash is restarted');
    assert.equal(rows(sup), ['ignored:terminated', 'stopped:terminated', 'waiting:restarting', 'last:running', 'bystander:running']);
    await terminate(sup, 'last', 'normal');
    await assertUp(sup, '"waiting" waits for its backoff delay: it still counts as running');

    const back = nextSupervisorEvent(context.system, 'child_restarted', 'waiting');
    context.clock.advance(100);
    await back;
    await terminate(sup, 'waiting', 'normal');
    await assertShutDown(sup, [bystander]);
  },
);

// ---

const reads = suite<KernelContext>('OTP: get_childspec, which_child, already_started', emptyContext());
reads.before.each(setUp);
reads.after.each(tearDown);

reads('sup_start_map: getChildSpec has every field, defaults filled in (supervisor_SUITE)', async (context) => {
  const start: ChildStart = async () => IGNORE;
  const sup = await startKept(context, {
    ...OTP,
    children: [
      { id: 'child1', start },
      { id: 'child2', start, shutdown: 'brutal_kill' },
      { id: 'child3', start, type: 'supervisor' },
    ],
  });
  const spec = (shutdown: number | string, type: string) => ({ id: '', start, restart: 'permanent', significant: false, shutdown, type });
  assert.equal(await sup.getChildSpec('child1'), { ...spec(5000, 'worker'), id: 'child1' });
  assert.equal(await sup.getChildSpec('child2'), { ...spec('brutal_kill', 'worker'), id: 'child2' });
  assert.equal(await sup.getChildSpec('child3'), { ...spec('infinity', 'supervisor'), id: 'child3' });
  const missing = await rejection(() => sup.getChildSpec('child4'));
  assert.is(missing.code, 'ERR_CHILD_NOT_FOUND');
  assert.is(missing.message, 'supervisor "sup_test" has no child "child4"');
  const copy = await sup.getChildSpec('child1');
  (copy as { shutdown: unknown }).shutdown = 1;
  assert.is((await sup.getChildSpec('child1')).shutdown, 5000, 'a copy: the supervisor keeps its own');
});

reads('which_children: whichChild gives the row of one child (supervisor_SUITE)', async (context) => {
  const sup = await startKept(context, { ...OTP });
  const notFound = async (id: string) => (await rejection(() => sup.whichChild(id))).code;
  assert.is(await notFound('childx'), 'ERR_CHILD_NOT_FOUND');
  const child1 = await sup.startChild(workerSpec('child1'));
  assert.equal(await sup.whichChild('child1'), {
    id: 'child1',
    ref: child1,
    status: 'running',
    type: 'worker',
    restart: 'permanent',
    restarts: 0,
  });
  const child2 = await sup.startChild(workerSpec('child2'));
  assert.is((await sup.whichChild('child2')).ref, child2);
  assert.equal(await sup.whichChild('child1'), sup.whichChildren()[0]);
  assert.is(await notFound('childx'), 'ERR_CHILD_NOT_FOUND');
  await sup.terminateChild('child1');
  assert.equal(await sup.whichChild('child1'), {
    id: 'child1',
    ref: undefined,
    status: 'terminated',
    type: 'worker',
    restart: 'permanent',
    restarts: 0,
  });
  assert.is((await sup.whichChild('child2')).ref, child2);
  await sup.deleteChild('child1');
  assert.is(await notFound('child1'), 'ERR_CHILD_NOT_FOUND');
  assert.is((await sup.whichChild('child2')).status, 'running');
});

reads('child_adm: already_started carries the running child, already_present nothing (supervisor_SUITE)', async (context) => {
  const spec = workerSpec('child1', { shutdown: 1000 });
  const sup = await startKept(context, { ...OTP, children: [spec] });
  const cpid = childRef(sup, 'child1');
  const started = await rejection(() => sup.startChild(spec));
  assert.ok(started instanceof DuplicateChildError);
  assert.is(started.code, 'ERR_DUPLICATE_CHILD_ID');
  assert.is(started.message, 'supervisor "sup_test": child "child1" is already started');
  assert.is((started as DuplicateChildError).ref, cpid, "OTP's {error, {already_started, CPid}}");
  assert.not.ok(Object.keys(started).includes('ref'), 'not enumerable: logging the error does not dump the actor');

  await sup.terminateChild('child1');
  const present = await rejection(() => sup.startChild(spec));
  assert.ok(present instanceof DuplicateChildError);
  assert.is(present.message, 'supervisor "sup_test": child "child1" is already present');
  assert.is((present as DuplicateChildError).ref, undefined);

  // dont_save_child_specs_for_temporary_children's `restarted`: after a restart, the new child.
  await sup.restartChild('child1');
  const back = nextSupervisorEvent(context.system, 'child_restarted', 'child1');
  await terminate(sup, 'child1', 'abnormal');
  await back;
  const again = await rejection(() => sup.startChild(spec));
  assert.is((again as DuplicateChildError).ref, childRef(sup, 'child1'));
  assert.ok(childRef(sup, 'child1').alive);
});

// ---

const named = suite<KernelContext>('OTP: a supervisor named through a registry', emptyContext());
named.before.each(setUp);
named.after.each(tearDown);

named('start_link with {via, Module, Name}: registered before the children start, gone at exit (supervisor.erl)', async (context) => {
  const names = new Registry({ keys: 'unique', name: 'names' });
  const seen: Array<[string, unknown]> = [];
  const spy: ChildSpec = {
    id: 'spy',
    start: async ({ system, supervisor }) => {
      seen.push([supervisor, names.whereis('app')]);
      return spawnActor(system, workerBehaviour('spy'), undefined);
    },
  };
  const sup = await startKept(context, { ...OTP, name: via(names, 'app'), children: [spy] });
  assert.is(sup.name, 'app', 'the display name is the key');
  assert.match(sup.id, /^app#/);
  assert.equal(seen, [['app', sup]], 'the name resolves to the supervisor while its first child starts');
  assert.is(names.whereis('app'), sup);
  assert.is((await sup.stop()).reason, 'shutdown');
  assert.is(names.whereis('app'), undefined, 'the entry goes with the supervisor');
});

named('start_link with a name taken: the registrar error, nothing started (supervisor.erl {already_started, Pid})', async (context) => {
  const names = new Registry({ keys: 'unique', name: 'names' });
  const first = await startKept(context, { ...OTP, name: via(names, 'app') });
  const second = answering('child1', 'permanent');
  const error = await rejection(() => startSupervisor(context.system, { ...OTP, name: via(names, 'app'), children: [second.spec] }));
  assert.is(error.code, 'ERR_ALREADY_REGISTERED');
  assert.ok(error instanceof AlreadyRegisteredError);
  assert.is((error as AlreadyRegisteredError).holder, first, "the holder, as OTP's {already_started, Pid}");
  assert.is(second.starts, 0, 'no child of the second supervisor started');
  assert.is(names.whereis('app'), first);
});

named(
  'simple_global_supervisor: a named nested supervisor killed and restarted is registered again (supervisor_SUITE)',
  async (context) => {
    const names = new Registry({ keys: 'unique', name: 'names' });
    const middle: ChildSpec = {
      id: 'middle',
      type: 'supervisor',
      start: ({ system }) =>
        startSupervisor(system, { name: via(names, 'sup2'), strategy: 'one_for_all', maxRestarts: 3, children: [workerSpec('child')] }),
    };
    const top = await startKept(context, { ...OTP, strategy: 'one_for_all', maxRestarts: 3, maxSeconds: 60, children: [middle] });
    const sup2 = names.whereis('sup2');
    assert.is(sup2, nestedSupervisor(top, 'middle'));
    const back = nextSupervisorEvent(context.system, 'child_restarted', 'middle');
    sup2?.kill();
    await back;
    const sup2Again = names.whereis('sup2');
    assert.ok(sup2Again?.alive);
    assert.is.not(sup2Again, sup2);
    assert.is(sup2Again, nestedSupervisor(top, 'middle'));
    await top.stop();
    assert.is(names.whereis('sup2'), undefined);
  },
);

// ---

const tree = suite<KernelContext>('tree() of nested supervisor-like children', emptyContext());
tree.before.each(setUp);
tree.after.each(tearDown);

/** A ref that is not a SupervisorRef but shows a subtree (as a dynamic supervisor's ref does). */
function withTree(ref: Ref, subtree: SupervisorTree): ActorRef<never> & { tree(): SupervisorTree } {
  const wrapped = {
    get id() {
      return ref.id;
    },
    get name() {
      return ref.name;
    },
    get alive() {
      return ref.alive;
    },
    cast: (message: never) => ref.cast(message),
    call: <R>(message: never, timeoutMs?: number) => ref.call<R>(message, timeoutMs),
    stop: (reason?: unknown) => ref.stop(reason),
    kill: (reason?: unknown) => ref.kill(reason),
    onExit: (listener: (signal: ExitSignal) => void) => ref.onExit((signal) => listener({ ...signal, actor: wrapped })),
    whenExited: () => ref.whenExited(),
    tree: () => subtree,
  };
  return wrapped;
}

tree('tree() shows the subtree of any child whose ref has a tree() method', async (context) => {
  const subtree: SupervisorTree = {
    name: 'pool',
    kind: 'dynamic',
    strategy: 'one_for_one',
    budget: { restarts: 0, maxRestarts: 3, maxSeconds: 5 },
    names: [],
    children: [],
  };
  const pool: ChildSpec = {
    id: 'pool',
    type: 'supervisor',
    start: async ({ system }) => withTree(await spawnActor(system, workerBehaviour('pool'), undefined, { name: 'pool' }), subtree),
  };
  const sup = await startKept(context, { ...OTP, children: [workerSpec('worker'), pool] });
  const [worker, shown] = sup.tree().children;
  assert.equal(shown?.tree, subtree);
  assert.is(shown?.actor, childRef(sup, 'pool').id);
  assert.not.ok(worker && 'tree' in worker, 'a plain worker has no subtree');
  assert.is((await sup.stop()).reason, 'shutdown');
});

ignore.run();
validation.run();
auto.run();
reads.run();
named.run();
tree.run();
