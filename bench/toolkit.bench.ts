/**
 * Benchmarks the OTP toolkit (docs/toolkit.md) against its baseline in the same run: a `DOWN`
 * after a kill against a cast, `Registry` lookups against a plain `Map.get`, register + unregister
 * throughput, `DynamicSupervisor.startChild` against `spawnActor`, and `asyncStream` against a
 * hand-written pool of `Promise.all` batches. Prints a markdown table of medians and ratios.
 *
 * @example
 * node --expose-gc --import tsx bench/toolkit.bench.ts
 * npm run bench -- toolkit
 */
import { pathToFileURL } from 'node:url';
import {
  type ActorRef,
  type ActorSystem,
  type Behaviour,
  createActorSystem,
  type DownMessage,
  monitor,
  spawnActor,
} from '../src/actor/index.ts';
import { Registry } from '../src/registry/index.ts';
import { startDynamicSupervisor, startTaskSupervisor } from '../src/supervisor/index.ts';
import { fmt, int, median, nowNs, percentiles, repeat, verdict } from './stats.ts';

/** Options of {@link run}. */
export interface ToolkitBenchOptions {
  /** Measured repetitions per figure (after one warm-up). Default 5. */
  repetitions?: number;
  /** Samples per latency repetition. Default 2,000. */
  samples?: number;
}

type ProbeMsg = { type: 'ping' } | DownMessage;

/** Calls `received` for every message it gets: the moment a cast or a `DOWN` is handled. */
function probe(received: () => void): Behaviour<null, ProbeMsg> {
  return {
    name: 'probe',
    init: () => null,
    handle(state) {
      received();
      return state;
    },
  };
}

const idle: Behaviour<null, { type: 'noop' }> = { name: 'idle', init: () => null, handle: (state) => state };

/** A latency probe: each sample is µs from an action to the watcher's handler running. */
async function latencies(
  system: ActorSystem,
  samples: number,
  act: (watcher: ActorRef<ProbeMsg>) => Promise<() => void>,
): Promise<number[]> {
  let resolveReceived: () => void = () => undefined;
  const watcher = await spawnActor(
    system,
    probe(() => resolveReceived()),
    undefined,
  );
  const out: number[] = [];
  for (let index = 0; index < samples; index += 1) {
    const trigger = await act(watcher); // setup outside the timed region
    const received = new Promise<void>((resolve) => {
      resolveReceived = resolve;
    });
    const start = nowNs();
    trigger();
    await received;
    out.push(Number(nowNs() - start) / 1000);
  }
  await watcher.stop();
  return out;
}

/** p50 µs from `kill` to the watcher handling its `DOWN`, and from a cast to it being handled. */
async function downVersusCast(samples: number): Promise<{ down: number; cast: number }> {
  const system = createActorSystem();
  try {
    const down = await latencies(system, samples, async (watcher) => {
      const target = await spawnActor(system, idle, undefined);
      monitor(watcher, target);
      return () => target.kill('bench');
    });
    const cast = await latencies(system, samples, async (watcher) => () => watcher.cast({ type: 'ping' }));
    return { down: percentiles(down).p50, cast: percentiles(cast).p50 };
  } finally {
    system.stop();
  }
}

/** ns per `whereis` on a unique registry of `keys` names, and per `Map.get` on a map of the same. */
async function lookups(keys: number, rounds: number): Promise<{ registry: number; map: number }> {
  const system = createActorSystem();
  try {
    const registry = new Registry<string>({ keys: 'unique', name: 'bench' });
    const map = new Map<string, ActorRef<never>>();
    const names: string[] = [];
    for (let index = 0; index < keys; index += 1) {
      const ref = await spawnActor(system, idle, undefined);
      const name = `user:${index}`;
      names.push(name);
      registry.register(ref, name);
      map.set(name, ref);
    }
    let found = 0;
    const time = (get: (key: string) => unknown): number => {
      const start = nowNs();
      for (let round = 0; round < rounds; round += 1) {
        for (let index = 0; index < names.length; index += 1) if (get(names[index] as string) !== undefined) found += 1;
      }
      return Number(nowNs() - start) / (rounds * names.length);
    };
    // Interleaved, so both sides see the same machine.
    const registryNs: number[] = [];
    const mapNs: number[] = [];
    for (let pass = 0; pass < 5; pass += 1) {
      registryNs.push(time((key) => registry.whereis(key)));
      mapNs.push(time((key) => map.get(key)));
    }
    if (found === 0) throw new Error('nothing found');
    return { registry: median(registryNs), map: median(mapNs) };
  } finally {
    system.stop();
  }
}

/** register + unregister pairs per second, one actor cycling through `pairs` keys. */
async function registerCycles(pairs: number): Promise<number> {
  const system = createActorSystem();
  try {
    const registry = new Registry<number>({ keys: 'unique', name: 'bench' });
    const ref = await spawnActor(system, idle, undefined);
    const start = nowNs();
    for (let index = 0; index < pairs; index += 1) {
      registry.register(ref, index);
      registry.unregister(ref, index);
    }
    return pairs / (Number(nowNs() - start) / 1e9);
  } finally {
    system.stop();
  }
}

/**
 * µs per child started (awaited one by one): `DynamicSupervisor.startChild` and a bare
 * `spawnActor`, in alternating blocks of 500 so both see the same machine and the same heap.
 */
async function dynamicStarts(children: number): Promise<{ dynamic: number; spawn: number; inCall: number }> {
  const system = createActorSystem();
  try {
    const sup = await startDynamicSupervisor(system, { name: 'bench' });
    // The floor for any supervisor: a call into an actor whose handler awaits the spawn and replies.
    const spawner: Behaviour<null, { type: 'spawn' }> = {
      name: 'spawner',
      init: () => null,
      async handle(state, _message, ctx) {
        ctx.reply(await spawnActor(system, idle, undefined));
        return state;
      },
    };
    const parent = await spawnActor(system, spawner, undefined);
    const spec = { start: ({ system: in_ }: { system: ActorSystem }) => spawnActor(in_, idle, undefined) };
    const block = 500;
    let dynamicNs = 0;
    let spawnNs = 0;
    let inCallNs = 0;
    for (let done = 0; done < children; done += block) {
      let start = nowNs();
      for (let index = 0; index < block; index += 1) await sup.startChild(spec);
      dynamicNs += Number(nowNs() - start);
      start = nowNs();
      for (let index = 0; index < block; index += 1) await spawnActor(system, idle, undefined);
      spawnNs += Number(nowNs() - start);
      start = nowNs();
      for (let index = 0; index < block; index += 1) await parent.call({ type: 'spawn' });
      inCallNs += Number(nowNs() - start);
    }
    await sup.stop();
    const per = (ns: number): number => ns / 1000 / children;
    return { dynamic: per(dynamicNs), spawn: per(spawnNs), inCall: per(inCallNs) };
  } finally {
    system.stop();
  }
}

/** A hand-written pool: batches of `width` through `Promise.all`, every result consumed. */
async function batchPool(items: readonly number[], width: number, fn: (item: number) => Promise<number>): Promise<number> {
  let sum = 0;
  for (let index = 0; index < items.length; index += width) {
    for (const value of await Promise.all(items.slice(index, index + width).map(fn))) sum += value;
  }
  return sum;
}

/** The same pool with `asyncStream`'s interface: an async iterable of `{ ok }`, one per item. */
async function* batchPoolIterable(
  items: readonly number[],
  width: number,
  fn: (item: number) => Promise<number>,
): AsyncGenerator<{ ok: number }> {
  for (let index = 0; index < items.length; index += width) {
    for (const value of await Promise.all(items.slice(index, index + width).map(fn))) yield { ok: value };
  }
}

/**
 * ms to run `fn` over `count` items with 8 at a time, every result consumed: `asyncStream` (by
 * `for await`), the batch pool as an async iterable (the same interface), and the bare batch pool.
 */
async function streamVersusPool(
  count: number,
  fn: (item: number) => Promise<number>,
): Promise<{ stream: number; iterable: number; pool: number }> {
  const system = createActorSystem();
  try {
    const tasks = await startTaskSupervisor(system, { name: 'bench' });
    const items = Array.from({ length: count }, (_, index) => index);
    let start = nowNs();
    let sum = 0;
    for await (const result of tasks.asyncStream(items, fn, { maxConcurrency: 8 })) if ('ok' in result) sum += result.ok as number;
    const stream = Number(nowNs() - start) / 1e6;
    start = nowNs();
    let iterated = 0;
    for await (const result of batchPoolIterable(items, 8, fn)) iterated += result.ok;
    const iterable = Number(nowNs() - start) / 1e6;
    start = nowNs();
    const pooled = await batchPool(items, 8, fn);
    const pool = Number(nowNs() - start) / 1e6;
    if (pooled !== sum || iterated !== sum) throw new Error(`stream and pools disagree: ${sum} vs ${iterated} vs ${pooled}`);
    await tasks.stop();
    return { stream, iterable, pool };
  } finally {
    system.stop();
  }
}

/** Runs every measurement and returns the markdown table. */
export async function run(options: ToolkitBenchOptions = {}): Promise<string> {
  const repetitions = options.repetitions ?? 5;
  const samples = options.samples ?? 2_000;

  const downs = await repeat(repetitions, () => downVersusCast(samples));
  const down = median(downs.map((r) => r.down));
  const cast = median(downs.map((r) => r.cast));

  const looked = await repeat(repetitions, () => lookups(10_000, 100));
  const whereisNs = median(looked.map((r) => r.registry));
  const mapNs = median(looked.map((r) => r.map));
  const cycles = median(await repeat(repetitions, () => registerCycles(1_000_000)));
  const starts = await repeat(repetitions, () => dynamicStarts(5_000));
  const dynamicUs = median(starts.map((r) => r.dynamic));
  const spawnUs = median(starts.map((r) => r.spawn));
  const inCallUs = median(starts.map((r) => r.inCall));

  const trivial = await repeat(repetitions, () => streamVersusPool(100_000, async (item) => item * 2));
  const trivialStream = median(trivial.map((r) => r.stream));
  const trivialPool = median(trivial.map((r) => r.pool));
  const trivialIterable = median(trivial.map((r) => r.iterable));
  // Work that waits 0 to 3 ms (a timer), fixed per item: what tasks are for.
  const waiting = (item: number): Promise<number> => new Promise((resolve) => setTimeout(() => resolve(item), (item * 7) % 4));
  const latency = await repeat(Math.min(repetitions, 3), () => streamVersusPool(2_000, waiting));
  const latencyStream = median(latency.map((r) => r.stream));
  const latencyPool = median(latency.map((r) => r.pool));
  const latencyIterable = median(latency.map((r) => r.iterable));

  const rows = [
    '| measurement | toolkit | baseline (same run) | ratio | target |',
    '| --- | ---: | ---: | ---: | --- |',
    `| \`Registry.whereis\`, 10,000 names | ${fmt(whereisNs, 1)} ns | ${fmt(mapNs, 1)} ns (\`Map.get\`) | ${fmt(whereisNs / mapNs, 2)}× | ≤ 2×: ${verdict(whereisNs / mapNs <= 2)} |`,
    `| register + unregister | ${int(cycles)} pairs/s | | | ≥ 1M/s: ${verdict(cycles >= 1_000_000)} |`,
    `| \`DynamicSupervisor.startChild\` | ${fmt(dynamicUs, 1)} µs | ${fmt(spawnUs, 1)} µs (\`spawnActor\`) | ${fmt(dynamicUs / spawnUs, 2)}× | ≤ 1.5×: ${verdict(dynamicUs / spawnUs <= 1.5)} |`,
    `| a call whose handler awaits \`spawnActor\` (any supervisor's floor) | ${fmt(inCallUs, 1)} µs | ${fmt(spawnUs, 1)} µs (\`spawnActor\`) | ${fmt(inCallUs / spawnUs, 2)}× | |`,
    `| \`asyncStream\`, 100,000 items, \`maxConcurrency\` 8, \`async (x) => x * 2\` | ${fmt(trivialStream)} ms | ${fmt(trivialIterable)} ms (\`Promise.all\` batches of 8 as an async iterable) | ${fmt(trivialIterable / trivialStream, 2)}× its speed | ≥ 1×: ${verdict(trivialIterable / trivialStream >= 1)} |`,
    `| the same, against the bare pool (results in an array, no async iteration) | ${fmt(trivialStream)} ms | ${fmt(trivialPool)} ms | ${fmt(trivialPool / trivialStream, 2)}× its speed | ≥ 1×: ${verdict(trivialPool / trivialStream >= 1)} |`,
    `| \`asyncStream\`, 2,000 items that wait 0–3 ms, \`maxConcurrency\` 8 | ${fmt(latencyStream)} ms | ${fmt(latencyIterable)} ms as an async iterable, ${fmt(latencyPool)} ms bare | ${fmt(latencyPool / latencyStream, 2)}× the bare pool's speed | (no target) |`,
    `| \`DOWN\` handled after a kill, p50 | ${fmt(down, 2)} µs | ${fmt(cast, 2)} µs (a cast handled) | ${fmt(down / cast, 2)}× | ≤ 2×: ${verdict(down / cast <= 2)} |`,
  ];
  const header = `Node ${process.version}, ${repetitions} repetitions after a warm-up; medians of per-repetition figures.`;
  return `${header}\n\n${rows.join('\n')}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().then(
    (table) => process.stdout.write(table),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
