import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hasCode } from '../../../src/errors.ts';
import { Registry, via } from '../../../src/registry/index.ts';
import { type SupervisorRef, supervisorSpec } from '../../../src/supervisor/index.ts';
import {
  childRef,
  crashAndAwaitRestart,
  crashChild,
  emptyContext,
  exitOf,
  type KernelContext,
  nestedSupervisor,
  nextSupervisorEvent,
  setUp,
  startKept,
  tearDown,
  workerSpec,
} from './helpers.ts';

const nesting = suite<KernelContext>('nested supervisors', emptyContext());
nesting.before.each(setUp);
nesting.after.each(tearDown);

nesting('a crash below is handled by the nearest supervisor only', async (context) => {
  const root = await startKept(context, {
    name: 'root',
    children: [workerSpec('a'), supervisorSpec('inner', { children: [workerSpec('w')] })],
  });
  const inner = nestedSupervisor(root, 'inner');
  await crashAndAwaitRestart(context, inner, 'w');
  assert.is(nestedSupervisor(root, 'inner'), inner);
  assert.equal(inner.restartBudget().restarts, 1);
  assert.equal(root.restartBudget().restarts, 0);
  assert.ok(context.events.every((event) => event.supervisor === 'inner' || event.type === 'child_started'));
});

nesting('stop shuts the tree down depth first in reverse start order', async (context) => {
  const root = await startKept(context, {
    name: 'root',
    children: [workerSpec('a'), supervisorSpec('inner', { children: [workerSpec('w1'), workerSpec('w2')] }), workerSpec('c')],
  });
  assert.equal(
    context.events.map((event) => `${event.supervisor}/${event.child}`),
    ['root/a', 'inner/w1', 'inner/w2', 'root/inner', 'root/c'],
  );
  context.events.length = 0;
  await root.stop();
  assert.equal(
    context.events.map((event) => `${event.type} ${event.supervisor}/${event.child}`),
    ['child_exited root/c', 'child_exited inner/w2', 'child_exited inner/w1', 'child_exited root/inner', 'child_exited root/a'],
  );
});

nesting('a killed supervisor kills its children and theirs', async (context) => {
  const root = await startKept(context, {
    name: 'root',
    children: [workerSpec('a'), supervisorSpec('inner', { children: [workerSpec('w')] })],
  });
  const inner = nestedSupervisor(root, 'inner');
  const a = childRef(root, 'a');
  const w = childRef(inner, 'w');
  root.kill();
  assert.not.ok(root.alive);
  assert.not.ok(inner.alive);
  assert.is((await exitOf(a)).reason, 'killed');
  assert.is((await exitOf(w)).reason, 'killed');
});

nesting('escalation climbs until a supervisor can absorb it', async (context) => {
  const root = await startKept(context, {
    name: 'root',
    children: [
      supervisorSpec('mid', {
        maxRestarts: 0,
        children: [supervisorSpec('inner', { maxRestarts: 0, children: [workerSpec('w')] })],
      }),
    ],
  });
  const mid = nestedSupervisor(root, 'mid');
  const inner = nestedSupervisor(mid, 'inner');
  const midBack = nextSupervisorEvent(context.system, 'child_restarted', 'mid');
  crashChild(inner, 'w');
  const innerExit = await exitOf(inner);
  const midExit = await exitOf(mid);
  await midBack;
  assert.ok(hasCode(innerExit.reason, 'ERR_RESTART_INTENSITY'));
  assert.ok(hasCode(midExit.reason, 'ERR_RESTART_INTENSITY'));
  assert.match(
    (midExit.reason as Error).message,
    /^supervisor "mid" gave up: 1 restarts within 5 s exceed maxRestarts 0; last exit: child "inner": ERR_RESTART_INTENSITY: supervisor "inner" gave up/,
  );
  assert.equal(
    context.events.filter((event) => event.type === 'supervisor_escalated').map((event) => event.supervisor),
    ['inner', 'mid'],
  );
  assert.equal(nestedSupervisor(nestedSupervisor(root, 'mid'), 'inner').countChildren().active, 1);
});

nesting('a transient nested supervisor that escalates is still restarted: escalation is never a clean exit', async (context) => {
  const root = await startKept(context, {
    name: 'root',
    children: [supervisorSpec('inner', { restart: 'transient', maxRestarts: 0, children: [workerSpec('w')] })],
  });
  const back = nextSupervisorEvent(context.system, 'child_restarted', 'inner');
  crashChild(nestedSupervisor(root, 'inner'), 'w');
  await back;
  assert.is(root.whichChildren()[0]?.restart, 'transient');
});

nesting('supervisorSpec names the nested supervisor through a registry; it is registered again at each restart', async (context) => {
  const names = new Registry<string>({ keys: 'unique', name: 'names' });
  const root = await startKept(context, {
    name: 'root',
    children: [supervisorSpec('inner', { name: via(names, 'jobs'), children: [workerSpec('w')] })],
  });
  const inner = nestedSupervisor(root, 'inner');
  assert.is(names.whereis('jobs'), inner, 'the registry holds the nested supervisor');
  assert.is(inner.name, 'jobs', 'its display name is the key');
  assert.is(root.whichChildren()[0]?.id, 'inner', 'its slot in the parent keeps the id');
  const back = nextSupervisorEvent(context.system, 'child_restarted', 'inner');
  inner.kill('boom');
  await back;
  const again = names.whereis('jobs') as SupervisorRef | undefined;
  assert.ok(again?.alive);
  assert.is.not(again, inner);
  assert.is(again, nestedSupervisor(root, 'inner'));
  await root.stop();
  assert.is(names.whereis('jobs'), undefined, 'the entry goes with the supervisor');
});

nesting('supervisorSpec names the nested supervisor by its id unless told otherwise', async (context) => {
  const root = await startKept(context, {
    name: 'root',
    children: [supervisorSpec('inner', { children: [workerSpec('w')] }), supervisorSpec('other', { name: 'renamed' })],
  });
  assert.is(nestedSupervisor(root, 'inner').name, 'inner');
  assert.is(nestedSupervisor(root, 'other').name, 'renamed');
});

nesting.run();
