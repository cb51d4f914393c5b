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
import { startDynamicSupervisor } from '../src/supervisor/index.ts';
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

/** µs per child started (awaited one by one): `DynamicSupervisor.startChild` and a bare `spawnActor`. */
async function dynamicStarts(children: number): Promise<{ dynamic: number; spawn: number }> {
  const system = createActorSystem();
  try {
    const sup = await startDynamicSupervisor(system, { name: 'bench' });
    const spec = { start: ({ system: in_ }: { system: ActorSystem }) => spawnActor(in_, idle, undefined) };
    let start = nowNs();
    for (let index = 0; index < children; index += 1) await sup.startChild(spec);
    const dynamic = Number(nowNs() - start) / 1000 / children;
    start = nowNs();
    for (let index = 0; index < children; index += 1) await spawnActor(system, idle, undefined);
    const spawn = Number(nowNs() - start) / 1000 / children;
    await sup.stop();
    return { dynamic, spawn };
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
  const starts = await repeat(repetitions, () => dynamicStarts(2_000));
  const dynamicUs = median(starts.map((r) => r.dynamic));
  const spawnUs = median(starts.map((r) => r.spawn));

  const rows = [
    '| measurement | toolkit | baseline (same run) | ratio | target |',
    '| --- | ---: | ---: | ---: | --- |',
    `| \`Registry.whereis\`, 10,000 names | ${fmt(whereisNs, 1)} ns | ${fmt(mapNs, 1)} ns (\`Map.get\`) | ${fmt(whereisNs / mapNs, 2)}× | ≤ 2×: ${verdict(whereisNs / mapNs <= 2)} |`,
    `| register + unregister | ${int(cycles)} pairs/s | | | ≥ 1M/s: ${verdict(cycles >= 1_000_000)} |`,
    `| \`DynamicSupervisor.startChild\` | ${fmt(dynamicUs, 1)} µs | ${fmt(spawnUs, 1)} µs (\`spawnActor\`) | ${fmt(dynamicUs / spawnUs, 2)}× | ≤ 1.5×: ${verdict(dynamicUs / spawnUs <= 1.5)} |`,
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
