// Ports of OTP supervisor_SUITE: restart types, temporary_bystander, count_children, child_adm, tree, multiple_restarts,
// sup_start_error_return, a supervisor killed while it awaits a start. Races run on gates and the ManualClock, not real time.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ActorRef } from '../../../src/actor/actor-ref.ts';
import { spawnActor } from '../../../src/actor/index.ts';
import { formatReason, hasCode } from '../../../src/errors.ts';
import type { ChildSpec, RestartType, StartContext, SupervisorOptions } from '../../../src/supervisor/index.ts';
import { createSupervisor, type SupervisorRef, startSupervisor, supervisorSpec } from '../../../src/supervisor/supervisor-ref.ts';
import {
  barrier,
  bounded,
  childRef,
  childrenOf,
  crashAndAwaitRestart,
  crashChild,
  emptyContext,
  exitOf,
  type KernelContext,
  later,
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

/** A start held at a gate the test opens: `reached()` once the start waits, `spawned()` once it has its ref. */
class Gate {
  open: () => void = () => undefined;
  readonly opened = new Promise<void>((resolve) => (this.open = resolve));
  arrive: () => void = () => undefined;
  private readonly arrived = new Promise<void>((resolve) => (this.arrive = resolve));
  got: (ref: Ref) => void = () => undefined;
  private readonly ref = new Promise<Ref>((resolve) => (this.got = resolve));
  reached = () => bounded(this.arrived, 'the gated start');
  spawned = () => bounded(this.ref, 'the gated child');
}

/** Child `id`, counting its starts; `arm()` holds its next start at a gate. */
function gated(id: string) {
  const armed: Gate[] = [];
  const start = async ({ system }: StartContext) => {
    control.starts += 1;
    const gate = armed.shift();
    gate?.arrive();
    await gate?.opened;
    const ref = await spawnActor(system, workerBehaviour(id), undefined, { name: id });
    gate?.got(ref);
    return ref;
  };
  const control = { starts: 0, spec: { id, start } as ChildSpec, arm: () => armed[armed.push(new Gate()) - 1] as Gate };
  return control;
}

const rows = (sup: SupervisorRef) => sup.whichChildren().map((child) => `${child.id}:${child.status}`);
const counts = (specs: number, active: number, supervisors: number, workers: number) => ({ specs, active, supervisors, workers });
const OTP = { name: 'sup_test', maxRestarts: 2, maxSeconds: 3600 } as const;
const settle = (sup: SupervisorRef) => bounded(barrier(sup), `a round trip through "${sup.name}"`);

// ---

const types = suite<KernelContext>('OTP: restart types', emptyContext());
types.before.each(setUp);
types.after.each(tearDown);

const ENDINGS: ReadonlyArray<readonly [string, string, unknown, (ref: Ref) => void]> = [
  ['normal', 'normal', 'normal', (ref) => ref.cast({ type: 'exit', reason: 'normal' })],
  ['shutdown', 'shutdown', 'shutdown', (ref) => void ref.stop('shutdown')],
  ['{ shutdown: some_info }', 'shutdown', { shutdown: 'some_info' }, (ref) => void ref.stop({ shutdown: 'some_info' })],
  ['abnormally', 'abnormal', 'died', (ref) => ref.cast({ type: 'crash', reason: 'died' })],
];

for (const restart of ['permanent', 'transient', 'temporary'] as const satisfies readonly RestartType[]) {
  for (const [how, otp, reason, end] of ENDINGS) {
    const restarted = restart === 'permanent' || (restart === 'transient' && otp === 'abnormal');
    const outcome = restarted ? 'is restarted' : restart === 'temporary' ? 'is removed' : 'keeps its spec, terminated';
    types(`a ${restart} child that exits ${how} ${outcome} (OTP ${restart}_${otp})`, async (context) => {
      const spec = workerSpec('child1', { restart });
      const sup = await startKept(context, { ...OTP, children: [spec] });
      const cpid = childRef(sup, 'child1');
      const exited = nextSupervisorEvent(context.system, 'child_exited', 'child1');
      end(cpid);
      await exited;
      await settle(sup);
      assert.equal((await exitOf(cpid)).reason, reason);
      assert.is(sup.restartBudget().restarts, restarted ? 1 : 0, 'only a restart counts');
      if (restarted) {
        assert.equal(rows(sup), ['child1:running']);
        assert.is.not(childRef(sup, 'child1'), cpid);
        assert.equal(sup.countChildren(), counts(1, 1, 0, 1));
      } else if (restart === 'temporary') {
        assert.equal(rows(sup), []);
        assert.equal(sup.countChildren(), counts(0, 0, 0, 0));
        await sup.startChild(spec); // the spec is gone, so the same spec can be started again
        assert.equal(rows(sup), ['child1:running']);
      } else {
        assert.equal(rows(sup), ['child1:terminated']);
        assert.equal(sup.countChildren(), counts(1, 0, 0, 1));
        assert.ok((await sup.restartChild('child1'))?.alive);
        assert.equal(rows(sup), ['child1:running']);
      }
    });
  }
}

for (const strategy of ['one_for_all', 'rest_for_one'] as const) {
  for (const groupRestart of ['running', 'all'] as const) {
    types(
      `${strategy}, groupRestart '${groupRestart}': a temporary sibling in the restart is removed (OTP temporary_bystander)`,
      async (context) => {
        const children = [workerSpec('child1', { shutdown: 100 }), workerSpec('child2', { restart: 'temporary' })];
        const sup = await startKept(context, { name: strategy, strategy, groupRestart, maxRestarts: 2, maxSeconds: 300, children });
        const child2 = childRef(sup, 'child2');
        const back = nextSupervisorEvent(context.system, 'child_restarted', 'child1');
        childRef(sup, 'child1').cast({ type: 'exit', reason: 'normal' });
        await back;
        context.clock.advance(350);
        await settle(sup);
        assert.ok(sup.alive);
        assert.is((await exitOf(child2)).reason, 'shutdown');
        assert.equal(rows(sup), ['child1:running']);
        assert.not.ok(childrenOf(context.events, 'child_restarted').includes('child2'));
      },
    );
  }
}

// ---

const admin = suite<KernelContext>('OTP: count_children and child_adm', emptyContext());
admin.before.each(setUp);
admin.after.each(tearDown);

admin('countChildren counts every spec and type, but only running children as active (OTP count_children)', async (context) => {
  const r = gated('r');
  const children = [
    ...[workerSpec('a'), supervisorSpec('inner', { children: [workerSpec('w')] }), workerSpec('t', { restart: 'transient' })],
    ...[r.spec, workerSpec('tmp', { restart: 'temporary' })],
  ];
  const sup = await startKept(context, { ...OTP, children });
  assert.equal(sup.countChildren(), counts(5, 5, 1, 4));
  for (const id of ['t', 'tmp']) {
    const exited = nextSupervisorEvent(context.system, 'child_exited', id);
    childRef(sup, id).cast({ type: 'exit', reason: 'normal' });
    await exited;
  }
  await settle(sup);
  assert.equal(sup.countChildren(), counts(4, 3, 1, 3), 'a transient that exited stays a spec; a temporary goes');
  const gate = r.arm();
  crashChild(sup, 'r');
  await gate.reached();
  assert.equal(rows(sup), ['a:running', 'inner:running', 't:terminated', 'r:restarting']);
  assert.equal(sup.countChildren(), counts(4, 2, 1, 3), 'a restarting child is not active');
  gate.open();
  await gate.spawned();
  await settle(sup);
  assert.equal(sup.countChildren(), counts(4, 3, 1, 3));
  await sup.terminateChild('inner');
  assert.equal(sup.countChildren(), counts(4, 2, 1, 3));
});

admin('the API answers not found, running, already started or present; terminate is idempotent (OTP child_adm)', async (context) => {
  const child1 = workerSpec('child1');
  const sup = await startKept(context, { ...OTP, children: [child1] });
  const cpid = childRef(sup, 'child1');
  assert.equal(sup.countChildren(), counts(1, 1, 0, 1));
  const code = async (call: () => Promise<unknown>) => (await rejection(call)).code;
  assert.is((await rejection(() => sup.startChild(child1))).message, 'supervisor "sup_test": child "child1" is already started');
  assert.is(await code(() => sup.terminateChild('hej')), 'ERR_CHILD_NOT_FOUND');

  await sup.terminateChild('child1');
  assert.is((await exitOf(cpid)).reason, 'shutdown');
  assert.equal(rows(sup), ['child1:terminated']);
  assert.equal(sup.countChildren(), counts(1, 0, 0, 1));
  await sup.terminateChild('child1'); // a stopped child: ok again
  assert.is((await rejection(() => sup.startChild(child1))).message, 'supervisor "sup_test": child "child1" is already present');

  const cpid2 = await sup.restartChild('child1');
  assert.is(childRef(sup, 'child1'), cpid2);
  assert.equal(sup.countChildren(), counts(1, 1, 0, 1));
  assert.is(await code(() => sup.restartChild('child1')), 'ERR_CHILD_RUNNING');
  assert.is(await code(() => sup.restartChild('child2')), 'ERR_CHILD_NOT_FOUND');
  assert.is(await code(() => sup.deleteChild('child1')), 'ERR_CHILD_RUNNING');
  assert.is(await code(() => sup.deleteChild('hej')), 'ERR_CHILD_NOT_FOUND');
  await sup.terminateChild('child1');
  await sup.deleteChild('child1');
  assert.is(await code(() => sup.restartChild('child1')), 'ERR_CHILD_NOT_FOUND');
  assert.equal(rows(sup), []);
  assert.equal(sup.countChildren(), counts(0, 0, 0, 0));
  assert.ok((await sup.startChild(child1))?.alive);
  await sup.stop();
  assert.is(await code(() => sup.terminateChild('child1')), 'ERR_ACTOR_STOPPED', "a stopped supervisor answers like OTP's noproc");
});

// ---

const tree = suite<KernelContext>('OTP: tree', emptyContext());
tree.before.each(setUp);
tree.after.each(tearDown);

for (const groupRestart of ['all', 'running'] as const) {
  const outcome = groupRestart === 'all' ? 'revives' : 'does not revive';
  tree(`groupRestart '${groupRestart}': a one_for_all restart ${outcome} a child stopped by terminateChild (OTP tree)`, async (context) => {
    const budget = { maxRestarts: 4, maxSeconds: 3600 };
    const top = await startKept(context, {
      ...{ name: 'top', strategy: 'one_for_all', groupRestart, ...budget },
      children: [
        supervisorSpec('supchild1', { ...budget, children: [workerSpec('child1'), workerSpec('child2')] }),
        supervisorSpec('supchild2', budget),
        supervisorSpec('supchild3', { restart: 'transient' }),
      ],
    });
    await top.terminateChild('supchild3');
    assert.equal(top.countChildren(), counts(3, 2, 3, 0));
    const [sup1, sup2] = [nestedSupervisor(top, 'supchild1'), nestedSupervisor(top, 'supchild2')];
    assert.equal([sup1.countChildren(), sup2.countChildren()], [counts(2, 2, 0, 2), counts(0, 0, 0, 0)]);
    let child3Starts = 0;
    await sup2.startChild(workerSpec('child3', { failStart: () => (child3Starts++ > 0 ? new Error('function_clause') : undefined) }));
    await sup2.startChild(workerSpec('child4'));
    assert.equal(sup2.countChildren(), counts(2, 2, 0, 2));
    const sup1Refs = sup1.whichChildren().map((child) => child.ref);
    const [cpid3, cpid4] = [childRef(sup2, 'child3'), childRef(sup2, 'child4')];

    await crashAndAwaitRestart(context, sup2, 'child4');
    assert.is.not(childRef(sup2, 'child4'), cpid4);
    assert.is(childRef(sup2, 'child3'), cpid3);
    assert.ok(
      sup1.whichChildren().every((child, index) => child.ref === sup1Refs[index]),
      'supchild1 is untouched',
    );

    const last = nextSupervisorEvent(context.system, 'child_restarted', groupRestart === 'all' ? 'supchild3' : 'supchild2');
    crashChild(sup2, 'child3');
    assert.ok(hasCode((await exitOf(sup2)).reason, 'ERR_RESTART_INTENSITY'));
    await last;
    await settle(top);
    if (groupRestart === 'all') {
      assert.equal(rows(top), ['supchild1:running', 'supchild2:running', 'supchild3:running']);
      assert.equal(top.countChildren(), counts(3, 3, 3, 0));
      assert.equal(nestedSupervisor(top, 'supchild3').countChildren(), counts(0, 0, 0, 0));
    } else {
      assert.equal(rows(top), ['supchild1:running', 'supchild2:running', 'supchild3:terminated']);
      assert.equal(top.countChildren(), counts(3, 2, 3, 0));
    }
    const [newSup1, newSup2] = [nestedSupervisor(top, 'supchild1'), nestedSupervisor(top, 'supchild2')];
    assert.ok(newSup1 !== sup1 && newSup2 !== sup2 && !sup1.alive);
    assert.equal(rows(newSup1), ['child1:running', 'child2:running']);
    assert.equal(newSup2.countChildren(), counts(0, 0, 0, 0), 'dynamically added children are lost with their supervisor');
  });
}

// ---

const intensity = suite<KernelContext>('OTP: multiple_restarts and start errors', emptyContext());
intensity.before.each(setUp);
intensity.after.each(tearDown);

for (const gapMs of [2100, 1000, 999]) {
  const survives = gapMs >= 1000; // the window is exactly maxSeconds * 1000 ms of clock time
  const outcome = survives ? 'do not accumulate' : 'accumulate and end the supervisor';
  intensity(`with intensity 1 per 1 s, restarts ${gapMs} ms apart ${outcome} (OTP multiple_restarts)`, async (context) => {
    const children = [workerSpec('child1', { shutdown: 'brutal_kill' })];
    const sup = await startKept(context, { name: 'sup_test', maxRestarts: 1, maxSeconds: 1, children });
    await crashAndAwaitRestart(context, sup, 'child1');
    if (!survives) {
      context.clock.advance(gapMs);
      crashChild(sup, 'child1');
      const reason = formatReason((await exitOf(sup)).reason);
      assert.is(
        reason,
        `ERR_RESTART_INTENSITY: ${'supervisor "sup_test" gave up: 2 restarts within 1 s exceed maxRestarts 1'}; last exit: child "child1": child1 crashed`,
      );
      return;
    }
    for (let round = 0; round < 3; round += 1) {
      context.clock.advance(gapMs);
      assert.is(sup.restartBudget().restarts, 0);
      await crashAndAwaitRestart(context, sup, 'child1');
      assert.is(sup.restartBudget().restarts, 1);
    }
    await sup.terminateChild('child1');
    await sup.deleteChild('child1');
    assert.ok(sup.alive);
    assert.equal(rows(sup), []);
  });
}

for (const [what, options] of [
  ['an unknown strategy', { strategy: 'one_for_some' }],
  ['a negative maxRestarts', { maxRestarts: -1 }],
  ['a zero maxSeconds', { maxSeconds: 0 }],
  ['an empty name', { name: '' }],
  ['an unknown groupRestart', { groupRestart: 'some' }],
  ['an unknown escalation', { escalation: 'loud' }],
  ['no options object', null],
] as const) {
  intensity(`startSupervisor with ${what} returns a rejected promise and never throws (OTP sup_start_error_return)`, async (context) => {
    let started: Promise<SupervisorRef> | undefined;
    try {
      started = startSupervisor(context.system, options as unknown as SupervisorOptions);
    } catch (error) {
      assert.unreachable(`startSupervisor threw synchronously: ${formatReason(error)}`);
    }
    assert.instance(started, Promise);
    assert.is((await rejection(() => started as Promise<SupervisorRef>)).code, 'ERR_INVALID_SUPERVISOR_OPTIONS');
    assert.equal(context.events, [], 'nothing was started');
  });
}

// ---

const killed = suite<KernelContext>('OTP: a supervisor killed while it awaits a start', emptyContext());
killed.before.each(setUp);
killed.after.each(tearDown);

killed('killed in its own start: the awaited child is killed once started, no later one starts (OTP start_link links)', async (context) => {
  const [child2, child3] = [gated('child2'), gated('child3')];
  const gate = child2.arm();
  const children = [workerSpec('child1'), child2.spec, child3.spec];
  const { ref: sup, started } = createSupervisor(context.system, { name: 'sup_test', children });
  context.supervisors.push(sup);
  const failedStart = later(rejection(() => started));
  await gate.reached();
  const child1 = childRef(sup, 'child1');
  sup.kill();
  assert.is((await exitOf(child1)).reason, 'killed');
  gate.open();
  assert.is((await exitOf(await gate.spawned())).reason, 'killed', 'child2 is killed as soon as its start resolves');
  assert.ok(await failedStart, 'startSupervisor rejects');
  assert.is(child3.starts, 0, 'child3 was never started');
});

killed('killed in a rest_for_one restart: the restarted child is killed once started, the next stays down (OTP links)', async (context) => {
  const [child2, child3] = [gated('child2'), gated('child3')];
  const children = [workerSpec('child1'), child2.spec, child3.spec];
  const sup = await startKept(context, { name: 'sup_test', strategy: 'rest_for_one', children });
  const [cpid1, cpid3] = [childRef(sup, 'child1'), childRef(sup, 'child3')];
  const gate = child2.arm();
  crashChild(sup, 'child2');
  await gate.reached();
  assert.is((await exitOf(cpid3)).reason, 'shutdown');
  sup.kill();
  assert.is((await exitOf(cpid1)).reason, 'killed');
  gate.open();
  assert.is((await exitOf(await gate.spawned())).reason, 'killed', 'child2 is killed as soon as its restart resolves');
  assert.is(child3.starts, 1, 'child3 was not started again');
  assert.equal(childrenOf(context.events, 'child_restarted'), []);
});

types.run();
admin.run();
tree.run();
intensity.run();
killed.run();
