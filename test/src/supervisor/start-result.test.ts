// What a child's `start` may resolve with: an actor ref or IGNORE. Anything else fails the start
// with ERR_CHILD_START_FAILED naming the value, in a Supervisor and in a DynamicSupervisor, and
// leaves no child behind (a bogus entry would count toward maxChildren for ever).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnActor } from '../../../src/actor/index.ts';
import {
  type ChildSpec,
  type DynamicChildSpec,
  type DynamicSupervisorRef,
  type IGNORE,
  startDynamicSupervisor,
  startSupervisor,
} from '../../../src/supervisor/index.ts';
import {
  emptyContext,
  type KernelContext,
  nextSupervisorEvent,
  rejection,
  setUp,
  startKept,
  tearDown,
  workerBehaviour,
} from './helpers.ts';

/** A start that resolves with `value`, as a badly typed start function would. */
function resolvingWith(value: unknown): ChildSpec['start'] {
  return async () => value as typeof IGNORE;
}

const dynamic = suite<KernelContext>('DynamicSupervisor: a start that resolves with something else', emptyContext());
dynamic.before.each(setUp);
dynamic.after.each(tearDown);

const dynamics: DynamicSupervisorRef[] = [];
dynamic.after.each(() => {
  for (const sup of dynamics.splice(0)) sup.kill('test over');
});

dynamic('fails the start naming the value, and keeps nothing (maxChildren stays free)', async (context) => {
  const sup = await startDynamicSupervisor(context.system, { name: 'rooms', maxChildren: 1 });
  dynamics.push(sup);
  for (const [value, shown] of [
    [42, '42'],
    [{ id: 'fake' }, '{"id":"fake"}'],
    [undefined, 'undefined'],
  ] as const) {
    const error = await rejection(() => sup.startChild({ start: resolvingWith(value) }));
    assert.is(error.code, 'ERR_CHILD_START_FAILED');
    assert.is(error.message, `supervisor "rooms": child "dynamic_child": start must resolve with an actor ref or IGNORE, got ${shown}`);
    assert.equal(sup.countChildren(), { specs: 0, active: 0, supervisors: 0, workers: 0 });
  }
  const ref = await sup.startChild({ start: ({ system }) => spawnActor(system, workerBehaviour('w'), undefined) });
  assert.ok(ref?.alive, 'the one slot of maxChildren is still free');
});

dynamic('a restart that resolves with something else is a failed restart: retried, then the intensity gives up', async (context) => {
  const sup = await startDynamicSupervisor(context.system, { name: 'rooms', maxRestarts: 2 });
  let starts = 0;
  const spec: DynamicChildSpec = {
    start: async ({ system }) => {
      starts += 1;
      return starts === 1 ? spawnActor(system, workerBehaviour('w'), undefined) : (42 as unknown as typeof IGNORE);
    },
  };
  const ref = await sup.startChild(spec);
  const escalated = nextSupervisorEvent(context.system, 'supervisor_escalated', ref?.id ?? '');
  ref?.kill('boom');
  await escalated;
  const signal = await sup.whenExited();
  assert.is((signal.reason as { code?: string }).code, 'ERR_RESTART_INTENSITY');
  const failures = context.events.filter((event) => event.type === 'child_exited' && event.reason.startsWith('restart failed'));
  assert.ok(failures.length >= 1);
  assert.match(failures[0]?.reason ?? '', 'start must resolve with an actor ref or IGNORE, got 42');
});

const plain = suite<KernelContext>('Supervisor: a start that resolves with something else', emptyContext());
plain.before.each(setUp);
plain.after.each(tearDown);

plain('startSupervisor rejects naming the child and the value, and starts nothing', async (context) => {
  const error = await rejection(() =>
    startSupervisor(context.system, { name: 'app', children: [{ id: 'db', start: resolvingWith('ok') }] }),
  );
  assert.is(error.code, 'ERR_CHILD_START_FAILED');
  assert.is(error.message, 'supervisor "app": child "db": start must resolve with an actor ref or IGNORE, got "ok"');
});

plain('startChild rejects naming the value and keeps no spec; restartChild says the same', async (context) => {
  const sup = await startKept(context, { name: 'app' });
  const error = await rejection(() => sup.startChild({ id: 'db', start: resolvingWith(null) }));
  assert.is(error.code, 'ERR_CHILD_START_FAILED');
  assert.is(error.message, 'supervisor "app": child "db": start must resolve with an actor ref or IGNORE, got null');
  assert.equal(sup.whichChildren(), []);

  let bogus = false;
  await sup.startChild({
    id: 'queue',
    start: async ({ system }) => (bogus ? (7 as unknown as typeof IGNORE) : spawnActor(system, workerBehaviour('queue'), undefined)),
  });
  await sup.terminateChild('queue');
  bogus = true;
  const again = await rejection(() => sup.restartChild('queue'));
  assert.is(again.message, 'supervisor "app": child "queue": start must resolve with an actor ref or IGNORE, got 7');
  assert.equal(
    sup.whichChildren().map((child) => [child.id, child.status, child.ref]),
    [['queue', 'terminated', undefined]],
  );
});

plain('a restart that resolves with something else is a failed restart, retried through the mailbox', async (context) => {
  let starts = 0;
  const spec: ChildSpec = {
    id: 'db',
    start: async ({ system }) => {
      starts += 1;
      return starts === 2 ? (42 as unknown as typeof IGNORE) : spawnActor(system, workerBehaviour('db'), undefined);
    },
  };
  const sup = await startKept(context, { name: 'app', children: [spec] });
  const restarted = nextSupervisorEvent(context.system, 'child_restarted', 'db');
  sup.whichChildren()[0]?.ref?.kill('boom');
  await restarted;
  assert.is(starts, 3, 'the bogus start, then the retry');
  const failed = context.events.find((event) => event.type === 'child_exited' && event.reason.startsWith('restart failed'));
  assert.match(failed?.reason ?? '', 'start must resolve with an actor ref or IGNORE, got 42');
  assert.is(sup.whichChildren()[0]?.status, 'running');
});

dynamic.run();
plain.run();
