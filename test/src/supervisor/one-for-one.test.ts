import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hasCode } from '../../../src/errors.ts';
import { type SupervisorRef, supervisorSpec } from '../../../src/supervisor/index.ts';
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

const base = suite<KernelContext>('one_for_one: restarts', emptyContext());
base.before.each(setUp);
base.after.each(tearDown);

base('restarts only the crashed child', async (context) => {
  const sup = await startKept(context, {
    name: 'app',
    strategy: 'one_for_one',
    children: [workerSpec('a'), workerSpec('b'), workerSpec('c')],
  });
  const before = refIds(sup);
  await crashAndAwaitRestart(context, sup, 'b');
  const after = refIds(sup);
  assert.is(after.a, before.a);
  assert.is(after.c, before.c);
  assert.is.not(after.b, before.b);
  assert.equal(childrenOf(context.events, 'child_exited'), ['b']);
  assert.equal(childrenOf(context.events, 'child_restarted'), ['b']);
  assert.equal(
    sup.whichChildren().map((child) => [child.id, child.status, child.restarts]),
    [
      ['a', 'running', 0],
      ['b', 'running', 1],
      ['c', 'running', 0],
    ],
  );
  assert.equal(sup.restartBudget(), { restarts: 1, maxRestarts: 3, maxSeconds: 5 });
});

base('reports the crash reason in child_exited', async (context) => {
  const sup = await startKept(context, { name: 'app', children: [workerSpec('a')] });
  const exited = nextSupervisorEvent(context.system, 'child_exited', 'a');
  crashChild(sup, 'a', new Error('disk on fire'));
  const event = await exited;
  assert.equal(event, {
    type: 'child_exited',
    supervisor: 'app',
    child: 'a',
    time: '2026-01-01T00:00:00.000Z',
    reason: 'disk on fire',
    restarts: 0,
  });
});

// ---

const intensity = suite<KernelContext>('one_for_one: intensity exceeded', emptyContext());
intensity.before.each(setUp);
intensity.after.each(tearDown);

intensity(
  'escalates on the fourth crash in 5 s: reverse-order shutdown, ERR_RESTART_INTENSITY, restarted by its parent',
  async (context) => {
    const root = await startKept(context, {
      name: 'root',
      children: [supervisorSpec('app', { strategy: 'one_for_one', children: [workerSpec('a'), workerSpec('b'), workerSpec('c')] })],
    });
    const app = nestedSupervisor(root, 'app');
    for (let crash = 1; crash <= 3; crash += 1) await crashAndAwaitRestart(context, app, 'b');
    assert.equal(app.restartBudget(), { restarts: 3, maxRestarts: 3, maxSeconds: 5 });
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
    assert.ok(
      refs.every((ref) => ref !== undefined && !ref.alive),
      'every child of the escalated supervisor is gone',
    );

    await restartedByRoot;
    const rootExit = context.events.find((event) => event.supervisor === 'root' && event.type === 'child_exited');
    assert.is(rootExit?.reason.startsWith('ERR_RESTART_INTENSITY: supervisor "app" gave up'), true);
    const fresh = nestedSupervisor(root, 'app');
    assert.is.not(fresh, app);
    assert.equal(
      fresh.whichChildren().map((child) => [child.id, child.status]),
      [
        ['a', 'running'],
        ['b', 'running'],
        ['c', 'running'],
      ],
    );
    assert.equal(fresh.restartBudget().restarts, 0);
    assert.equal(root.restartBudget().restarts, 1);
  },
);

intensity('three crashes in 5 s stay within the default budget', async (context) => {
  const sup = await startKept(context, { name: 'app', children: [workerSpec('a'), workerSpec('b')] });
  for (let crash = 1; crash <= 3; crash += 1) await crashAndAwaitRestart(context, sup, 'b');
  assert.ok(sup.alive);
  assert.equal(childrenOf(context.events, 'supervisor_escalated'), []);
});

// ---

const restartFails = suite<KernelContext>('one_for_one: a restart that fails', emptyContext());
restartFails.before.each(setUp);
restartFails.after.each(tearDown);

restartFails('retries the failed start through its own mailbox, counting it against intensity, until it works', async (context) => {
  let startsOfB = 0;
  let failNext = false;
  let app: SupervisorRef | undefined;
  const sup = await startKept(context, {
    name: 'app',
    children: [
      workerSpec('a'),
      workerSpec('b', {
        failStart: () => {
          startsOfB += 1;
          context.log.push(`start b #${startsOfB}`);
          if (!failNext) return undefined;
          failNext = false;
          // A request queued now must be handled before the retry: the retry goes through the
          // mailbox. The probe's start runs when the supervisor handles the request.
          if (app) {
            const probe = async (): Promise<never> => {
              context.log.push('mailbox answered');
              throw new Error('probe only');
            };
            void app.startChild({ id: '__probe__', start: probe }).catch(() => undefined);
          }
          return new Error('b refused to start');
        },
      }),
    ],
  });
  app = sup;
  const a = refIds(sup).a;
  failNext = true;
  await crashAndAwaitRestart(context, sup, 'b');

  assert.equal(context.log, ['start b #1', 'start b #2', 'mailbox answered', 'start b #3']);
  assert.equal(
    context.events.map((event) => [event.type, event.child, event.reason]),
    [
      ['child_started', 'a', 'start'],
      ['child_started', 'b', 'start'],
      ['child_exited', 'b', 'b crashed'],
      ['child_exited', 'b', 'restart failed: b refused to start'],
      ['child_restarted', 'b', 'restart'],
    ],
  );
  assert.equal(sup.restartBudget().restarts, 2);
  assert.is(refIds(sup).a, a);
});

restartFails('escalates when the restart keeps failing', async (context) => {
  let refuse = false;
  const sup = await startKept(context, {
    name: 'app',
    children: [workerSpec('a'), workerSpec('b', { failStart: () => (refuse ? new Error('b refused to start') : undefined) })],
  });
  refuse = true;
  crashChild(sup, 'b');
  const signal = await exitOf(sup);
  assert.ok(hasCode(signal.reason, 'ERR_RESTART_INTENSITY'));
  assert.is(
    (signal.reason as Error).message,
    'supervisor "app" gave up: 4 restarts within 5 s exceed maxRestarts 3; last exit: child "b": restart failed',
  );
  assert.equal(
    context.events.slice(2).map((event) => [event.type, event.child]),
    [
      ['child_exited', 'b'],
      ['child_exited', 'b'],
      ['child_exited', 'b'],
      ['child_exited', 'b'],
      ['child_exited', 'a'],
      ['supervisor_escalated', 'b'],
    ],
  );
  assert.is(context.events.filter((event) => event.reason === 'restart failed: b refused to start').length, 3);
});

// ---

const shutdown = suite<KernelContext>('one_for_one: shutdown order', emptyContext());
shutdown.before.each(setUp);
shutdown.after.each(tearDown);

shutdown('stops children one at a time in reverse start order', async (context) => {
  const log = context.log;
  const sup = await startKept(context, {
    name: 'app',
    strategy: 'one_for_one',
    // The first child terminates fastest: a parallel shutdown would finish it first.
    children: [workerSpec('a', { log }), workerSpec('b', { log, terminateTurns: 4 }), workerSpec('c', { log, terminateTurns: 8 })],
  });
  log.length = 0;
  const signal = await sup.stop();
  assert.is(signal.reason, 'shutdown');
  assert.equal(log, ['terminate:c', 'terminated:c', 'terminate:b', 'terminated:b', 'terminate:a', 'terminated:a']);
  assert.equal(childrenOf(context.events, 'child_exited'), ['c', 'b', 'a']);
  assert.ok(context.events.filter((event) => event.type === 'child_exited').every((event) => event.reason === 'shutdown'));
});

base.run();
intensity.run();
restartFails.run();
shutdown.run();
