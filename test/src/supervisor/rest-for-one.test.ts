import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hasCode } from '../../../src/errors.ts';
import { supervisorSpec } from '../../../src/supervisor/index.ts';
import {
  childrenOf,
  crashAndAwaitRestart,
  crashChild,
  emptyContext,
  exitOf,
  type KernelContext,
  nestedSupervisor,
  nextSupervisorEvent,
  refIds,
  setUp,
  startKept,
  tearDown,
  workerSpec,
} from './helpers.ts';

const base = suite<KernelContext>('rest_for_one: restarts', emptyContext());
base.before.each(setUp);
base.after.each(tearDown);

base('restarts the crashed child and every child started after it', async (context) => {
  const sup = await startKept(context, {
    name: 'app',
    strategy: 'rest_for_one',
    children: [workerSpec('a'), workerSpec('b'), workerSpec('c'), workerSpec('d')],
  });
  const before = refIds(sup);
  context.events.length = 0;
  await crashAndAwaitRestart(context, sup, 'b');
  await nextSupervisorEvent(context.system, 'child_restarted', 'd');
  const after = refIds(sup);
  assert.is(after.a, before.a, 'a child started before the crashed one keeps its ref');
  for (const id of ['b', 'c', 'd']) assert.is.not(after[id], before[id], `${id} was restarted`);
  assert.equal(
    context.events.map((event) => [event.type, event.child]),
    [
      ['child_exited', 'b'],
      ['child_exited', 'd'],
      ['child_exited', 'c'],
      ['child_restarted', 'b'],
      ['child_restarted', 'c'],
      ['child_restarted', 'd'],
    ],
  );
  assert.equal(sup.restartBudget().restarts, 1);
});

base('restarts only the last child when the last child crashes', async (context) => {
  const sup = await startKept(context, { name: 'app', strategy: 'rest_for_one', children: [workerSpec('a'), workerSpec('b')] });
  const before = refIds(sup);
  await crashAndAwaitRestart(context, sup, 'b');
  assert.is(refIds(sup).a, before.a);
  assert.equal(childrenOf(context.events, 'child_exited'), ['b']);
});

// ---

const intensity = suite<KernelContext>('rest_for_one: intensity exceeded', emptyContext());
intensity.before.each(setUp);
intensity.after.each(tearDown);

intensity(
  'escalates on the fourth crash in 5 s: reverse-order shutdown, ERR_RESTART_INTENSITY, restarted by its parent',
  async (context) => {
    const root = await startKept(context, {
      name: 'root',
      children: [supervisorSpec('app', { strategy: 'rest_for_one', children: [workerSpec('a'), workerSpec('b'), workerSpec('c')] })],
    });
    const app = nestedSupervisor(root, 'app');
    for (let crash = 1; crash <= 3; crash += 1) {
      const cBack = nextSupervisorEvent(context.system, 'child_restarted', 'c');
      crashChild(app, 'b');
      await cBack;
    }
    const refs = app.whichChildren().map((child) => child.ref);
    context.events.length = 0;

    const restartedByRoot = nextSupervisorEvent(context.system, 'child_restarted', 'app');
    crashChild(app, 'b');
    const signal = await exitOf(app);
    assert.ok(hasCode(signal.reason, 'ERR_RESTART_INTENSITY'));
    assert.is(
      (signal.reason as Error).message,
      'supervisor "app" gave up: 4 restarts within 5 s exceed maxRestarts 3; last exit: child "b": b crashed',
    );
    assert.equal(childrenOf(context.events, 'child_exited', 'app'), ['b', 'c', 'a']);
    assert.equal(childrenOf(context.events, 'supervisor_escalated', 'app'), ['b']);
    assert.ok(refs.every((ref) => ref !== undefined && !ref.alive));
    await restartedByRoot;
    assert.equal(nestedSupervisor(root, 'app').countChildren().active, 3);
  },
);

// ---

const restartFails = suite<KernelContext>('rest_for_one: a restart that fails', emptyContext());
restartFails.before.each(setUp);
restartFails.after.each(tearDown);

restartFails('retries the failed start and the children after it through its mailbox', async (context) => {
  let refuse = false;
  const sup = await startKept(context, {
    name: 'app',
    strategy: 'rest_for_one',
    children: [
      workerSpec('a'),
      workerSpec('b', {
        failStart: () => {
          if (!refuse) return undefined;
          refuse = false;
          return new Error('b refused to start');
        },
      }),
      workerSpec('c'),
    ],
  });
  const a = refIds(sup).a;
  context.events.length = 0;
  refuse = true;
  const cRestarted = nextSupervisorEvent(context.system, 'child_restarted', 'c');
  crashChild(sup, 'b');
  await cRestarted;
  assert.equal(
    context.events.map((event) => [event.type, event.child, event.reason]),
    [
      ['child_exited', 'b', 'b crashed'],
      ['child_exited', 'c', 'shutdown'],
      ['child_exited', 'b', 'restart failed: b refused to start'],
      ['child_restarted', 'b', 'restart'],
      ['child_restarted', 'c', 'restart'],
    ],
  );
  assert.is(refIds(sup).a, a);
  assert.equal(sup.restartBudget().restarts, 2);
});

restartFails('escalates when the restart keeps failing', async (context) => {
  let refuse = false;
  const sup = await startKept(context, {
    name: 'app',
    strategy: 'rest_for_one',
    children: [
      workerSpec('a'),
      workerSpec('b', { failStart: () => (refuse ? new Error('b refused to start') : undefined) }),
      workerSpec('c'),
    ],
  });
  refuse = true;
  crashChild(sup, 'b');
  const signal = await exitOf(sup);
  assert.ok(hasCode(signal.reason, 'ERR_RESTART_INTENSITY'));
  assert.is(context.events.filter((event) => event.reason === 'restart failed: b refused to start').length, 3);
  assert.equal(childrenOf(context.events, 'supervisor_escalated'), ['b']);
  assert.equal(sup.whichChildren().filter((child) => child.ref?.alive).length, 0);
});

// ---

const shutdown = suite<KernelContext>('rest_for_one: shutdown order', emptyContext());
shutdown.before.each(setUp);
shutdown.after.each(tearDown);

shutdown('stops children one at a time in reverse start order', async (context) => {
  const log = context.log;
  const sup = await startKept(context, {
    name: 'app',
    strategy: 'rest_for_one',
    children: [workerSpec('a', { log }), workerSpec('b', { log, terminateTurns: 4 }), workerSpec('c', { log, terminateTurns: 8 })],
  });
  log.length = 0;
  await sup.stop();
  assert.equal(log, ['terminate:c', 'terminated:c', 'terminate:b', 'terminated:b', 'terminate:a', 'terminated:a']);
  assert.equal(childrenOf(context.events, 'child_exited'), ['c', 'b', 'a']);
});

base.run();
intensity.run();
restartFails.run();
shutdown.run();
