/**
 * The tick generator on a ManualClock: deadlines from a fixed origin (no drift), lateness
 * reported, missed deadlines skipped (no burst), manual ticks, and its telemetry.
 *
 * The generator handles its timer through its mailbox: `clock.advance()` fires the timer, which
 * queues a message, so each test awaits the `tick` event rather than reading state at once.
 */
import diagnostics from 'node:diagnostics_channel';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineDomain, type Runtime } from '../../index.ts';
import type { TickEvent } from '../../src/events.ts';
import { boot, emptyContext, nextEvent, type RuntimeContext, setUp, tearDown, tick } from '../src/runtime/helpers.ts';

/** Advances the clock by `ms` and resolves with the tick that advance caused. */
async function advanceToTick(context: RuntimeContext, runtime: Runtime, ms: number): Promise<TickEvent> {
  const next = nextEvent<TickEvent>(runtime, (event) => event.type === 'tick', `a tick after advancing ${ms} ms`);
  context.clock.advance(ms);
  return next;
}

function ticksOf(context: RuntimeContext): TickEvent[] {
  return context.events.filter((event): event is TickEvent => event.type === 'tick');
}

const schedule = suite<RuntimeContext>('tick generator: schedule', emptyContext());
schedule.before.each(setUp);
schedule.after.each(tearDown);

schedule('fires at exact multiples of the interval from the start', async (context) => {
  const runtime = await boot(context, { tickInterval: 1000 });
  context.clock.advance(999);
  assert.equal(ticksOf(context), [], 'nothing is due before 1000 ms');
  const first = await advanceToTick(context, runtime, 1);
  const second = await advanceToTick(context, runtime, 1000);
  const third = await advanceToTick(context, runtime, 1000);
  assert.equal(
    [first, second, third].map((event) => [event.tick, event.at, event.lateMs]),
    [
      [1, 1000, 0],
      [2, 2000, 0],
      [3, 3000, 0],
    ],
  );
});

schedule('the origin is the runtime start, not the first advance', async (context) => {
  context.clock.advance(123);
  const runtime = await boot(context, { tickInterval: 250 });
  context.clock.advance(249);
  assert.equal(ticksOf(context), []);
  const first = await advanceToTick(context, runtime, 1);
  assert.equal([first.tick, first.at, first.lateMs], [1, 250, 0]);
});

schedule('a late firing reports lateMs and skips the missed deadlines instead of bursting', async (context) => {
  const runtime = await boot(context, { tickInterval: 1000 });
  const telemetry: Array<Record<string, unknown>> = [];
  const listener = (message: unknown): void => void telemetry.push(message as Record<string, unknown>);
  diagnostics.subscribe('thunderline:tick', listener);
  try {
    // The 1000 ms timer fires during the advance, but its handler only runs once time is at 2500:
    // deadline 2000 is the latest that has passed, 1000 is skipped, and the tick is 500 ms late.
    const late = await advanceToTick(context, runtime, 2500);
    assert.equal([late.tick, late.at, late.lateMs], [1, 2500, 500]);
    // A manual tick goes through the generator's mailbox after anything it had queued: a burst
    // of catch-up ticks would show up before it.
    await tick(runtime);
    assert.equal(
      ticksOf(context).map((event) => [event.tick, event.lateMs]),
      [
        [1, 500],
        [2, 0],
      ],
    );
    // The next deadline is still on the grid: 3000, not 2500 + 1000.
    context.clock.advance(499);
    assert.is(ticksOf(context).length, 2);
    const back = await advanceToTick(context, runtime, 1);
    assert.equal([back.tick, back.at, back.lateMs], [3, 3000, 0]);
  } finally {
    diagnostics.unsubscribe('thunderline:tick', listener);
  }
  assert.equal(
    telemetry.map((message) => [message.count, message.lateMs, message.missedDeadlines]),
    [
      [1, 500, 1],
      [2, 0, 1],
      [3, 0, 1],
    ],
  );
});

schedule('no cumulative drift: late handling never pushes later deadlines', async (context) => {
  const runtime = await boot(context, { tickInterval: 1000 });
  // Each tick is handled `jitter` ms after its deadline; a generator that rescheduled "interval
  // from now" would drift by the sum of them (here 300 ms over 60 ticks).
  let now = 0;
  for (let index = 1; index <= 60; index += 1) {
    const jitter = (index * 7) % 11;
    const deadline = index * 1000;
    const event = await advanceToTick(context, runtime, deadline + jitter - now);
    now = deadline + jitter;
    assert.equal([event.tick, event.at, event.lateMs], [index, deadline + jitter, jitter], `tick ${index}`);
  }
  // The 61st deadline is exactly 61 000 ms from the origin.
  context.clock.advance(61_000 - now - 1);
  assert.is(ticksOf(context).length, 60);
  const last = await advanceToTick(context, runtime, 1);
  assert.equal([last.tick, last.at, last.lateMs], [61, 61_000, 0]);
});

schedule('ticks carry the number of active domains from the registry', async (context) => {
  const runtime = await boot(context, { tickInterval: 1000, domains: [defineDomain({ name: 'a' }), defineDomain({ name: 'b' })] });
  const activated = nextEvent(
    runtime,
    (event) => event.type === 'domain_activated' && 'domain' in event && event.domain === 'b',
    'b activated',
  );
  const first = await advanceToTick(context, runtime, 1000);
  await activated;
  const second = await advanceToTick(context, runtime, 1000);
  assert.equal([first.activeDomains, second.activeDomains], [0, 2]);
});

schedule.run();

// ---

const manual = suite<RuntimeContext>('tick generator: manual mode', emptyContext());
manual.before.each(setUp);
manual.after.each(tearDown);

manual('never ticks on its own; runtime.tick() numbers ticks 1, 2, 3', async (context) => {
  const runtime = await boot(context, { tickInterval: 'manual' });
  assert.is(runtime.tickInterval, 'manual');
  assert.is(context.clock.pendingTimers(), 0, 'no timer is scheduled');
  context.clock.advance(3_600_000);
  assert.equal(ticksOf(context), []);
  assert.equal([await tick(runtime), await tick(runtime), await tick(runtime)], [1, 2, 3]);
  assert.equal(
    ticksOf(context).map((event) => [event.tick, event.at, event.lateMs]),
    [
      [1, 3_600_000, 0],
      [2, 3_600_000, 0],
      [3, 3_600_000, 0],
    ],
  );
});

manual('runtime.tick() resolves only once every domain has handled the tick', async (context) => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const slow = defineDomain({
    name: 'slow',
    async activate(_tick, meta) {
      meta.publish('activating');
      await gate;
    },
  });
  const runtime = await boot(context, { domains: [slow, defineDomain({ name: 'fast' })] });
  const activating = nextEvent(runtime, (event) => event.type === 'custom:slow.activating', 'slow activating');
  let resolved = false;
  const ticked = tick(runtime).then((value) => {
    resolved = true;
    return value;
  });
  await activating;
  assert.is(resolved, false, 'tick() waits for the slow domain');
  assert.is(runtime.registry.domainStatus('slow')?.status, 'waiting');
  release();
  assert.is(await ticked, 1);
  assert.equal(runtime.registry.activeDomains().sort(), ['fast', 'slow']);
});

manual('works in timed mode too, between scheduled ticks, without moving the schedule', async (context) => {
  const runtime = await boot(context, { tickInterval: 1000 });
  context.clock.advance(400);
  assert.is(await tick(runtime), 1);
  const scheduled = await advanceToTick(context, runtime, 600);
  assert.equal([scheduled.tick, scheduled.at, scheduled.lateMs], [2, 1000, 0]);
});

manual.run();
