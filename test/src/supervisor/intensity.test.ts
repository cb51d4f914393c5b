import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hasCode } from '../../../src/errors.ts';
import { DEFAULT_MAX_RESTARTS, DEFAULT_MAX_SECONDS, RestartIntensity } from '../../../src/supervisor/index.ts';
import {
  childrenOf,
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

const defaults = suite<KernelContext>('restart intensity: defaults', emptyContext());
defaults.before.each(setUp);
defaults.after.each(tearDown);

defaults('defaults to 3 restarts in 5 seconds, the Elixir defaults', async (context) => {
  assert.is(DEFAULT_MAX_RESTARTS, 3);
  assert.is(DEFAULT_MAX_SECONDS, 5);
  const sup = await startKept(context, { name: 'app', children: [workerSpec('a')] });
  assert.equal(sup.restartBudget(), { restarts: 0, maxRestarts: 3, maxSeconds: 5 });
});

defaults('escalates on one restart more than maxRestarts within maxSeconds', async (context) => {
  const sup = await startKept(context, { name: 'app', maxRestarts: 1, maxSeconds: 2, children: [workerSpec('a')] });
  await crashAndAwaitRestart(context, sup, 'a');
  context.clock.advance(1999);
  crashChild(sup, 'a');
  const signal = await exitOf(sup);
  assert.ok(hasCode(signal.reason, 'ERR_RESTART_INTENSITY'));
  assert.is(
    (signal.reason as Error).message,
    'supervisor "app" gave up: 2 restarts within 2 s exceed maxRestarts 1; last exit: child "a": a crashed',
  );
});

defaults('maxRestarts 0 escalates on the first crash', async (context) => {
  const sup = await startKept(context, { name: 'app', maxRestarts: 0, children: [workerSpec('a')] });
  crashChild(sup, 'a');
  const signal = await exitOf(sup);
  assert.ok(hasCode(signal.reason, 'ERR_RESTART_INTENSITY'));
  assert.equal(childrenOf(context.events, 'child_restarted'), []);
});

// ---

const window = suite<KernelContext>('restart intensity: a sliding window', emptyContext());
window.before.each(setUp);
window.after.each(tearDown);

window('crashes spaced more than maxSeconds apart never escalate', async (context) => {
  const sup = await startKept(context, { name: 'app', maxRestarts: 1, maxSeconds: 5, children: [workerSpec('a')] });
  for (let crash = 1; crash <= 6; crash += 1) {
    await crashAndAwaitRestart(context, sup, 'a');
    context.clock.advance(5001);
  }
  assert.ok(sup.alive);
  assert.equal(childrenOf(context.events, 'child_restarted').length, 6);
  assert.equal(childrenOf(context.events, 'supervisor_escalated'), []);
});

window('a steady crash every 2 s stays within 3 in 5 s for ever', async (context) => {
  const sup = await startKept(context, { name: 'app', children: [workerSpec('a')] });
  for (let crash = 1; crash <= 8; crash += 1) {
    await crashAndAwaitRestart(context, sup, 'a');
    assert.ok(sup.restartBudget().restarts <= 3);
    context.clock.advance(2000);
  }
  assert.ok(sup.alive);
});

window('counts the restarts of the last maxSeconds, not of a fixed bucket', async (context) => {
  // Crashes at 0, 3000, 4000, 5500, 6000 ms: a bucket reset at 5000 would hold 2, the window holds 4.
  const sup = await startKept(context, { name: 'app', children: [workerSpec('a')] });
  const at = [0, 3000, 4000, 5500];
  let now = 0;
  for (const ms of at) {
    context.clock.advance(ms - now);
    now = ms;
    await crashAndAwaitRestart(context, sup, 'a');
  }
  assert.equal(sup.restartBudget().restarts, 3, 'the crash at 0 left the window at 5000');
  context.clock.advance(500);
  crashChild(sup, 'a');
  const signal = await exitOf(sup);
  assert.ok(hasCode(signal.reason, 'ERR_RESTART_INTENSITY'));
});

window('restartBudget reflects the restarts in the window and forgets them after maxSeconds', async (context) => {
  const sup = await startKept(context, { name: 'app', children: [workerSpec('a'), workerSpec('b')] });
  await crashAndAwaitRestart(context, sup, 'a');
  context.clock.advance(1000);
  await crashAndAwaitRestart(context, sup, 'b');
  assert.equal(sup.restartBudget(), { restarts: 2, maxRestarts: 3, maxSeconds: 5 });
  context.clock.advance(3999);
  assert.equal(sup.restartBudget().restarts, 2);
  context.clock.advance(1);
  assert.equal(sup.restartBudget().restarts, 1);
  context.clock.advance(1000);
  assert.equal(sup.restartBudget().restarts, 0);
});

window('events carry the restarts in the window', async (context) => {
  const sup = await startKept(context, { name: 'app', children: [workerSpec('a')] });
  await crashAndAwaitRestart(context, sup, 'a');
  await crashAndAwaitRestart(context, sup, 'a');
  assert.equal(
    context.events.filter((event) => event.type === 'child_restarted').map((event) => event.restarts),
    [1, 2],
  );
});

// ---

const unit = suite('RestartIntensity');

unit('keeps a restart for maxSeconds after it happened', () => {
  const intensity = new RestartIntensity(2, 1);
  assert.is(intensity.add(0), false);
  assert.is(intensity.add(500), false);
  assert.is(intensity.add(999), true);
  assert.is(intensity.count(999), 3);
  assert.is(intensity.count(1000), 2);
  assert.is(intensity.count(1500), 1);
  assert.is(intensity.count(1998), 1);
  assert.is(intensity.count(1999), 0);
});

defaults.run();
window.run();
unit.run();
