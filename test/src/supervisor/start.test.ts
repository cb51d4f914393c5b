import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnActor } from '../../../src/actor/index.ts';
import { hasCode } from '../../../src/errors.ts';
import { startSupervisor, supervisorSpec } from '../../../src/supervisor/index.ts';
import {
  childrenOf,
  emptyContext,
  type KernelContext,
  rejection,
  setUp,
  startKept,
  tearDown,
  workerBehaviour,
  workerSpec,
} from './helpers.ts';

const ordered = suite<KernelContext>('ordered start', emptyContext());
ordered.before.each(setUp);
ordered.after.each(tearDown);

ordered('starts children in list order, each fully started before the next begins', async (context) => {
  const log = context.log;
  const sup = await startKept(context, {
    name: 'app',
    children: [workerSpec('a', { log }), workerSpec('b', { log }), workerSpec('c', { log })],
  });
  assert.equal(log, ['init:a', 'init-done:a', 'init:b', 'init-done:b', 'init:c', 'init-done:c']);
  assert.equal(childrenOf(context.events, 'child_started'), ['a', 'b', 'c']);
  assert.equal(
    sup.whichChildren().map((child) => child.id),
    ['a', 'b', 'c'],
  );
});

ordered('resolves only once every child is running', async (context) => {
  const sup = await startKept(context, { name: 'app', children: [workerSpec('a'), workerSpec('b')] });
  assert.equal(sup.countChildren(), { specs: 2, active: 2, supervisors: 0, workers: 2 });
  assert.ok(sup.whichChildren().every((child) => child.ref?.alive));
});

// ---

const rollback = suite<KernelContext>('a failed start', emptyContext());
rollback.before.each(setUp);
rollback.after.each(tearDown);

rollback(
  'rejects ERR_CHILD_START_FAILED naming the child and the cause, after stopping the started children in reverse order',
  async (context) => {
    const log = context.log;
    const cause = new Error('port 5432 refused the connection');
    let dStarted = false;
    const error = await rejection(() =>
      startSupervisor(context.system, {
        name: 'app',
        children: [
          workerSpec('a', { log }),
          workerSpec('b', { log }),
          workerSpec('db', { failStart: () => cause }),
          {
            id: 'd',
            start: async () => {
              dStarted = true;
              throw new Error('unreachable');
            },
          },
        ],
      }),
    );
    assert.is(error.code, 'ERR_CHILD_START_FAILED');
    assert.is(error.message, 'supervisor "app": child "db" failed to start: port 5432 refused the connection');
    assert.is(error.cause, cause);
    assert.equal(log, ['init:a', 'init-done:a', 'init:b', 'init-done:b', 'terminate:b', 'terminated:b', 'terminate:a', 'terminated:a']);
    assert.equal(
      context.events.map((event) => [event.type, event.child]),
      [
        ['child_started', 'a'],
        ['child_started', 'b'],
        ['child_exited', 'b'],
        ['child_exited', 'a'],
      ],
    );
    assert.not.ok(dStarted, 'no child after the failed one is started');
  },
);

rollback('a child whose init throws fails the start with that cause', async (context) => {
  const cause = new Error('config missing');
  const error = await rejection(() =>
    startSupervisor(context.system, {
      name: 'app',
      children: [
        {
          id: 'cfg',
          start: ({ system }) => spawnActor(system, { ...workerBehaviour('cfg'), init: () => Promise.reject(cause) }, undefined),
        },
      ],
    }),
  );
  assert.is(error.code, 'ERR_CHILD_START_FAILED');
  assert.is(error.message, 'supervisor "app": child "cfg" failed to start: config missing');
  assert.is(error.cause, cause);
});

rollback('a nested failure names every level', async (context) => {
  const error = await rejection(() =>
    startSupervisor(context.system, {
      name: 'root',
      children: [workerSpec('a'), supervisorSpec('inner', { children: [workerSpec('w', { failStart: () => new Error('boom') })] })],
    }),
  );
  assert.is(error.code, 'ERR_CHILD_START_FAILED');
  assert.is(
    error.message,
    'supervisor "root": child "inner" failed to start: ERR_CHILD_START_FAILED: supervisor "inner": child "w" failed to start: boom',
  );
  assert.ok(hasCode(error.cause, 'ERR_CHILD_START_FAILED'));
});

rollback('an invalid spec starts nothing', async (context) => {
  let started = false;
  const error = await rejection(() =>
    startSupervisor(context.system, {
      name: 'app',
      children: [
        {
          id: 'a',
          start: async ({ system }) => {
            started = true;
            return spawnActor(system, workerBehaviour('a'), undefined);
          },
        },
        { id: 'b', start: async ({ system }) => spawnActor(system, workerBehaviour('b'), undefined), shutdown: -1 },
      ],
    }),
  );
  assert.is(error.code, 'ERR_INVALID_CHILD_SPEC');
  assert.not.ok(started);
  assert.equal(context.events, []);
});

ordered.run();
rollback.run();
