// Ports of OTP supervisor_SUITE: failed group restarts, hanging restart loops (OTP-9549), strategy groups, escalation
// exit reasons. A "controlled" child's every start waits for the test's answer (OTP's supervisor_3): no race is timed.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ActorRef } from '../../../src/actor/actor-ref.ts';
import { isCleanExit } from '../../../src/actor/behaviour.ts';
import { spawnActor } from '../../../src/actor/index.ts';
import { formatReason, hasCode } from '../../../src/errors.ts';
import { type ChildSpec, type SupervisorOptions, type SupervisorRef, supervisorSpec } from '../../../src/supervisor/index.ts';
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

/** One pending start: `ok` lets it go on, `refuse` makes it reject with `reason`. */
interface StartRequest {
  readonly id: string;
  ok(): void;
  refuse(reason: unknown): void;
}

/** OTP's supervisor_3: each start of a controlled child waits for the test's answer. */
class Starts {
  /** `start:<id>` per start call, `exit:<id>:<reason>` per exit of a started child. */
  readonly log: string[] = [];
  private readonly requests: StartRequest[] = [];
  private wake: (() => void) | undefined;

  spec(id: string, shutdown: ChildSpec['shutdown'] = 1000): ChildSpec {
    return {
      id,
      shutdown,
      start: async ({ system }) => {
        this.log.push(`start:${id}`);
        await new Promise<void>((resolve, reject) => {
          this.requests.push({ id, ok: resolve, refuse: reject });
          this.wake?.();
        });
        const ref = await spawnActor(system, workerBehaviour(id), undefined, { name: id });
        ref.onExit((signal) => this.log.push(`exit:${id}:${formatReason(signal.reason)}`));
        return ref;
      },
    };
  }

  /** The next start request, which must be `id`'s. */
  async next(id: string): Promise<StartRequest> {
    while (this.requests.length === 0) await bounded(new Promise<void>((resolve) => (this.wake = resolve)), `a start of "${id}"`);
    const request = this.requests.shift() as StartRequest;
    assert.is(request.id, id, `the next start is "${id}"'s, not "${request.id}"'s`);
    return request;
  }

  get waiting(): number {
    return this.requests.length;
  }
}

/** Starts a supervisor whose controlled children each get `ok`, in `order`. */
async function startAnswered(context: KernelContext, starts: Starts, options: SupervisorOptions, order: string[]): Promise<SupervisorRef> {
  const starting = later(startKept(context, options));
  for (const id of order) (await starts.next(id)).ok();
  return bounded(starting, `the start of "${options.name}"`);
}

/** Starts at once the first time; every later start (every restart) fails, as supervisor_1 [error]. */
function failsOnRestart(id: string): ChildSpec {
  let calls = 0;
  return workerSpec(id, { failStart: () => (calls++ === 0 ? undefined : new Error('function_clause')) });
}

/** `id:status` per child, in start order. */
const rows = (sup: SupervisorRef) => sup.whichChildren().map((child) => `${child.id}:${child.status}`);
const counts = (specs: number, active: number, supervisors: number, workers: number) => ({ specs, active, supervisors, workers });
const refsOf = <const T extends string[]>(sup: SupervisorRef, ids: T) => ids.map((id) => childRef(sup, id)) as { [K in keyof T]: Ref };
const OTP = { name: 'sup_test', maxSeconds: 3600 } as const;
/** One round trip through the supervisor's mailbox, bounded: it may be stuck in a start. */
const settle = (sup: SupervisorRef) => bounded(barrier(sup), `a round trip through "${sup.name}"`);

// ---

const failed = suite<KernelContext>('OTP: a failed group restart', emptyContext());
failed.before.each(setUp);
failed.after.each(tearDown);

/** Both children start, child1 crashes, child2 is shut down, child1 then child2 start (child2's start fails). */
const FIRST_ATTEMPT = 'start:child1 start:child2 exit:child1:died exit:child2:shutdown start:child1 start:child2';

failed('a failed one_for_all retry first stops what it restarted (OTP one_for_all_other_child_fails_restart)', async (context) => {
  const starts = new Starts();
  const children = [starts.spec('child1'), starts.spec('child2')];
  const sup = await startAnswered(context, starts, { ...OTP, strategy: 'one_for_all', maxRestarts: 3, children }, ['child1', 'child2']);
  crashChild(sup, 'child1', 'died');
  (await starts.next('child1')).ok();
  const child2 = await starts.next('child2');
  const c1b = childRef(sup, 'child1');
  assert.equal(rows(sup), ['child1:running', 'child2:terminated']);
  child2.refuse('normal');
  const retry = await starts.next('child1');
  assert.not.ok(c1b.alive, 'the child restarted by the failed attempt is shut down before the retry starts anything');
  assert.equal(rows(sup), ['child1:terminated', 'child2:restarting']);
  retry.ok();
  (await starts.next('child2')).ok();
  await settle(sup);
  assert.is(starts.log.join(' '), `${FIRST_ATTEMPT} exit:child1:shutdown start:child1 start:child2`);
  assert.equal(rows(sup), ['child1:running', 'child2:running']);
  assert.is(sup.restartBudget().restarts, 2, 'the crash and the retry each count');
});

failed('a failed rest_for_one restart retries from the failed child (OTP rest_for_one_other_child_fails_restart)', async (context) => {
  const starts = new Starts();
  const children = [starts.spec('child1'), starts.spec('child2')];
  const sup = await startAnswered(context, starts, { ...OTP, strategy: 'rest_for_one', maxRestarts: 3, children }, ['child1', 'child2']);
  crashChild(sup, 'child1', 'died');
  (await starts.next('child1')).ok();
  (await starts.next('child2')).refuse('normal');
  const c1b = childRef(sup, 'child1');
  const retry = await starts.next('child2');
  assert.equal(rows(sup), ['child1:running', 'child2:restarting']);
  retry.ok();
  await settle(sup);
  assert.is(starts.log.join(' '), `${FIRST_ATTEMPT} start:child2`, 'the retry starts child2 alone');
  assert.ok(c1b.alive, 'child1, restarted fine by the failed attempt, is left alone');
  assert.is(childRef(sup, 'child1'), c1b);
  assert.equal(rows(sup), ['child1:running', 'child2:running']);
  assert.is(sup.restartBudget().restarts, 2);
});

// ---

const hanging = suite<KernelContext>('OTP: a restart loop that never succeeds (OTP-9549)', emptyContext());
hanging.before.each(setUp);
hanging.after.each(tearDown);

/** Child `id` just crashed and its starts fail: refuses one attempt and returns the next, left hanging. */
async function loopOnce(starts: Starts, id: string): Promise<StartRequest> {
  (await starts.next(id)).refuse('error');
  return starts.next(id);
}

/** Calls startChild / restartChild / deleteChild while `attempt` hangs, refuses it: OTP's already_present and restarting. */
async function assertRestartingOutcomes(starts: Starts, sup: SupervisorRef, spec: ChildSpec, attempt: StartRequest): Promise<StartRequest> {
  const duplicate = later(rejection(() => sup.startChild(spec)));
  const restart = later(rejection(() => sup.restartChild(spec.id)));
  const remove = later(rejection(() => sup.deleteChild(spec.id)));
  attempt.refuse('error');
  const next = await starts.next(spec.id);
  assert.is((await duplicate).code, 'ERR_DUPLICATE_CHILD_ID');
  assert.is((await duplicate).message, `supervisor "sup_test": child "${spec.id}" is already present`);
  assert.is((await restart).code, 'ERR_CHILD_RESTARTING');
  assert.is((await remove).code, 'ERR_CHILD_RESTARTING');
  return next;
}

/** Crashes `id` into its loop, stops the supervisor during an attempt: it exits `shutdown`, starting nothing more. */
async function assertStopDuringLoop(starts: Starts, sup: SupervisorRef, id: string): Promise<void> {
  const child = childRef(sup, id);
  crashChild(sup, id, 'error');
  const attempt = await loopOnce(starts, id);
  const stopped = later(sup.stop());
  attempt.refuse('error');
  assert.is((await bounded(stopped, 'the stop of sup_test')).reason, 'shutdown');
  assert.is((await exitOf(child)).reason, 'error');
  assert.is(starts.waiting, 0, 'no start after the stop');
}

hanging('one_for_one: calls are answered during the loop and terminateChild ends it (OTP hanging_restart_loop)', async (context) => {
  const starts = new Starts();
  const sup = await startKept(context, { name: 'sup_test', maxRestarts: 8, maxSeconds: 10 });
  const child1 = starts.spec('child1', 'brutal_kill');
  const adding = later(sup.startChild(child1));
  (await starts.next('child1')).ok();
  const cpid1 = (await bounded(adding, 'startChild')) as Ref;
  crashChild(sup, 'child1', 'error');
  const attempt = await assertRestartingOutcomes(starts, sup, child1, await loopOnce(starts, 'child1'));
  assert.equal(rows(sup), ['child1:restarting']);
  assert.is(sup.whichChildren()[0]?.ref, undefined);
  assert.equal(sup.countChildren(), counts(1, 0, 0, 1), 'a restarting child is not active');

  const terminated = later(sup.terminateChild('child1'));
  attempt.refuse('error');
  await bounded(terminated, 'terminateChild');
  await settle(sup);
  assert.is(starts.waiting, 0, 'terminateChild cancelled the pending retry');
  assert.is((await exitOf(cpid1)).reason, 'error');
  assert.equal(rows(sup), ['child1:terminated']);

  const restarting = later(sup.restartChild('child1'));
  (await starts.next('child1')).ok();
  await bounded(restarting, 'restartChild');
  await assertStopDuringLoop(starts, sup, 'child1');
});

hanging('rest_for_one: later siblings stay terminated in the loop (OTP hanging_restart_loop_rest_for_one)', async (context) => {
  const starts = new Starts();
  const child2 = starts.spec('child2', 'brutal_kill');
  const children = [workerSpec('child1', { shutdown: 'brutal_kill' }), child2, workerSpec('child3', { shutdown: 'brutal_kill' })];
  const options = { name: 'sup_test', strategy: 'rest_for_one', maxRestarts: 8, maxSeconds: 10, children } as const;
  const sup = await startAnswered(context, starts, options, ['child2']);
  const [cpid1, cpid2, cpid3] = refsOf(sup, ['child1', 'child2', 'child3']);
  context.events.length = 0;
  crashChild(sup, 'child2', 'error');
  const attempt = await assertRestartingOutcomes(starts, sup, child2, await loopOnce(starts, 'child2'));
  assert.is((await exitOf(cpid3)).reason, 'killed');
  assert.equal(rows(sup), ['child1:running', 'child2:restarting', 'child3:terminated'], 'child3 waits as terminated, not restarting');
  assert.ok(sup.whichChildren().every((child, index) => child.ref === [cpid1, undefined, undefined][index]));
  assert.equal(sup.countChildren(), counts(3, 1, 0, 3));

  const terminated = later(sup.terminateChild('child2'));
  attempt.refuse('error');
  await bounded(terminated, 'terminateChild');
  await settle(sup);
  assert.is((await exitOf(cpid2)).reason, 'error');
  assert.equal(rows(sup), ['child1:running', 'child2:terminated', 'child3:terminated'], 'ending the loop does not start child3');
  assert.is(starts.waiting, 0);

  const restarting = later(sup.restartChild('child2'));
  (await starts.next('child2')).ok();
  await bounded(restarting, 'restartChild');
  await settle(sup);
  assert.equal(rows(sup), ['child1:running', 'child2:running', 'child3:terminated'], 'restartChild starts only child2');
  assert.is(childRef(sup, 'child1'), cpid1);
  assert.not.ok([...childrenOf(context.events, 'child_started'), ...childrenOf(context.events, 'child_restarted')].includes('child3'));
  crashChild(sup, 'child2', 'died');
  (await starts.next('child2')).ok();
  await settle(sup);
  assert.equal(rows(sup), ['child1:running', 'child2:running', 'child3:terminated'], 'nor does a later restart of child2');
  await assertStopDuringLoop(starts, sup, 'child2');
  assert.not.ok(cpid1.alive);
});

// ---

const groups = suite<KernelContext>('OTP: strategy groups', emptyContext());
groups.before.each(setUp);
groups.after.each(tearDown);

/** Crashes child `crashed` and waits until the supervisor has restarted child `last`. */
async function crashAndAwait(context: KernelContext, sup: SupervisorRef, crashed: string, last: string): Promise<void> {
  const restarted = nextSupervisorEvent(context.system, 'child_restarted', last);
  crashChild(sup, crashed);
  await restarted;
}

/** Right after the last crash: the supervisor exits with ERR_RESTART_INTENSITY and takes every child down. */
async function assertGaveUp(sup: SupervisorRef, restarts: number, max: number, child: string, last: string): Promise<void> {
  const refs = sup.whichChildren().map((row) => row.ref);
  const signal = await exitOf(sup);
  assert.ok(hasCode(signal.reason, 'ERR_RESTART_INTENSITY'), `exit reason ${formatReason(signal.reason)}`);
  const message = `supervisor "sup_test" gave up: ${restarts} restarts within 3600 s exceed maxRestarts ${max}; last exit: child "${child}": ${last}`;
  assert.is((signal.reason as Error).message, message);
  assert.ok(refs.length > 0 && refs.every((ref) => !ref?.alive), 'every child is down');
}

groups('one_for_one restarts only the crashed child; a third restart ends the supervisor (OTP one_for_one)', async (context) => {
  const sup = await startKept(context, { ...OTP, maxRestarts: 2, children: [workerSpec('child1'), workerSpec('child2')] });
  const cpid2 = childRef(sup, 'child2');
  await crashAndAwaitRestart(context, sup, 'child1');
  assert.is(childRef(sup, 'child2'), cpid2);
  assert.equal(sup.countChildren(), counts(2, 2, 0, 2));
  await crashAndAwaitRestart(context, sup, 'child2');
  crashChild(sup, 'child2');
  await assertGaveUp(sup, 3, 2, 'child2', 'child2 crashed');
});

groups('one_for_all stops the sibling and restarts both; the third restart ends the supervisor (OTP one_for_all)', async (context) => {
  const children = [workerSpec('child1'), workerSpec('child2')];
  const sup = await startKept(context, { ...OTP, strategy: 'one_for_all', maxRestarts: 2, children });
  const [cpid1, cpid2] = refsOf(sup, ['child1', 'child2']);
  await crashAndAwait(context, sup, 'child1', 'child2');
  assert.is((await exitOf(cpid2)).reason, 'shutdown');
  const refs = sup.whichChildren().map((child) => child.ref);
  assert.ok(!refs.includes(cpid1) && !refs.includes(cpid2), 'both children have new refs');
  assert.equal(sup.countChildren(), counts(2, 2, 0, 2));
  await crashAndAwait(context, sup, 'child2', 'child2');
  crashChild(sup, 'child2');
  await assertGaveUp(sup, 3, 2, 'child2', 'child2 crashed');
});

groups('rest_for_one restarts the crashed child and later ones; a third restart ends it (OTP rest_for_one)', async (context) => {
  const children = [workerSpec('child1'), workerSpec('child2'), workerSpec('child3')];
  const sup = await startKept(context, { ...OTP, strategy: 'rest_for_one', maxRestarts: 2, children });
  const [cpid1, cpid2, cpid3] = refsOf(sup, ['child1', 'child2', 'child3']);
  await crashAndAwait(context, sup, 'child2', 'child3');
  assert.is((await exitOf(cpid3)).reason, 'shutdown');
  assert.is(childRef(sup, 'child1'), cpid1);
  assert.ok(childRef(sup, 'child2') !== cpid2 && childRef(sup, 'child3') !== cpid3);
  assert.equal(sup.countChildren(), counts(3, 3, 0, 3));
  const newCpid2 = childRef(sup, 'child2');
  await crashAndAwaitRestart(context, sup, 'child3');
  assert.is(childRef(sup, 'child2'), newCpid2, 'the last child restarts alone');
  crashChild(sup, 'child2');
  await assertGaveUp(sup, 3, 2, 'child2', 'child2 crashed');
});

for (const [strategy, failing, child1Restarts, what] of [
  ['one_for_one', 'child1', 0, 'every failed restart attempt counts'],
  ['one_for_all', 'child2', 4, 'each retry restarts the whole group'],
  ['rest_for_one', 'child2', 1, 'retries leave the earlier child alone'],
] as const) {
  groups(`${strategy}: ${what} until the supervisor gives up (OTP ${strategy}_escalation)`, async (context) => {
    const children = ['child1', 'child2'].map((id) => (id === failing ? failsOnRestart(id) : workerSpec(id)));
    const sup = await startKept(context, { ...OTP, strategy, maxRestarts: 4, children });
    const cpid2 = childRef(sup, 'child2');
    crashChild(sup, 'child1');
    await assertGaveUp(sup, 5, 4, failing, 'restart failed');
    assert.is(context.events.filter((event) => event.reason === 'restart failed: function_clause').length, 4);
    assert.is(childrenOf(context.events, 'child_restarted').filter((id) => id === 'child1').length, child1Restarts);
    assert.is((await exitOf(cpid2)).reason, 'shutdown');
  });
}

// ---

const escalation = suite<KernelContext>('OTP: escalation exit reasons', emptyContext());
escalation.before.each(setUp);
escalation.after.each(tearDown);

for (const [mode, slot, restarted] of [
  ['error', 'transient', true],
  ['shutdown', 'transient', false],
  ['shutdown', 'permanent', true],
] as const) {
  const outcome = restarted ? 'restarts it' : 'does not restart it';
  escalation(`with escalation '${mode}', a ${slot} parent slot ${outcome} once it gives up (OTP tree)`, async (context) => {
    const inner = supervisorSpec('inner', { escalation: mode, restart: slot, maxRestarts: 0, children: [workerSpec('w')] });
    const root = await startKept(context, { name: 'root', children: [inner] });
    const sub = nestedSupervisor(root, 'inner');
    const back = restarted ? later(nextSupervisorEvent(context.system, 'child_restarted', 'inner')) : undefined;
    crashChild(sub, 'w');
    const { reason } = await exitOf(sub);
    assert.is(isCleanExit(reason), mode === 'shutdown', `exit reason ${formatReason(reason)}`);
    if (mode === 'shutdown') assert.equal(Object.keys(reason as object), ['shutdown'], 'the reason is { shutdown: error }');
    const error = mode === 'error' ? reason : (reason as { shutdown?: unknown }).shutdown;
    assert.ok(hasCode(error, 'ERR_RESTART_INTENSITY'));
    const message = 'supervisor "inner" gave up: 1 restarts within 5 s exceed maxRestarts 0; last exit: child "w": w crashed';
    assert.is((error as Error).message, message);
    await back;
    await settle(root);
    assert.ok(root.alive);
    assert.equal(rows(root), [restarted ? 'inner:running' : 'inner:terminated']);
    assert.is(root.restartBudget().restarts, restarted ? 1 : 0);
  });
}

failed.run();
hanging.run();
groups.run();
escalation.run();
