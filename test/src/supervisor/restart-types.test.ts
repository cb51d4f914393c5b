import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Strategy } from '../../../src/supervisor/index.ts';
import {
  barrier,
  childRef,
  childrenOf,
  crashAndAwaitRestart,
  crashChild,
  emptyContext,
  type KernelContext,
  nextSupervisorEvent,
  refIds,
  setUp,
  startKept,
  tearDown,
  workerSpec,
} from './helpers.ts';

const permanent = suite<KernelContext>('restart types: permanent', emptyContext());
permanent.before.each(setUp);
permanent.after.each(tearDown);

permanent('is restarted after a crash and after a clean exit', async (context) => {
  const sup = await startKept(context, { name: 'app', children: [workerSpec('a')] });
  await crashAndAwaitRestart(context, sup, 'a');
  const restarted = nextSupervisorEvent(context.system, 'child_restarted', 'a');
  childRef(sup, 'a').cast({ type: 'exit', reason: 'normal' });
  await restarted;
  assert.equal(childrenOf(context.events, 'child_restarted'), ['a', 'a']);
  assert.is(sup.whichChildren()[0]?.restart, 'permanent');
});

// ---

const transient = suite<KernelContext>('restart types: transient', emptyContext());
transient.before.each(setUp);
transient.after.each(tearDown);

for (const [label, reason] of [
  ["'normal'", 'normal'],
  ["'shutdown'", 'shutdown'],
  ['{ shutdown: term }', { shutdown: 'maintenance' }],
] as const) {
  transient(`is not restarted after a clean exit with ${label}, and its spec stays`, async (context) => {
    const sup = await startKept(context, { name: 'app', children: [workerSpec('t', { restart: 'transient' }), workerSpec('other')] });
    const exited = nextSupervisorEvent(context.system, 'child_exited', 't');
    childRef(sup, 't').cast({ type: 'exit', reason });
    await exited;
    await barrier(sup);
    assert.equal(childrenOf(context.events, 'child_restarted'), []);
    assert.equal(
      sup.whichChildren().map((child) => [child.id, child.status]),
      [
        ['t', 'terminated'],
        ['other', 'running'],
      ],
    );
    assert.equal(sup.restartBudget().restarts, 0);
  });
}

transient('is restarted after a crash', async (context) => {
  const sup = await startKept(context, { name: 'app', children: [workerSpec('t', { restart: 'transient' })] });
  await crashAndAwaitRestart(context, sup, 't');
  assert.is(sup.whichChildren()[0]?.status, 'running');
});

transient('is restarted after being killed', async (context) => {
  const sup = await startKept(context, { name: 'app', children: [workerSpec('t', { restart: 'transient' })] });
  const restarted = nextSupervisorEvent(context.system, 'child_restarted', 't');
  childRef(sup, 't').kill();
  await restarted;
  assert.is(context.events.find((event) => event.type === 'child_exited')?.reason, 'killed');
});

transient('an Error whose message mentions shutdown is still a crash', async (context) => {
  const sup = await startKept(context, { name: 'app', children: [workerSpec('t', { restart: 'transient' })] });
  const restarted = nextSupervisorEvent(context.system, 'child_restarted', 't');
  crashChild(sup, 't', Object.assign(new Error('shutdown'), { shutdown: true }));
  await restarted;
});

transient('a running transient child is restarted with its group under one_for_all', async (context) => {
  const sup = await startKept(context, {
    name: 'app',
    strategy: 'one_for_all',
    children: [workerSpec('a'), workerSpec('t', { restart: 'transient' })],
  });
  const before = refIds(sup);
  const restarted = nextSupervisorEvent(context.system, 'child_restarted', 't');
  crashChild(sup, 'a');
  await restarted;
  assert.is.not(refIds(sup).t, before.t);
});

// ---

const temporary = suite<KernelContext>('restart types: temporary', emptyContext());
temporary.before.each(setUp);
temporary.after.each(tearDown);

temporary('is never restarted after a crash and its spec is removed', async (context) => {
  const sup = await startKept(context, { name: 'app', children: [workerSpec('a'), workerSpec('tmp', { restart: 'temporary' })] });
  const exited = nextSupervisorEvent(context.system, 'child_exited', 'tmp');
  crashChild(sup, 'tmp');
  await exited;
  await barrier(sup);
  assert.equal(childrenOf(context.events, 'child_restarted'), []);
  assert.equal(
    sup.whichChildren().map((child) => child.id),
    ['a'],
  );
  assert.equal(sup.countChildren(), { specs: 1, active: 1, supervisors: 0, workers: 1 });
  assert.equal(sup.restartBudget().restarts, 0, 'a temporary exit costs no restart');
});

temporary('is not restarted after a clean exit either', async (context) => {
  const sup = await startKept(context, { name: 'app', children: [workerSpec('tmp', { restart: 'temporary' })] });
  const exited = nextSupervisorEvent(context.system, 'child_exited', 'tmp');
  childRef(sup, 'tmp').cast({ type: 'exit', reason: 'normal' });
  await exited;
  await barrier(sup);
  assert.equal(sup.whichChildren(), []);
});

for (const strategy of ['one_for_all', 'rest_for_one'] as const satisfies readonly Strategy[]) {
  temporary(`is not restarted when a sibling's crash takes it down under ${strategy}, and its spec is removed`, async (context) => {
    const sup = await startKept(context, {
      name: 'app',
      strategy,
      children: [workerSpec('a'), workerSpec('b'), workerSpec('tmp', { restart: 'temporary' }), workerSpec('c')],
    });
    const tmp = childRef(sup, 'tmp');
    const cBack = nextSupervisorEvent(context.system, 'child_restarted', 'c');
    crashChild(sup, 'b');
    await cBack;
    assert.not.ok(tmp.alive, 'the temporary child was taken down');
    assert.equal(
      sup.whichChildren().map((child) => [child.id, child.status]),
      [
        ['a', 'running'],
        ['b', 'running'],
        ['c', 'running'],
      ],
    );
    assert.ok(childrenOf(context.events, 'child_exited').includes('tmp'));
    assert.not.ok(childrenOf(context.events, 'child_restarted').includes('tmp'));
  });
}

// ---

const notRevived = suite<KernelContext>("restart types: a sibling's restart revives no stopped child", emptyContext());
notRevived.before.each(setUp);
notRevived.after.each(tearDown);

for (const strategy of ['one_for_all', 'rest_for_one'] as const satisfies readonly Strategy[]) {
  notRevived(`a child stopped by terminateChild stays stopped under ${strategy}`, async (context) => {
    const sup = await startKept(context, { name: 'app', strategy, children: [workerSpec('a'), workerSpec('b'), workerSpec('c')] });
    await sup.terminateChild('b');
    const cBack = nextSupervisorEvent(context.system, 'child_restarted', 'c');
    crashChild(sup, 'a');
    await cBack;
    assert.equal(
      sup.whichChildren().map((child) => [child.id, child.status]),
      [
        ['a', 'running'],
        ['b', 'terminated'],
        ['c', 'running'],
      ],
    );
  });

  notRevived(`a transient child that exited cleanly stays stopped under ${strategy}`, async (context) => {
    const sup = await startKept(context, {
      name: 'app',
      strategy,
      children: [workerSpec('a'), workerSpec('t', { restart: 'transient' }), workerSpec('c')],
    });
    const tExited = nextSupervisorEvent(context.system, 'child_exited', 't');
    childRef(sup, 't').cast({ type: 'exit', reason: 'normal' });
    await tExited;
    const cBack = nextSupervisorEvent(context.system, 'child_restarted', 'c');
    crashChild(sup, 'a');
    await cBack;
    assert.equal(
      sup.whichChildren().map((child) => [child.id, child.status]),
      [
        ['a', 'running'],
        ['t', 'terminated'],
        ['c', 'running'],
      ],
    );
  });
}

permanent.run();
transient.run();
temporary.run();
notRevived.run();
