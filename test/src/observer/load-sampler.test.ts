/**
 * The load sampler's ring: one sample a second on the runtime clock, the latest `capacity` kept,
 * oldest first, each field as measured (a round that never completed is null), in a ring allocated
 * once so the heap does not grow while it fills.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type ActorSystem, createActorSystem, ManualClock } from '../../../index.ts';
import { TickBus, type TickDelivery } from '../../../src/domain/tick-bus.ts';
import { TICK_TOPIC } from '../../../src/events.ts';
import { LoadSampler } from '../../../src/observer/load-sampler.ts';

const Load = suite<{ clock: ManualClock; system: ActorSystem; tickBus: TickBus; sampler?: LoadSampler }>('load sampler', {} as never);

Load.before.each((context) => {
  context.clock = new ManualClock();
  context.system = createActorSystem({ clock: context.clock });
  context.tickBus = new TickBus();
  context.sampler = undefined;
});

Load.after.each((context) => {
  context.sampler?.close();
  context.system.stop();
});

/** Emits tick `tick` as the generator does: on the pubsub, then to the domains through the bus. */
function tick(context: { system: ActorSystem; tickBus: TickBus }, tick: number, lateMs = 0): TickDelivery | undefined {
  context.system.pubsub.publish(TICK_TOPIC, { type: 'tick', tick, at: 0, time: '', activeDomains: 1, lateMs });
  let delivery: TickDelivery | undefined;
  const off = context.tickBus.subscribe({
    deliver(d) {
      d.round.join();
      delivery = d;
    },
  });
  context.tickBus.publish({ type: 'tick', tick, at: 0, time: '', activeDomains: 1, lateMs });
  off();
  return delivery;
}

Load('keeps the latest capacity samples, oldest first, once the ring has wrapped', (context) => {
  const { clock, system, tickBus } = context;
  const sampler = new LoadSampler({ system, tickBus, capacity: 3 });
  context.sampler = sampler;
  // The first sample is taken at start, before any tick.
  assert.equal(
    sampler.samples().map((s) => s.tick),
    [0],
  );
  for (let second = 1; second <= 7; second += 1) {
    tick(context, second)?.round.leave();
    clock.advance(1000);
  }
  const samples = sampler.samples();
  assert.equal(
    samples.map((s) => s.tick),
    [5, 6, 7],
  );
  assert.equal(
    samples.map((s) => s.at),
    [5000, 6000, 7000].map((ms) => Date.UTC(2026, 0, 1) + ms),
  );
  assert.equal(
    sampler.samples(Date.UTC(2026, 0, 1) + 5000).map((s) => s.tick),
    [6, 7],
  );
  assert.is(sampler.interval, 1000);
});

Load('records each field of a sample, and null for a round that did not complete', (context) => {
  const { clock, system, tickBus } = context;
  const sampler = new LoadSampler({ system, tickBus, capacity: 4 });
  context.sampler = sampler;
  // Second 1: two ticks, the second 2.5 ms late; its round takes 12.25 ms.
  tick(context, 1, 1)?.round.leave();
  const slow = tick(context, 2, 2.5);
  clock.advance(12.25);
  slow?.round.leave();
  clock.advance(1000 - 12.25);
  // Second 2: a tick whose round is still open when the sample is taken.
  const open = tick(context, 3, 0.5);
  clock.advance(1000);
  open?.round.leave();
  const [start, first, second] = sampler.samples();
  assert.is(start?.roundMs, null);
  assert.is(first?.tick, 2);
  assert.is(first?.lateMs, 2.5);
  assert.is(first?.roundMs, 12.25);
  // Two events (the two ticks on the pubsub; the bus is not the pubsub) in one second.
  assert.is(first?.eventsPerSec, 2);
  assert.is(first?.restartsPerSec, 0);
  assert.ok((first?.heapMb ?? 0) > 0, 'heap');
  assert.ok((first?.rssMb ?? 0) >= (first?.heapMb ?? 0), 'RSS');
  assert.ok((first?.loopDelayMs ?? -1) >= 0, 'loop delay');
  assert.is(second?.tick, 3);
  assert.is(second?.lateMs, 0.5);
  assert.is(second?.roundMs, null);
});

Load('refuses a capacity that is not a positive integer, naming it', (context) => {
  for (const capacity of [0, -1, 1.5, Number.NaN]) {
    assert.throws(
      () => new LoadSampler({ system: context.system, capacity }),
      (error: Error) => error instanceof RangeError && error.message.includes(`got ${capacity}`),
    );
  }
});

Load.run();
