import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { thunderflowDomain } from '../../actors/thunderflow/index.ts';
import { hasCode } from '../../src/errors.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { manualRuntime, ticks } from './helpers.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const buffer = suite<{ runtime: Runtime | undefined }>('thunderflow event buffer', { runtime: undefined });

buffer.after.each(async (context) => {
  await context.runtime?.stop();
  context.runtime = undefined;
});

buffer('keeps the latest events with a seq and a correlation id each', async (context) => {
  const thunderflow = thunderflowDomain();
  context.runtime = await manualRuntime([thunderflow]);
  await ticks(context.runtime, 3);
  const events = await thunderflow.latest();
  assert.equal(
    events.map((entry) => entry.seq),
    events.map((_, i) => i + 1),
  );
  assert.ok(events.every((entry) => UUID.test(entry.correlationId)));
  assert.is(new Set(events.map((entry) => entry.correlationId)).size, events.length);
  assert.equal(
    events.filter((entry) => entry.event.type === 'tick').map((entry) => (entry.event as { tick: number }).tick),
    [2, 3],
  );
  assert.equal(
    (await thunderflow.since(events.length - 1)).map((entry) => entry.seq),
    [events.length],
  );
});

buffer('keeps a correlation id the event already carries', async (context) => {
  const thunderflow = thunderflowDomain();
  context.runtime = await manualRuntime([thunderflow]);
  await context.runtime.tick();
  context.runtime.system.pubsub.publish('system:custom:x.y', { type: 'custom:x.y', time: '', correlationId: 'abc' });
  const [last] = await thunderflow.latest(1);
  assert.is(last?.correlationId, 'abc');
  assert.is(last?.topic, 'system:custom:x.y');
});

buffer('is bounded: the oldest events drop out of a full ring', async (context) => {
  const thunderflow = thunderflowDomain({ capacity: 5 });
  context.runtime = await manualRuntime([thunderflow]);
  await context.runtime.tick();
  for (let i = 1; i <= 12; i += 1) context.runtime.system.pubsub.publish('system:custom:x.n', { type: 'custom:x.n', time: '', n: i });
  const events = await thunderflow.latest();
  assert.equal(
    events.map((entry) => (entry.event as { n?: number }).n),
    [8, 9, 10, 11, 12],
  );
  const stats = await thunderflow.stats();
  assert.equal(
    { capacity: stats.capacity, size: stats.size, dropped: stats.dropped },
    { capacity: 5, size: 5, dropped: stats.lastSeq - 5 },
  );
  assert.ok(stats.lastSeq >= 12);
  const last = stats.lastSeq;
  assert.equal(
    events.map((entry) => entry.seq),
    [last - 4, last - 3, last - 2, last - 1, last],
  );
  assert.equal(
    (await thunderflow.latest(2)).map((entry) => entry.seq),
    [last - 1, last],
  );
});

buffer('refuses a capacity below 1', () => {
  try {
    thunderflowDomain({ capacity: 0 });
    assert.unreachable('accepted capacity 0');
  } catch (error) {
    assert.ok(hasCode(error, 'ERR_INVALID_OPTION'));
    assert.is((error as Error).message, 'thunderflow: capacity must be an integer >= 1, got 0');
  }
});

buffer.run();
