/**
 * Benchmarks the `/events` stream: event deliveries/s across 100 WebSocket
 * clients, coalesced frames against a plain one-`send`-per-event loop in the same run; p99
 * publish-to-receipt at 1,000 events/s with 100 clients; server memory with one client that
 * never reads, over 100,000 events. Clients run in the same process and parse every frame.
 *
 * @example
 * node --import tsx bench/server.bench.ts      # prints a markdown table
 *
 * import { run } from './server.bench.ts';
 * console.log(await run());
 */
import { pathToFileURL } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import { type Runtime, startRuntime } from '../index.ts';
import type { EventServerOptions } from '../src/server/index.ts';

/** Options of {@link run}. */
export interface ServerBenchOptions {
  /** Viewers; default 100. */
  clients?: number;
  /** Events for the coalesced throughput run; default 20000. */
  coalescedEvents?: number;
  /** Events for the plain-loop run; default 4000. */
  plainEvents?: number;
  /** Seconds of the 1,000 events/s latency run; default 5. */
  latencySeconds?: number;
  /** Events for the never-reading-client memory run; default 100000. */
  memoryEvents?: number;
}

const tickEvent = (n: number, sentAt = 0) => ({
  type: 'custom:bench' as const,
  time: new Date().toISOString(),
  n,
  sentAt,
  payload: 'domain billing activated',
});

async function benchRuntime(server: EventServerOptions): Promise<Runtime> {
  return startRuntime({
    tickInterval: 'manual',
    database: ':memory:',
    server: { port: 0, ...server },
  });
}

function eventsUrl(runtime: Runtime): string {
  return `${(runtime.serverUrl ?? '').replace(/^http/, 'ws')}events?types=custom:*`;
}

async function connectAll(url: string, count: number, onEvent: (event: { n: number; sentAt: number }) => void): Promise<WebSocket[]> {
  return Promise.all(
    Array.from({ length: count }, () => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as unknown;
        if (Array.isArray(frame)) for (const event of frame) onEvent(event as { n: number; sentAt: number });
        else if ((frame as { type?: string }).type === 'custom:bench') onEvent(frame as { n: number; sentAt: number });
      });
      return new Promise<WebSocket>((resolve, reject) => {
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
    }),
  );
}

const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function waitUntil(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      if (check()) resolve();
      else if (performance.now() - started > timeoutMs) reject(new Error(`bench: timed out waiting for ${what}`));
      else setTimeout(poll, 1);
    };
    poll();
  });
}

/** Deliveries/s through the real server: coalesced frames, publisher yielding every 1000 events. */
async function coalescedThroughput(clients: number, events: number): Promise<number> {
  const runtime = await benchRuntime({ highWaterBytes: 256 * 1024 * 1024 });
  let received = 0;
  const sockets = await connectAll(eventsUrl(runtime), clients, () => {
    received += 1;
  });
  const started = performance.now();
  for (let n = 0; n < events; n += 1) {
    runtime.system.pubsub.publish('system:custom:bench', tickEvent(n));
    if (n % 1000 === 999) await yieldToIo();
  }
  await waitUntil(() => received >= events * clients, 'coalesced deliveries');
  const seconds = (performance.now() - started) / 1000;
  for (const ws of sockets) ws.terminate();
  await runtime.stop();
  return (events * clients) / seconds;
}

/** Deliveries/s of a plain loop: one `JSON.stringify` + `ws.send` per event per client. */
async function plainThroughput(clients: number, events: number): Promise<number> {
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    perMessageDeflate: false,
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const peers: WebSocket[] = [];
  server.on('connection', (ws) => peers.push(ws));
  let received = 0;
  const sockets = await connectAll(`ws://127.0.0.1:${port}/`, clients, () => {
    received += 1;
  });
  await waitUntil(() => peers.length === clients, 'plain peers');
  const started = performance.now();
  for (let n = 0; n < events; n += 1) {
    const event = { seq: n + 1, ...tickEvent(n) };
    for (const peer of peers) peer.send(JSON.stringify(event));
    if (n % 100 === 99) await yieldToIo();
  }
  await waitUntil(() => received >= events * clients, 'plain deliveries', 60_000);
  const seconds = (performance.now() - started) / 1000;
  for (const ws of sockets) ws.terminate();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return (events * clients) / seconds;
}

/** p50/p99 publish-to-receipt, ms, at `rate` events/s to `clients` viewers. */
async function latency(clients: number, seconds: number, rate = 1000): Promise<{ p50: number; p99: number; max: number; samples: number }> {
  const runtime = await benchRuntime({});
  const samples = new Float64Array(rate * seconds * clients);
  let sampleCount = 0;
  const warmup = rate; // the first second warms the JIT and is not counted
  let receipts = 0;
  const sockets = await connectAll(eventsUrl(runtime), clients, (event) => {
    receipts += 1;
    if (event.n >= warmup && sampleCount < samples.length) samples[sampleCount++] = performance.now() - event.sentAt;
  });
  const total = rate * seconds + warmup;
  const started = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
      while (sent < due) {
        runtime.system.pubsub.publish('system:custom:bench', tickEvent(sent, performance.now()));
        sent += 1;
      }
      if (sent >= total) resolve();
      else setTimeout(pump, 1);
    };
    pump();
  });
  await waitUntil(() => receipts >= total * clients, 'latency receipts');
  for (const ws of sockets) ws.terminate();
  await runtime.stop();
  const sorted = samples.subarray(0, sampleCount).sort();
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return {
    p50: at(0.5),
    p99: at(0.99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    samples: sorted.length,
  };
}

async function metric(runtime: Runtime, name: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', runtime.serverUrl))).text();
  const line = text.split('\n').find((row) => row.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? Number.NaN);
}

function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Server memory with one client that never reads, over `events` events. */
async function neverReading(events: number): Promise<{
  heapDeltaMb: number;
  rssDeltaMb: number;
  maxBufferedKb: number;
  dropped: number;
}> {
  const runtime = await benchRuntime({});
  const [ws] = await connectAll(eventsUrl(runtime), 1, () => {});
  ws?.pause();
  // Warm the buffers, then measure from here.
  for (let n = 0; n < 5000; n += 1) runtime.system.pubsub.publish('system:custom:bench', tickEvent(n));
  await yieldToIo();
  collect();
  const before = process.memoryUsage();
  let maxBuffered = 0;
  for (let n = 0; n < events; n += 1) {
    runtime.system.pubsub.publish('system:custom:bench', tickEvent(n));
    if (n % 1000 === 999) {
      await yieldToIo();
      if (n % 20_000 === 19_999) maxBuffered = Math.max(maxBuffered, await metric(runtime, 'thunderline_ws_buffered_bytes'));
    }
  }
  await yieldToIo();
  maxBuffered = Math.max(maxBuffered, await metric(runtime, 'thunderline_ws_buffered_bytes'));
  const dropped = await metric(runtime, 'thunderline_ws_dropped_events_total');
  collect();
  const after = process.memoryUsage();
  ws?.terminate();
  await runtime.stop();
  return {
    heapDeltaMb: (after.heapUsed - before.heapUsed) / 1048576,
    rssDeltaMb: (after.rss - before.rss) / 1048576,
    maxBufferedKb: maxBuffered / 1024,
    dropped,
  };
}

const fmt = (value: number, digits = 0): string =>
  value.toLocaleString('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });

/** Runs every measurement and returns a markdown table. */
export async function run(options: ServerBenchOptions = {}): Promise<string> {
  const clients = options.clients ?? 100;
  const plain = await plainThroughput(clients, options.plainEvents ?? 4000);
  const coalesced = await coalescedThroughput(clients, options.coalescedEvents ?? 20_000);
  const lat = await latency(clients, options.latencySeconds ?? 5);
  const memory = await neverReading(options.memoryEvents ?? 100_000);
  const rows = [
    ['| measurement | result | target |', '| --- | --- | --- |'],
    [`| plain loop, one send per event per client (${clients} clients) | ${fmt(plain)} deliveries/s | baseline |`],
    [
      `| coalesced frames (${clients} clients) | ${fmt(coalesced)} deliveries/s (${fmt(coalesced / plain, 1)}× plain) | ≥ 1,000,000/s and ≥ 10× plain |`,
    ],
    [
      `| publish-to-receipt at 1,000 events/s, ${clients} clients (${fmt(lat.samples)} receipts) | p50 ${fmt(lat.p50, 1)} ms, p99 ${fmt(lat.p99, 1)} ms, max ${fmt(lat.max, 1)} ms | p99 ≤ 20 ms |`,
    ],
    [
      `| one never-reading client, ${fmt(options.memoryEvents ?? 100_000)} events | heap ${fmt(memory.heapDeltaMb, 1)} MB, rss ${fmt(memory.rssDeltaMb, 1)} MB, queued ≤ ${fmt(memory.maxBufferedKb)} KiB, ${fmt(memory.dropped)} dropped | bounded |`,
    ],
  ];
  return rows.flat().join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  console.log(await run());
  console.log(
    `\n(${((performance.now() - started) / 1000).toFixed(1)} s, node ${process.version}${(globalThis as { gc?: unknown }).gc ? ', --expose-gc' : ''})`,
  );
}
