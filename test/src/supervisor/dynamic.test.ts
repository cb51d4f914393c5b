import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { supervisorSpec } from '../../../src/supervisor/index.ts';
import {
  barrier,
  childRef,
  childrenOf,
  crashAndAwaitRestart,
  crashChild,
  emptyContext,
  exitOf,
  type KernelContext,
  nextSupervisorEvent,
  rejection,
  setUp,
  startKept,
  tearDown,
  workerSpec,
} from './helpers.ts';

const startChild = suite<KernelContext>('startChild', emptyContext());
startChild.before.each(setUp);
startChild.after.each(tearDown);

startChild('adds a child after the others and resolves with its running ref', async (context) => {
  const sup = await startKept(context, { name: 'app', children: [workerSpec('a')] });
  const ref = await sup.startChild(workerSpec('b'));
  assert.ok(ref?.alive);
  assert.is(ref, sup.whichChildren()[1]?.ref);
  assert.equal(childrenOf(context.events, 'child_started'), ['a', 'b']);
  await crashAndAwaitRestart(context, sup, 'b');
  assert.is(sup.whichChildren()[1]?.restarts, 1, 'a dynamic child is supervised like the others');
});

startChild('refuses an id that is already started', async (context) => {
  const sup = await startKept(context, { name: 'app', children: [workerSpec('a')] });
  const error = await rejection(() => sup.startChild(workerSpec('a')));
  assert.is(error.code, 'ERR_DUPLICATE_CHILD_ID');
  assert.is(error.message, 'supervisor "app": child "a" is already started');
});

startChild('refuses an id that is already present but terminated', async (context) => {
  const sup = await startKept(context, { name: 'app', children: [workerSpec('a')] });
  await sup.terminateChild('a');
  const error = await rejection(() => sup.startChild(workerSpec('a')));
  assert.is(error.code, 'ERR_DUPLICATE_CHILD_ID');
  assert.is(error.message, 'supervisor "app": child "a" is already present');
});

startChild('refuses an invalid spec with the field path', async (context) => {
  const sup = await startKept(context, { name: 'app' });
  const error = await rejection(() => sup.startChild({ ...workerSpec('x'), restart: 'always' as 'permanent' }));
  assert.is(error.code, 'ERR_INVALID_CHILD_SPEC');
  assert.is(error.message, 'supervisor "app": child spec.restart must be "permanent", "transient" or "temporary", got "always"');
});

startChild('a start that fails rejects ERR_CHILD_START_FAILED and keeps no spec', async (context) => {
  const sup = await startKept(context, { name: 'app' });
  const cause = new Error('no');
  const error = await rejection(() => sup.startChild(workerSpec('x', { failStart: () => cause })));
  assert.is(error.code, 'ERR_CHILD_START_FAILED');
  assert.is(error.message, 'supervisor "app": child "x" failed to start: no');
  assert.is(error.cause, cause);
  assert.equal(sup.whichChildren(), []);
});

// ---

const terminateChild = suite<KernelContext>('terminateChild', emptyContext());
terminateChild.before.each(setUp);
terminateChild.after.each(tearDown);

terminateChild('stops the child, keeps its spec and does not restart it or count a restart', async (context) => {
  const sup = await startKept(context, { name: 'app', children: [workerSpec('a'), workerSpec('b')] });
  const a = childRef(sup, 'a');
  await sup.terminateChild('a');
  await barrier(sup);
  assert.is((await exitOf(a)).reason, 'shutdown');
  assert.equal(
    sup.whichChildren().map((child) => [child.id, child.status, child.ref]),
    [
      ['a', 'terminated', undefined],
      ['b', 'running', childRef(sup, 'b')],
    ],
  );
  assert.equal(childrenOf(context.events, 'child_restarted'), []);
  assert.equal(sup.restartBudget().restarts, 0);
  assert.equal(sup.countChildren(), { specs: 2, active: 1, supervisors: 0, workers: 2 });
});

terminateChild('removes a temporary child spec', async (context) => {
  const sup = await startKept(context, { name: 'app', children: [workerSpec('tmp', { restart: 'temporary' })] });
  await sup.terminateChild('tmp');
  assert.equal(sup.whichChildren(), []);
});

terminateChild('is idempotent on a terminated child', async (context) => {
  const sup = await startKept(context, { name: 'app', children: [workerSpec('a')] });
  await sup.terminateChild('a');
  await sup.terminateChild('a');
  assert.equal(childrenOf(context.events, 'child_exited'), ['a']);
});

terminateChild('rejects ERR_CHILD_NOT_FOUND for an unknown id', async (context) => {
  const sup = await startKept(context, { name: 'app' });
  const error = await rejection(() => sup.terminateChild('ghost'));
  assert.is(error.code, 'ERR_CHILD_NOT_FOUND');
  assert.is(error.message, 'supervisor "app" has no child "ghost"');
});

// ---

const restartChild = suite<KernelContext>('restartChild', emptyContext());
restartChild.before.each(setUp);
restartChild.after.each(tearDown);

restartChild('starts a terminated child again', async (context) => {
  const sup = await startKept(context, { name: 'app', children: [workerSpec('a')] });
  const old = childRef(sup, 'a');
  await sup.terminateChild('a');
  const fresh = await sup.restartChild('a');
  assert.ok(fresh?.alive);
  assert.is.not(fresh, old);
  assert.is(sup.whichChildren()[0]?.status, 'running');
  assert.equal(sup.restartBudget().restarts, 0, 'a manual restart is not counted');
});

restartChild('rejects ERR_CHILD_RUNNING for a running child', async (context) => {
  const sup = await startKept(context, { name: 'app', children: [workerSpec('a')] });
  const error = await rejection(() => sup.restartChild('a'));
  assert.is(error.code, 'ERR_CHILD_RUNNING');
  assert.is(error.message, 'supervisor "app": child "a" is running; terminate it first');
});

restartChild('rejects ERR_CHILD_NOT_FOUND for an unknown id', async (context) => {
  const sup = await startKept(context, { name: 'app' });
  const error = await rejection(() => sup.restartChild('ghost'));
  assert.is(error.code, 'ERR_CHILD_NOT_FOUND');
  assert.is(error.message, 'supervisor "app" has no child "ghost"');
});

restartChild('rejects ERR_CHILD_RESTARTING while the supervisor waits to restart it', async (context) => {
  const sup = await startKept(context, { name: 'app', backoff: { minMs: 100, maxMs: 100 }, children: [workerSpec('a')] });
  const exited = nextSupervisorEvent(context.system, 'child_exited', 'a');
  crashChild(sup, 'a');
  await exited;
  assert.is(sup.whichChildren()[0]?.status, 'restarting');
  const error = await rejection(() => sup.restartChild('a'));
  assert.is(error.code, 'ERR_CHILD_RESTARTING');
  assert.is(error.message, 'supervisor "app": child "a" is restarting; terminate it first');
  const deleteError = await rejection(() => sup.deleteChild('a'));
  assert.is(deleteError.code, 'ERR_CHILD_RESTARTING');
});

restartChild('rejects ERR_CHILD_START_FAILED when the start fails, keeping the spec', async (context) => {
  let refuse = false;
  const sup = await startKept(context, {
    name: 'app',
    children: [workerSpec('a', { failStart: () => (refuse ? new Error('nope') : undefined) })],
  });
  await sup.terminateChild('a');
  refuse = true;
  const error = await rejection(() => sup.restartChild('a'));
  assert.is(error.code, 'ERR_CHILD_START_FAILED');
  assert.is(error.message, 'supervisor "app": child "a" failed to start: nope');
  assert.is(sup.whichChildren()[0]?.status, 'terminated');
});

// ---

const deleteChild = suite<KernelContext>('deleteChild', emptyContext());
deleteChild.before.each(setUp);
deleteChild.after.each(tearDown);

deleteChild('removes a terminated child spec', async (context) => {
  const sup = await startKept(context, { name: 'app', children: [workerSpec('a'), workerSpec('b')] });
  await sup.terminateChild('a');
  await sup.deleteChild('a');
  assert.equal(
    sup.whichChildren().map((child) => child.id),
    ['b'],
  );
  const error = await rejection(() => sup.deleteChild('a'));
  assert.is(error.code, 'ERR_CHILD_NOT_FOUND');
  assert.is(error.message, 'supervisor "app" has no child "a"');
  await sup.startChild(workerSpec('a'));
  assert.equal(
    sup.whichChildren().map((child) => child.id),
    ['b', 'a'],
  );
});

deleteChild('rejects ERR_CHILD_RUNNING for a running child', async (context) => {
  const sup = await startKept(context, { name: 'app', children: [workerSpec('a')] });
  const error = await rejection(() => sup.deleteChild('a'));
  assert.is(error.code, 'ERR_CHILD_RUNNING');
  assert.is(error.message, 'supervisor "app": child "a" is running; terminate it first');
});

// ---

const reading = suite<KernelContext>('whichChildren, countChildren, restartBudget', emptyContext());
reading.before.each(setUp);
reading.after.each(tearDown);

reading('whichChildren lists every child in start order with its type, restart type, status and restarts', async (context) => {
  const sup = await startKept(context, {
    name: 'app',
    children: [workerSpec('a', { restart: 'transient' }), supervisorSpec('inner', { children: [workerSpec('w')] }), workerSpec('c')],
  });
  await crashAndAwaitRestart(context, sup, 'c');
  await sup.terminateChild('a');
  assert.equal(
    sup.whichChildren().map(({ ref, ...row }) => ({ ...row, alive: ref?.alive })),
    [
      { id: 'a', status: 'terminated', type: 'worker', restart: 'transient', restarts: 0, alive: undefined },
      { id: 'inner', status: 'running', type: 'supervisor', restart: 'permanent', restarts: 0, alive: true },
      { id: 'c', status: 'running', type: 'worker', restart: 'permanent', restarts: 1, alive: true },
    ],
  );
});

reading('countChildren counts specs, running children, supervisors and workers', async (context) => {
  const sup = await startKept(context, {
    name: 'app',
    children: [workerSpec('a'), supervisorSpec('inner', { children: [workerSpec('w'), workerSpec('x')] }), workerSpec('c')],
  });
  await sup.terminateChild('c');
  assert.equal(sup.countChildren(), { specs: 3, active: 2, supervisors: 1, workers: 2 });
});

reading('tree shows the nested supervisors with their budgets', async (context) => {
  const sup = await startKept(context, {
    name: 'app',
    strategy: 'rest_for_one',
    children: [workerSpec('a'), supervisorSpec('inner', { strategy: 'one_for_all', maxRestarts: 7, children: [workerSpec('w')] })],
  });
  const innerBack = nextSupervisorEvent(context.system, 'child_restarted', 'inner');
  crashChild(sup, 'a');
  await innerBack;
  const tree = sup.tree();
  assert.is(tree.name, 'app');
  assert.is(tree.strategy, 'rest_for_one');
  assert.equal(tree.budget, { restarts: 1, maxRestarts: 3, maxSeconds: 5 });
  assert.equal(
    tree.children.map((child) => [child.id, child.status, child.restarts, child.actor?.split('#')[0]]),
    [
      ['a', 'running', 1, 'a'],
      ['inner', 'running', 1, 'inner'],
    ],
  );
  const inner = tree.children[1]?.tree;
  assert.is(inner?.strategy, 'one_for_all');
  assert.equal(inner?.budget, { restarts: 0, maxRestarts: 7, maxSeconds: 5 });
  assert.equal(
    inner?.children.map((child) => child.id),
    ['w'],
  );
  assert.not.throws(() => JSON.stringify(tree));
});

startChild.run();
terminateChild.run();
restartChild.run();
deleteChild.run();
reading.run();
