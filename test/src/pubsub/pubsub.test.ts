import diagnostics from 'node:diagnostics_channel';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ALL_TOPICS, PubSub } from '../../../src/pubsub/index.ts';

type Event = { type: string; n?: number; reason?: string; topic?: string; time?: string };

const WALL = Date.UTC(2026, 0, 1);

interface PubSubContext {
  pubsub: PubSub<Event>;
}

const delivery = suite<PubSubContext>('pubsub delivery', { pubsub: new PubSub<Event>() });
delivery.before.each((context) => {
  context.pubsub = new PubSub<Event>(() => WALL);
});

delivery('every subscriber gets every event of its topic in publish order', (context) => {
  const first: number[] = [];
  const second: number[] = [];
  context.pubsub.subscribe('t', (event) => first.push(event.n ?? -1));
  context.pubsub.subscribe('t', (event) => second.push(event.n ?? -1));
  context.pubsub.subscribe('other', () => first.push(-1));
  for (let n = 1; n <= 5; n += 1) context.pubsub.publish('t', { type: 'x', n });
  assert.equal(first, [1, 2, 3, 4, 5]);
  assert.equal(second, [1, 2, 3, 4, 5]);
});

delivery('delivers synchronously, before publish returns', (context) => {
  const seen: number[] = [];
  context.pubsub.subscribe('t', (event) => seen.push(event.n ?? -1));
  context.pubsub.publish('t', { type: 'x', n: 1 });
  assert.equal(seen, [1]);
});

delivery('the * topic receives every topic, with the topic, after its direct subscribers', (context) => {
  const seen: string[] = [];
  context.pubsub.subscribe(ALL_TOPICS, (event, topic) => seen.push(`all:${topic}:${event.n}`));
  context.pubsub.subscribe('a', (event, topic) => seen.push(`direct:${topic}:${event.n}`));
  context.pubsub.publish('a', { type: 'x', n: 1 });
  context.pubsub.publish('b', { type: 'x', n: 2 });
  assert.equal(seen, ['direct:a:1', 'all:a:1', 'all:b:2']);
});

delivery('unsubscribing stops delivery', (context) => {
  const seen: number[] = [];
  const off = context.pubsub.subscribe('t', (event) => seen.push(event.n ?? -1));
  context.pubsub.publish('t', { type: 'x', n: 1 });
  off();
  context.pubsub.publish('t', { type: 'x', n: 2 });
  assert.equal(seen, [1]);
  assert.is(context.pubsub.subscriberCount('t'), 0);
});

// ---

const failures = suite<PubSubContext>('a failing subscriber', { pubsub: new PubSub<Event>() });
failures.before.each((context) => {
  context.pubsub = new PubSub<Event>(() => WALL);
});

failures('is detached and reported while the publisher and the other subscribers carry on', (context) => {
  const healthy: number[] = [];
  const reports: Event[] = [];
  let faultyCalls = 0;
  context.pubsub.subscribe('system:subscriber_failed', (event) => reports.push(event));
  context.pubsub.subscribe('t', () => {
    faultyCalls += 1;
    throw new Error('subscriber bug');
  });
  context.pubsub.subscribe('t', (event) => healthy.push(event.n ?? -1));
  assert.not.throws(() => context.pubsub.publish('t', { type: 'x', n: 1 }));
  context.pubsub.publish('t', { type: 'x', n: 2 });
  assert.is(faultyCalls, 1, 'detached after its first throw');
  assert.equal(healthy, [1, 2], 'the others got the same event and the next one');
  assert.is(context.pubsub.subscriberCount('t'), 1);
  assert.equal(reports, [{ type: 'subscriber_failed', topic: 't', reason: 'subscriber bug', time: '2026-01-01T00:00:00.000Z' }]);
});

failures('a * subscriber that throws is detached too', (context) => {
  const reports: Event[] = [];
  context.pubsub.subscribe(ALL_TOPICS, () => {
    throw new Error('bad wildcard');
  });
  context.pubsub.subscribe('system:subscriber_failed', (event) => reports.push(event));
  context.pubsub.publish('t', { type: 'x' });
  context.pubsub.publish('t', { type: 'x' });
  assert.equal(
    reports.map((report) => [report.topic, report.reason]),
    [['t', 'bad wildcard']],
  );
  assert.is(context.pubsub.subscriberCount(ALL_TOPICS), 0);
});

failures('a failing subscriber of the failure reports cannot loop', (context) => {
  let calls = 0;
  context.pubsub.subscribe('system:subscriber_failed', () => {
    calls += 1;
    throw new Error('reporter broke');
  });
  context.pubsub.subscribe('t', () => {
    throw new Error('first');
  });
  context.pubsub.publish('t', { type: 'x' });
  assert.is(calls, 1);
  assert.is(context.pubsub.subscriberCount('system:subscriber_failed'), 0);
});

failures('the report also goes to thunderline:subscriber_failed', (context) => {
  const seen: unknown[] = [];
  const listener = (message: unknown): void => {
    seen.push(message);
  };
  diagnostics.subscribe('thunderline:subscriber_failed', listener);
  try {
    context.pubsub.subscribe('t', () => {
      throw 'a string';
    });
    context.pubsub.publish('t', { type: 'x' });
  } finally {
    diagnostics.unsubscribe('thunderline:subscriber_failed', listener);
  }
  assert.equal(seen, [{ type: 'subscriber_failed', topic: 't', reason: 'a string', time: '2026-01-01T00:00:00.000Z' }]);
});

// --- bounds

const bounds = suite('pubsub bounds');

bounds('forgets a topic once its last listener unsubscribes, so 10,000 short-lived topics leave nothing behind', () => {
  const pubsub = new PubSub<Event>(() => WALL);
  const seen: string[] = [];
  const keep = pubsub.subscribe('kept', (event) => seen.push(event.type));
  for (let index = 0; index < 10_000; index += 1) {
    const offA = pubsub.subscribe(`topic-${index}`, () => {});
    const offB = pubsub.subscribe(`topic-${index}`, () => {});
    offA();
    assert.is(pubsub.subscriberCount(`topic-${index}`), 1);
    offB();
    offB();
  }
  // The topic table is internal; its size is the bound under test.
  assert.is((pubsub as unknown as { topics: Map<string, unknown> }).topics.size, 1);
  const again = pubsub.subscribe('topic-7', (event) => seen.push(`again:${event.type}`));
  pubsub.publish('topic-7', { type: 'ping' } as Event);
  pubsub.publish('kept', { type: 'pong' } as Event);
  assert.equal(seen, ['again:ping', 'pong']);
  again();
  keep();
});

delivery.run();
failures.run();
bounds.run();
