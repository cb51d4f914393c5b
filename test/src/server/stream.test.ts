import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Runtime } from '../../../index.ts';
import type { ManualClock } from '../../../src/clock.ts';
import { eventsUrl, get, isControl, startServerRuntime, WsProbe, within } from './helpers.ts';
import { checkSchema, loadSchemas, schemaNameForEvent } from './schema-check.ts';

interface Context {
  runtime: Runtime;
  clock: ManualClock;
  probes: WsProbe[];
}

const schemas = loadSchemas();

function assertSchema(name: string, value: unknown): void {
  const schema = schemas.get(name);
  assert.ok(schema, `docs/schemas/${name}.json exists`);
  const problems = schema ? checkSchema(schema, value) : [];
  assert.equal(problems, [], `${name}: ${JSON.stringify(value).slice(0, 200)}`);
}

async function open(context: Context, query = ''): Promise<WsProbe> {
  const probe = await WsProbe.open(eventsUrl(context.runtime, query));
  context.probes.push(probe);
  return probe;
}

function setUp(server = {}) {
  return async (context: Context) => {
    const { runtime, clock } = await startServerRuntime(server);
    context.runtime = runtime;
    context.clock = clock;
    context.probes = [];
  };
}

async function tearDown(context: Context): Promise<void> {
  for (const probe of context.probes) probe.close();
  await within(context.runtime.stop(), 'runtime stop');
}

// --- hello, seq and schemas

const Stream = suite<Context>('event stream', {} as Context);
Stream.before.each(setUp());
Stream.after.each(tearDown);

Stream('sends hello first: run, version, tick, domains and the supervision tree', async (context) => {
  const probe = await open(context);
  const hello = await probe.next<Record<string, unknown>>(() => true, 'first frame');
  assert.is(hello.type, 'hello');
  assertSchema('hello', hello);
  assert.is(hello.runId, context.runtime.runId);
  assert.is(hello.tick, 0);
  assert.equal(
    (hello.domains as Array<{ name: string; status: string }>).map((d) => [d.name, d.status]),
    [
      ['alpha', 'waiting'],
      ['beta', 'waiting'],
    ],
  );
  assert.is((hello.tree as { name: string }).name, 'application');
});

Stream('numbers every event with seq, in order, in frames that match the published schemas', async (context) => {
  const probe = await open(context, 'since=0');
  await probe.next(isControl('hello'), 'hello');
  await context.runtime.tick();
  context.runtime.kill('alpha', 'boom');
  await probe.waitForEvent((e) => e.type === 'domain_restarting' && e.domain === 'alpha', 'alpha restarting');
  await context.runtime.tick();
  await probe.waitForEvent((e) => e.type === 'tick' && e.tick === 2, 'tick 2');
  const events = probe.events();
  assert.equal(
    events.map((e) => e.seq),
    events.map((_, index) => index + 1),
    'seq 1, 2, 3, ... with no hole',
  );
  for (const event of events) assertSchema(schemaNameForEvent(event.type), event);
  const types = events.map((e) => e.type);
  assert.ok(types.includes('domain_crashed') && types.includes('child_restarted'));
  for (const frame of probe.frames) if (Array.isArray(frame)) assert.ok(frame.length >= 1, 'event frames are non-empty arrays');
});

Stream('a subscribe frame filters by exact type and by prefix', async (context) => {
  const probe = await open(context);
  await probe.next(isControl('hello'), 'hello');
  probe.ws.send(JSON.stringify({ type: 'subscribe', types: ['domain_*'] }));
  const ack = await probe.next(isControl('subscribed'), 'subscribed');
  assertSchema('subscribed', ack);
  assert.equal((ack as unknown as { types: string[] }).types, ['domain_*']);
  await context.runtime.tick();
  await probe.waitForEvent((e) => e.type === 'domain_activated' && e.domain === 'beta', 'beta activated');
  const types = new Set(probe.events().map((e) => e.type));
  assert.equal([...types], ['domain_activated']);
});

Stream('?types= sets the filter at connect time', async (context) => {
  const probe = await open(context, 'types=tick');
  await probe.next(isControl('hello'), 'hello');
  await context.runtime.tick();
  await context.runtime.tick();
  await probe.waitForEvent((e) => e.type === 'tick' && e.tick === 2, 'tick 2');
  assert.equal(new Set(probe.events().map((e) => e.type)).size, 1);
});

// --- bad frames

const BadFrames = suite<Context>('bad client frames', {} as Context);
BadFrames.before.each(setUp());
BadFrames.after.each(tearDown);

BadFrames('answers each bad frame with an error frame, and closes the third with 1008', async (context) => {
  const probe = await open(context);
  await probe.next(isControl('hello'), 'hello');
  probe.ws.send('not json');
  const first = await probe.next(isControl('error'), 'error frame');
  assertSchema('error', first);
  assert.is((first as unknown as { code: string }).code, 'bad_frame');
  probe.ws.send(JSON.stringify({ type: 'tick' }));
  const second = await probe.next(isControl('error'), 'second error frame');
  assert.is((second as unknown as { code: string }).code, 'unknown_frame_type');
  probe.ws.send(JSON.stringify({ type: 'subscribe', types: 'all' }));
  const third = await probe.next(isControl('error'), 'third error frame');
  assert.is((third as unknown as { code: string }).code, 'bad_subscription');
  const closed = await within(probe.closed, 'close');
  assert.is(closed.code, 1008);
});

BadFrames('closes with 1009 on a frame over 64 KiB', async (context) => {
  const probe = await open(context);
  await probe.next(isControl('hello'), 'hello');
  probe.ws.send(JSON.stringify({ type: 'subscribe', types: ['x'.repeat(70 * 1024)] }));
  const closed = await within(probe.closed, 'close');
  assert.is(closed.code, 1009);
});

BadFrames('nothing a client sends changes the runtime', async (context) => {
  const probe = await open(context);
  await probe.next(isControl('hello'), 'hello');
  probe.ws.send(JSON.stringify({ type: 'kill', domain: 'alpha' }));
  await probe.next(isControl('error'), 'error frame');
  assert.is(context.runtime.registry.domainStatus('alpha')?.restarts, 0);
  assert.is(context.runtime.currentTick(), 0);
});

// --- resume

const Resume = suite<Context>('resume with since', {} as Context);
Resume.before.each(setUp({ replayBufferSize: 8 }));
Resume.after.each(tearDown);

Resume('replays exactly the events missed while disconnected', async (context) => {
  const first = await open(context);
  const hello = await first.next<{ seq: number }>(isControl('hello'), 'hello');
  await context.runtime.tick();
  await first.waitForEvent((e) => e.type === 'domain_activated' && e.domain === 'beta', 'beta active');
  const lastSeen = Math.max(hello.seq, ...first.events().map((e) => e.seq));
  first.close();
  await first.closed;
  await context.runtime.tick(); // tick 2 happens while nobody listens
  const second = await open(context, `since=${lastSeen}`);
  const hello2 = await second.next<{ seq: number }>(isControl('hello'), 'hello');
  await second.waitForEvent((e) => e.type === 'tick' && e.tick === 2, 'replayed tick 2');
  const seqs = second.events().map((e) => e.seq);
  assert.equal(
    seqs,
    Array.from({ length: hello2.seq - lastSeen }, (_, i) => lastSeen + 1 + i),
  );
  assert.not.ok(second.frames.some(isControl('gap')));
});

Resume('sends a gap frame when the replay buffer no longer holds since', async (context) => {
  await context.runtime.tick();
  await context.runtime.tick();
  await context.runtime.tick();
  const probe = await open(context, 'since=1');
  const hello = await probe.next<{ seq: number; oldestSeq: number }>(isControl('hello'), 'hello');
  const gap = await probe.next<{
    missed: number;
    oldestSeq: number;
    reason: string;
  }>(isControl('gap'), 'gap');
  assertSchema('gap', gap);
  assert.is(gap.reason, 'evicted');
  assert.is(gap.oldestSeq, hello.oldestSeq);
  assert.is(gap.missed, hello.oldestSeq - 2);
  await probe.waitForEvent((e) => e.seq === hello.seq, 'replay up to hello.seq');
  assert.equal(probe.events().map((e) => e.seq)[0], hello.oldestSeq);
});

Resume('a since from another run gets a gap frame with missed: null', async (context) => {
  const probe = await open(context, 'since=999999');
  await probe.next(isControl('hello'), 'hello');
  const gap = await probe.next<{ missed: number | null; reason: string }>(isControl('gap'), 'gap');
  assert.is(gap.missed, null);
  assert.is(gap.reason, 'unknown_seq');
});

// --- slow consumers

const Slow = suite<Context>('slow consumers', {} as Context);
Slow.before.each(
  setUp({
    highWaterBytes: 64 * 1024,
    maxBatchEvents: 200,
    stallTimeoutMs: 10_000,
  }),
);
Slow.after.each(tearDown);

async function publishLoad(runtime: Runtime, count: number, from = 0): Promise<void> {
  const blob = 'x'.repeat(400);
  for (let index = 0; index < count; index += 1) {
    runtime.system.pubsub.publish('system:custom:load', {
      type: 'custom:load',
      time: new Date().toISOString(),
      n: from + index,
      blob,
    });
    if (index % 500 === 499) await new Promise((resolve) => setImmediate(resolve));
  }
}

async function metric(runtime: Runtime, name: string): Promise<number> {
  const text = await (await get(runtime, '/metrics')).text();
  const line = text.split('\n').find((row) => row.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? Number.NaN);
}

Slow('a client that never reads stays within its bound, then is told what it missed', async (context) => {
  const probe = await open(context, 'types=custom:*');
  await probe.next(isControl('hello'), 'hello');
  probe.ws.pause();
  await publishLoad(context.runtime, 20_000); // ~9 MB of events
  await new Promise((resolve) => setImmediate(resolve));
  const buffered = await metric(context.runtime, 'thunderline_ws_buffered_bytes');
  const dropped = await metric(context.runtime, 'thunderline_ws_dropped_events_total');
  assert.ok(buffered <= 64 * 1024 + 200 * 500, `queued bytes ${buffered} stay under the bound`);
  assert.ok(dropped > 0, `events were dropped (${dropped})`);
  probe.ws.resume();
  // Keep publishing until the drained client gets its dropped frame.
  const droppedFrame = probe.next(isControl('dropped'), 'dropped frame', 5000);
  let n = 20_000;
  while (!probe.frames.some(isControl('dropped')) && n < 40_000) {
    // Each round waits for the next frame: the client drains its backlog, and once it is empty
    // the server sends again, the dropped frame first. No sleeping, no guessing at drain time.
    const arrived = new Promise((resolve) => probe.ws.once('message', resolve));
    await publishLoad(context.runtime, 10, n);
    n += 10;
    await within(arrived, 'the next frame while draining');
  }
  const frame = (await droppedFrame) as unknown as {
    count: number;
    fromSeq: number;
    toSeq: number;
  };
  assertSchema('dropped', frame);
  // No silent holes: every load event was either received or counted in a dropped frame.
  const received = probe.events().filter((e) => e.type === 'custom:load').length;
  const droppedFrames = probe.frames.filter(isControl('dropped')) as unknown as Array<{ count: number }>;
  const accounted = received + droppedFrames.reduce((sum, f) => sum + f.count, 0);
  await probe.waitForEvent(() => true, 'any');
  assert.ok(accounted <= n && accounted >= 20_000, `received ${received} + dropped = ${accounted} of ${n}`);
});

Slow('a client behind for longer than stallTimeoutMs is closed with 1013', async (context) => {
  const probe = await open(context, 'types=custom:*');
  await probe.next(isControl('hello'), 'hello');
  probe.ws.pause();
  await publishLoad(context.runtime, 20_000);
  context.clock.advance(10_001);
  await publishLoad(context.runtime, 500, 20_000);
  await new Promise((resolve) => setImmediate(resolve));
  probe.ws.resume();
  const closed = await within(probe.closed, 'close 1013', 5000);
  assert.is(closed.code, 1013);
});

Stream.run();
BadFrames.run();
Resume.run();
Slow.run();
