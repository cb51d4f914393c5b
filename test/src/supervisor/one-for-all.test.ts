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

const base = suite<KernelContext>('one_for_all: restarts', emptyContext());
base.before.each(setUp);
base.after.each(tearDown);

base('restarts every child when one crashes, stopping the others in reverse order first', async (context) => {
  const log = context.log;
  const sup = await startKept(context, {
    name: 'app',
    strategy: 'one_for_all',
    children: [workerSpec('a', { log }), workerSpec('b', { log }), workerSpec('c', { log })],
  });
  const before = refIds(sup);
  log.length = 0;
  context.events.length = 0;
  await crashAndAwaitRestart(context, sup, 'c');
  const after = refIds(sup);
  for (const id of ['a', 'b', 'c']) assert.is.not(after[id], before[id], `${id} was restarted`);
  assert.equal(
    context.events.map((event) => [event.type, event.child]),
    [
      ['child_exited', 'c'],
      ['child_exited', 'b'],
      ['child_exited', 'a'],
      ['child_restarted', 'a'],
      ['child_restarted', 'b'],
      ['child_restarted', 'c'],
    ],
  );
  // c crashed (its terminate runs as part of the crash); b then a are shut down, then a, b, c start in order.
  assert.equal(log, [
    'terminate:c',
    'terminated:c',
    'terminate:b',
    'terminated:b',
    'terminate:a',
    'terminated:a',
    'init:a',
    'init-done:a',
    'init:b',
    'init-done:b',
    'init:c',
    'init-done:c',
  ]);
  assert.equal(sup.restartBudget().restarts, 1, 'one crash counts once, however many children it restarts');
});

// ---

const intensity = suite<KernelContext>('one_for_all: intensity exceeded', emptyContext());
intensity.before.each(setUp);
intensity.after.each(tearDown);

intensity(
  'escalates on the fourth crash in 5 s: reverse-order shutdown, ERR_RESTART_INTENSITY, restarted by its parent',
  async (context) => {
    const root = await startKept(context, {
      name: 'root',
      children: [supervisorSpec('app', { strategy: 'one_for_all', children: [workerSpec('a'), workerSpec('b'), workerSpec('c')] })],
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
    assert.equal(childrenOf(context.events, 'child_restarted', 'app'), []);
    assert.equal(childrenOf(context.events, 'supervisor_escalated', 'app'), ['b']);
    assert.ok(refs.every((ref) => ref !== undefined && !ref.alive));

    await restartedByRoot;
    assert.equal(childrenOf(context.events, 'child_exited', 'root'), ['app']);
    assert.is.not(nestedSupervisor(root, 'app'), app);
    assert.equal(nestedSupervisor(root, 'app').countChildren(), { specs: 3, active: 3, supervisors: 0, workers: 3 });
  },
);

// ---

const restartFails = suite<KernelContext>('one_for_all: a restart that fails', emptyContext());
restartFails.before.each(setUp);
restartFails.after.each(tearDown);

restartFails(
  'retries the whole group through its mailbox, stopping the already restarted children first (OTP one_for_all_other_child_fails_restart)',
  async (context) => {
    let refuse = false;
    const sup = await startKept(context, {
      name: 'app',
      strategy: 'one_for_all',
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
    context.events.length = 0;
    refuse = true;
    const cRestarted = nextSupervisorEvent(context.system, 'child_restarted', 'c');
    crashChild(sup, 'a');
    await cRestarted;
    assert.equal(
      context.events.map((event) => [event.type, event.child, event.reason]),
      [
        ['child_exited', 'a', 'a crashed'],
        ['child_exited', 'c', 'shutdown'],
        ['child_exited', 'b', 'shutdown'],
        ['child_restarted', 'a', 'restart'],
        ['child_exited', 'b', 'restart failed: b refused to start'],
        ['child_exited', 'a', 'shutdown'],
        ['child_restarted', 'a', 'restart'],
        ['child_restarted', 'b', 'restart'],
        ['child_restarted', 'c', 'restart'],
      ],
    );
    assert.equal(sup.restartBudget().restarts, 2);
    assert.equal(sup.countChildren().active, 3);
  },
);

restartFails('escalates when the restart keeps failing', async (context) => {
  let refuse = false;
  const sup = await startKept(context, {
    name: 'app',
    strategy: 'one_for_all',
    children: [
      workerSpec('a'),
      workerSpec('b', { failStart: () => (refuse ? new Error('b refused to start') : undefined) }),
      workerSpec('c'),
    ],
  });
  refuse = true;
  crashChild(sup, 'a');
  const signal = await exitOf(sup);
  assert.ok(hasCode(signal.reason, 'ERR_RESTART_INTENSITY'));
  assert.match((signal.reason as Error).message, /4 restarts within 5 s exceed maxRestarts 3; last exit: child "b": restart failed$/);
  assert.is(context.events.filter((event) => event.reason === 'restart failed: b refused to start').length, 3);
  assert.equal(childrenOf(context.events, 'supervisor_escalated'), ['b']);
  assert.equal(sup.whichChildren().filter((child) => child.ref?.alive).length, 0);
});

// ---

const shutdown = suite<KernelContext>('one_for_all: shutdown order', emptyContext());
shutdown.before.each(setUp);
shutdown.after.each(tearDown);

shutdown('stops children one at a time in reverse start order', async (context) => {
  const log = context.log;
  const sup = await startKept(context, {
    name: 'app',
    strategy: 'one_for_all',
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
