import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { SupervisorRef } from '../../../src/supervisor/index.ts';
import { RestartBackoff } from '../../../src/supervisor/index.ts';
import {
  barrier,
  crashChild,
  emptyContext,
  exitOf,
  type KernelContext,
  nextSupervisorEvent,
  setUp,
  startKept,
  tearDown,
  workerSpec,
} from './helpers.ts';

/**
 * Crashes `id` and checks on the ManualClock that the supervisor restarts it exactly `delayMs`
 * later: its backoff timer is still pending 1 ms before, fired at the deadline.
 */
async function assertRestartDelay(context: KernelContext, sup: SupervisorRef, id: string, delayMs: number): Promise<void> {
  const exited = nextSupervisorEvent(context.system, 'child_exited', id);
  crashChild(sup, id);
  await exited;
  assert.is(sup.whichChildren().find((child) => child.id === id)?.status, 'restarting');
  const restarted = nextSupervisorEvent(context.system, 'child_restarted', id);
  context.clock.advance(delayMs - 1);
  assert.is(context.clock.pendingTimers(), 1, `no restart before ${delayMs} ms`);
  context.clock.advance(1);
  assert.is(context.clock.pendingTimers(), 0, `the restart is due at ${delayMs} ms`);
  await restarted;
}

const backoff = suite<KernelContext>('restart backoff', emptyContext());
backoff.before.each(setUp);
backoff.after.each(tearDown);

backoff('delays restarts, doubling from minMs up to maxMs while the child keeps crashing', async (context) => {
  const sup = await startKept(context, {
    name: 'app',
    maxRestarts: 100,
    maxSeconds: 60,
    backoff: { minMs: 100, maxMs: 800 },
    children: [workerSpec('a')],
  });
  for (const delayMs of [100, 200, 400, 800, 800, 800]) await assertRestartDelay(context, sup, 'a', delayMs);
});

backoff('goes back to minMs after a quiet period of (min+max)/2 since the last restart', async (context) => {
  const sup = await startKept(context, {
    name: 'app',
    maxRestarts: 100,
    maxSeconds: 60,
    backoff: { minMs: 100, maxMs: 800 },
    children: [workerSpec('a')],
  });
  for (const delayMs of [100, 200, 400]) await assertRestartDelay(context, sup, 'a', delayMs);
  context.clock.advance(450); // (100 + 800) / 2: not yet quiet long enough
  await assertRestartDelay(context, sup, 'a', 800);
  context.clock.advance(451);
  await assertRestartDelay(context, sup, 'a', 100);
});

backoff('delayed restarts still count against intensity', async (context) => {
  const sup = await startKept(context, { name: 'app', maxRestarts: 1, backoff: { minMs: 10, maxMs: 10 }, children: [workerSpec('a')] });
  await assertRestartDelay(context, sup, 'a', 10);
  crashChild(sup, 'a');
  const signal = await exitOf(sup);
  assert.is((signal.reason as { code?: string }).code, 'ERR_RESTART_INTENSITY');
});

backoff('a pending delayed restart dies with its supervisor: no message to a stopped supervisor', async (context) => {
  const sup = await startKept(context, { name: 'app', backoff: { minMs: 100, maxMs: 100 }, children: [workerSpec('a')] });
  const exited = nextSupervisorEvent(context.system, 'child_exited', 'a');
  crashChild(sup, 'a');
  await exited;
  await sup.stop();
  context.clock.advance(1000);
  assert.is(context.system.deadLetters, 0);
  assert.is(context.clock.pendingTimers(), 0);
});

backoff('a terminated child is not restarted when its delay ends', async (context) => {
  const sup = await startKept(context, { name: 'app', backoff: { minMs: 100, maxMs: 100 }, children: [workerSpec('a'), workerSpec('b')] });
  const exited = nextSupervisorEvent(context.system, 'child_exited', 'a');
  crashChild(sup, 'a');
  await exited;
  await sup.terminateChild('a');
  context.clock.advance(100);
  await sup.deleteChild('a');
  assert.equal(
    sup.whichChildren().map((child) => child.id),
    ['b'],
  );
});

backoff(
  'one_for_all: terminating the crashed child during the delay cancels the whole group restart; the siblings can be restarted or deleted',
  async (context) => {
    const sup = await startKept(context, {
      name: 'app',
      strategy: 'one_for_all',
      backoff: { minMs: 100, maxMs: 100 },
      children: [workerSpec('a'), workerSpec('b'), workerSpec('c')],
    });
    const aStopped = nextSupervisorEvent(context.system, 'child_exited', 'a');
    crashChild(sup, 'b');
    await aStopped;
    await barrier(sup); // the group is down: b crashed, c and a were stopped, the restart waits 100 ms
    const statuses = (): string[] => sup.whichChildren().map((child) => `${child.id}:${child.status}`);
    assert.equal(statuses(), ['a:terminated', 'b:restarting', 'c:terminated']);
    await sup.terminateChild('b');
    context.clock.advance(100);
    await sup.restartChild('a');
    await sup.deleteChild('c');
    assert.equal(statuses(), ['a:running', 'b:terminated']);
    assert.is(sup.countChildren().active, 1);
  },
);

backoff('a delay cancelled by terminateChild never restarts the child in a later restarting period', async (context) => {
  const sup = await startKept(context, {
    name: 'app',
    maxRestarts: 100,
    maxSeconds: 60,
    backoff: { minMs: 100, maxMs: 1000 },
    children: [workerSpec('a')],
  });
  const status = (): string | undefined => sup.whichChildren()[0]?.status;
  const crashed = nextSupervisorEvent(context.system, 'child_exited', 'a');
  crashChild(sup, 'a'); // restart due at t=100
  await crashed;
  await sup.terminateChild('a');
  context.clock.advance(50);
  await sup.restartChild('a');
  const again = nextSupervisorEvent(context.system, 'child_exited', 'a');
  crashChild(sup, 'a'); // its own delay: 200 ms, due at t=250
  await again;
  await barrier(sup);
  context.clock.advance(50); // t=100: the cancelled delay would have been due now
  await barrier(sup);
  assert.is(status(), 'restarting', 'not restarted by the cancelled delay');
  const restarted = nextSupervisorEvent(context.system, 'child_restarted', 'a');
  context.clock.advance(150); // t=250
  await restarted;
  assert.is(status(), 'running');
});

// ---

const unit = suite('RestartBackoff');

unit('spreads the delay by jitter around the base, within [0, maxMs]', () => {
  assert.is(new RestartBackoff(100, 400, 0.5, () => 1).delay(0), 150);
  assert.is(new RestartBackoff(100, 400, 0.5, () => 0).delay(0), 50);
  assert.is(new RestartBackoff(100, 400, 0.5, () => 0.5).delay(0), 100);
  assert.is(new RestartBackoff(400, 400, 1, () => 1).delay(0), 400);
});

unit('without jitter the sequence is min, 2·min, ... max while restarts follow each other', () => {
  const backoff = new RestartBackoff(10, 50, 0);
  let now = 0;
  const delays: number[] = [];
  for (let index = 0; index < 5; index += 1) {
    const delay = backoff.delay(now);
    delays.push(delay);
    now += delay; // the child crashes again as soon as it is back
  }
  assert.equal(delays, [10, 20, 40, 50, 50]);
});

backoff.run();
unit.run();
