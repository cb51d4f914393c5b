import diagnostics from 'node:diagnostics_channel';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  crashAndAwaitRestart,
  crashChild,
  emptyContext,
  exitOf,
  type KernelContext,
  setUp,
  startKept,
  tearDown,
  workerSpec,
} from './helpers.ts';

/** Collects what `thunderline:<name>` carries while `fn` runs. */
async function onChannel(name: string, fn: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const listener = (message: unknown): void => {
    seen.push(message);
  };
  diagnostics.subscribe(`thunderline:${name}`, listener);
  try {
    await fn();
  } finally {
    diagnostics.unsubscribe(`thunderline:${name}`, listener);
  }
  return seen;
}

const events = suite<KernelContext>('supervisor events', emptyContext());
events.before.each(setUp);
events.after.each(tearDown);

events('publishes every start, exit and restart on system:<type> with supervisor, child, time, reason and restarts', async (context) => {
  const topics: string[] = [];
  context.system.pubsub.subscribe('*', (_event, topic) => topics.push(topic));
  const sup = await startKept(context, { name: 'app', children: [workerSpec('a')] });
  context.clock.advance(1500);
  await crashAndAwaitRestart(context, sup, 'a');
  assert.equal(topics, ['system:child_started', 'system:child_exited', 'system:child_restarted']);
  assert.equal(context.events, [
    { type: 'child_started', supervisor: 'app', child: 'a', time: '2026-01-01T00:00:00.000Z', reason: 'start', restarts: 0 },
    { type: 'child_exited', supervisor: 'app', child: 'a', time: '2026-01-01T00:00:01.500Z', reason: 'a crashed', restarts: 0 },
    { type: 'child_restarted', supervisor: 'app', child: 'a', time: '2026-01-01T00:00:01.500Z', reason: 'restart', restarts: 1 },
  ]);
});

events('publishes supervisor_escalated with the intensity error as the reason', async (context) => {
  const sup = await startKept(context, { name: 'app', maxRestarts: 0, children: [workerSpec('a')] });
  crashChild(sup, 'a');
  await exitOf(sup);
  const escalated = context.events.find((event) => event.type === 'supervisor_escalated');
  assert.equal(escalated, {
    type: 'supervisor_escalated',
    supervisor: 'app',
    child: 'a',
    time: '2026-01-01T00:00:00.000Z',
    reason: 'ERR_RESTART_INTENSITY: supervisor "app" gave up: 1 restarts within 5 s exceed maxRestarts 0; last exit: child "a": a crashed',
    restarts: 1,
  });
});

// ---

const telemetry = suite<KernelContext>('telemetry on diagnostics_channel', emptyContext());
telemetry.before.each(setUp);
telemetry.after.each(tearDown);

telemetry('child_started, child_exited and child_restarted arrive on thunderline:<type>', async (context) => {
  const started = await onChannel('child_started', async () => {
    await startKept(context, { name: 'app', children: [workerSpec('a')] });
  });
  const [app] = context.supervisors;
  if (!app) throw new Error('the supervisor did not start');
  let exited: unknown[] = [];
  const restarted = await onChannel('child_restarted', async () => {
    exited = await onChannel('child_exited', () => crashAndAwaitRestart(context, app, 'a'));
  });
  assert.equal(started, [context.events[0]]);
  assert.equal(exited, [context.events[1]]);
  assert.equal(restarted, [context.events[2]]);
  assert.equal((restarted[0] as { child: string }).child, 'a');
});

telemetry('supervisor_escalated arrives on thunderline:supervisor_escalated', async (context) => {
  const sup = await startKept(context, { name: 'app', maxRestarts: 0, children: [workerSpec('a')] });
  const seen = await onChannel('supervisor_escalated', async () => {
    crashChild(sup, 'a');
    await exitOf(sup);
  });
  assert.is(seen.length, 1);
  assert.is((seen[0] as { supervisor: string }).supervisor, 'app');
});

events.run();
telemetry.run();
