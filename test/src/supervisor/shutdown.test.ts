import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnActor } from '../../../src/actor/index.ts';
import { shutdownChild, supervisorSpec, validateChildSpecs } from '../../../src/supervisor/index.ts';
import {
  bounded,
  childRef,
  emptyContext,
  exitOf,
  type KernelContext,
  later,
  setUp,
  startKept,
  tearDown,
  workerBehaviour,
  workerSpec,
} from './helpers.ts';

const values = suite<KernelContext>('shutdown values', emptyContext());
values.before.each(setUp);
values.after.each(tearDown);

values('brutal_kill kills the child at once without calling terminate', async (context) => {
  const sup = await startKept(context, { name: 'app', children: [workerSpec('a', { shutdown: 'brutal_kill', log: context.log })] });
  context.log.length = 0;
  const a = childRef(sup, 'a');
  await sup.terminateChild('a');
  assert.not.ok(a.alive);
  assert.equal(context.log, []);
  assert.is(context.events.find((event) => event.type === 'child_exited')?.reason, 'killed');
});

values('a timeout gives the child exactly that many ms of clock time to stop, then kills it', async (context) => {
  let terminating!: () => void;
  const inTerminate = new Promise<void>((resolve) => (terminating = resolve));
  const sup = await startKept(context, {
    name: 'app',
    children: [workerSpec('a', { shutdown: 100, terminateHangs: true, onTerminate: () => terminating() })],
  });
  const a = childRef(sup, 'a');
  const terminated = later(bounded(sup.terminateChild('a'), 'terminateChild'));
  await bounded(inTerminate, 'terminate');
  context.clock.advance(99);
  assert.ok(a.alive, 'still alive 1 ms before the deadline');
  context.clock.advance(1);
  assert.not.ok(a.alive, 'killed at the deadline');
  await terminated;
  assert.is((await exitOf(a)).reason, 'killed');
  assert.is(context.events.find((event) => event.type === 'child_exited')?.reason, 'killed');
});

values('a supervisor killed while a child is in its graceful shutdown takes that child with it', async (context) => {
  let terminating!: () => void;
  const inTerminate = new Promise<void>((resolve) => (terminating = resolve));
  const sup = await startKept(context, {
    name: 'app',
    strategy: 'one_for_all',
    children: [workerSpec('a', { shutdown: 'infinity', terminateHangs: true, onTerminate: () => terminating() }), workerSpec('b')],
  });
  const a = childRef(sup, 'a');
  const b = childRef(sup, 'b');
  b.cast({ type: 'crash', reason: new Error('b crashed') }); // one_for_all: a is asked to stop
  await bounded(inTerminate, 'a in terminate');
  sup.kill('operator');
  assert.not.ok(sup.alive);
  assert.not.ok(a.alive, 'the child being shut down died with its supervisor');
  assert.is((await exitOf(a)).reason, 'killed');
});

values('a worker gets 5000 ms by default', async (context) => {
  let terminating!: () => void;
  const inTerminate = new Promise<void>((resolve) => (terminating = resolve));
  const sup = await startKept(context, {
    name: 'app',
    children: [workerSpec('a', { terminateHangs: true, onTerminate: () => terminating() })],
  });
  const a = childRef(sup, 'a');
  const terminated = later(bounded(sup.terminateChild('a'), 'terminateChild'));
  await bounded(inTerminate, 'terminate');
  context.clock.advance(4999);
  assert.ok(a.alive);
  context.clock.advance(1);
  assert.not.ok(a.alive);
  await terminated;
});

values('a child that stops in time exits with shutdown and leaves no timer behind', async (context) => {
  const sup = await startKept(context, { name: 'app', children: [workerSpec('a', { shutdown: 100, terminateTurns: 5 })] });
  const a = childRef(sup, 'a');
  await sup.terminateChild('a');
  assert.is((await exitOf(a)).reason, 'shutdown');
  assert.is(context.clock.pendingTimers(), 0);
});

values('infinity waits as long as terminate takes', async (context) => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let terminating!: () => void;
  const inTerminate = new Promise<void>((resolve) => (terminating = resolve));
  const sup = await startKept(context, {
    name: 'app',
    children: [workerSpec('a', { shutdown: 'infinity', terminateGate: gate, onTerminate: () => terminating() })],
  });
  const a = childRef(sup, 'a');
  const terminated = later(bounded(sup.terminateChild('a'), 'terminateChild'));
  await bounded(inTerminate, 'terminate');
  context.clock.advance(24 * 3600 * 1000);
  assert.ok(a.alive, 'a day later, still stopping');
  assert.is(context.clock.pendingTimers(), 0, 'no kill timer was set');
  release();
  await terminated;
  assert.is((await exitOf(a)).reason, 'shutdown');
});

values('a supervisor child defaults to infinity, a worker to 5000', () => {
  const start = () => Promise.reject(new Error('unused'));
  const [worker, sup, nested] = validateChildSpecs([
    { id: 'w', start },
    { id: 's', start, type: 'supervisor' },
    supervisorSpec('n', { children: [] }),
  ]);
  assert.is(worker?.shutdown, 5000);
  assert.is(sup?.shutdown, 'infinity');
  assert.is(nested?.shutdown, 'infinity');
  assert.is(nested?.type, 'supervisor');
});

values('shutdownChild asks, waits, then kills, on the given clock', async (context) => {
  let terminating!: () => void;
  const inTerminate = new Promise<void>((resolve) => (terminating = resolve));
  const ref = await spawnActor(context.system, workerBehaviour('w', { terminateHangs: true, onTerminate: () => terminating() }), undefined);
  const exited = later(bounded(shutdownChild(ref, 10, context.clock), 'shutdownChild'));
  await bounded(inTerminate, 'terminate');
  context.clock.advance(10);
  assert.is((await exited).reason, 'killed');
});

values.run();
