/**
 * The long run: the Thunderline application tree (`thunderline start`'s, with its server on a
 * free port and default retention) at a 5 ms tick on a real SQLite file. After a warm-up (the
 * bounded buffers fill: the server's replay buffer, thunderflow's ring, thunderprism's latest
 * nodes, the trials table up to its retention), it runs `LONGRUN_SECONDS` more, sampling RSS, heap
 * after a full GC, active handles and file size every 10 s (every 5 s in a run of 2 minutes or
 * less), and prints each sample and the slopes over that time (least squares, per minute), tick
 * lateness, what retention cost, and what the write-ahead log's checkpoints did.
 *
 * @example
 * npm run bench -- longrun                                  # 5 minutes of warm-up, then 30 measured
 * LONGRUN_SECONDS=60 npm run bench -- longrun               # 1 minute of warm-up, then 60 s measured
 * LONGRUN_SECONDS=60 node --expose-gc --import tsx bench/longrun.bench.ts
 *
 * Env: `LONGRUN_SECONDS` (1800, measured), `LONGRUN_WARMUP_SECONDS` (300; 60 when `LONGRUN_SECONDS`
 * is 120 or less), `LONGRUN_TICK_MS` (5), `LONGRUN_JSON` (a file to write the samples and results to).
 */
import diagnostics from 'node:diagnostics_channel';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startThunderline } from '../supervisors/thunderline.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc (npm run bench -- longrun does)');

const seconds = Number(process.env.LONGRUN_SECONDS ?? 1800);
const tickMs = Number(process.env.LONGRUN_TICK_MS ?? 5);
const warmupSeconds = Number(process.env.LONGRUN_WARMUP_SECONDS ?? (seconds > 120 ? 300 : 60));
// Every 10 s; every 5 s in a run of 2 minutes or less, so that its slope rests on more than a few points.
const SAMPLE_MS = seconds > 120 ? 10_000 : 5_000;
const MB = 1024 * 1024;

interface Sample {
  atS: number;
  tick: number;
  rssMb: number;
  heapMb: number;
  handles: number;
  dbMb: number;
  walMb: number;
}

function size(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * Counts of values in 0.01 ms bins up to 1 s (the last bin holds everything above): constant
 * memory, so the bench does not grow the heap it measures, as an array of every tick's lateness
 * would (8 bytes a tick, 0.1 MB a minute at 5 ms ticks).
 */
class Histogram {
  readonly #bins = new Float64Array(100_001);
  count = 0;
  max = Number.NEGATIVE_INFINITY;
  min = Number.POSITIVE_INFINITY;

  add(valueMs: number): void {
    const bin = Math.min(this.#bins.length - 1, Math.max(0, Math.round(valueMs * 100)));
    this.#bins[bin] = (this.#bins[bin] as number) + 1;
    this.count += 1;
    if (valueMs > this.max) this.max = valueMs;
    if (valueMs < this.min) this.min = valueMs;
  }

  /** The p-th percentile (0..100), to the bin (values below 0 count as 0). */
  percentile(p: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let bin = 0; bin < this.#bins.length; bin += 1) {
      seen += this.#bins[bin] as number;
      if (seen >= rank) return bin / 100;
    }
    return this.max;
  }
}

/** Least-squares slope of y over x. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return Number.NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i += 1) {
    num += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    den += ((xs[i] as number) - mx) ** 2;
  }
  return num / den;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thunderline-longrun-'));
const db = path.join(dir, 'thunderline.db');
const lateness = new Histogram();
const afterBatch = new Histogram();
const batches = new Histogram();
let batchSinceTick = false;
const onBatch = (message: unknown): void => {
  batches.add((message as { durationMs: number }).durationMs);
  batchSinceTick = true;
};
diagnostics.subscribe('thunderline:retention_batch', onBatch);
// The write-ahead log's checkpoints, on the checkpointer's worker thread (src/store/checkpointer.ts).
const checkpoints = { cycles: 0, unsettled: 0, fallbacks: 0, maxFrames: 0, worker: new Histogram() };
const onCheckpoint = (message: unknown): void => {
  const cycle = message as { frames: number; settled: boolean; fallback: boolean; durationMs: number };
  checkpoints.cycles += 1;
  if (!cycle.settled) checkpoints.unsettled += 1;
  if (cycle.fallback) checkpoints.fallbacks += 1;
  checkpoints.maxFrames = Math.max(checkpoints.maxFrames, cycle.frames);
  checkpoints.worker.add(cycle.durationMs);
};
diagnostics.subscribe('thunderline:wal_checkpoint', onCheckpoint);

const runtime = await startThunderline({ tickInterval: tickMs, database: db, server: { host: '127.0.0.1', port: 0 } });
const startedMs = performance.now();
let warm = false;
runtime.subscribe('system:domain_tick', (event) => {
  if (event.type !== 'tick' || !warm) return;
  lateness.add(event.lateMs);
  if (batchSinceTick) afterBatch.add(event.lateMs);
  batchSinceTick = false;
});

const load = os.loadavg();
process.stdout.write(
  `longrun: Thunderline tree at ${tickMs} ms ticks, ${warmupSeconds} s of warm-up then ${seconds} s measured, ${db}; load average at start ${load.map((l) => l.toFixed(2)).join(' ')}\n\n`,
);
process.stdout.write(
  '| s | tick | RSS MB | heap after GC MB | handles | db MB | wal MB |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n',
);
const samples: Sample[] = [];
for (let atMs = SAMPLE_MS; atMs <= (warmupSeconds + seconds) * 1000; atMs += SAMPLE_MS) {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startedMs + atMs - performance.now())));
  // Twice: the second collects what the first one's finalizers and weak callbacks let go.
  gc();
  gc();
  const memory = process.memoryUsage();
  const sample: Sample = {
    atS: atMs / 1000,
    tick: runtime.currentTick(),
    rssMb: memory.rss / MB,
    heapMb: memory.heapUsed / MB,
    handles: process.getActiveResourcesInfo().length,
    dbMb: size(db) / MB,
    walMb: size(`${db}-wal`) / MB,
  };
  samples.push(sample);
  if (sample.atS >= warmupSeconds) warm = true;
  process.stdout.write(
    `| ${sample.atS} | ${sample.tick} | ${sample.rssMb.toFixed(1)} | ${sample.heapMb.toFixed(2)} | ${sample.handles} | ${sample.dbMb.toFixed(2)} | ${sample.walMb.toFixed(2)} |\n`,
  );
}
const endLoad = os.loadavg();
await runtime.stop();
diagnostics.unsubscribe('thunderline:retention_batch', onBatch);
diagnostics.unsubscribe('thunderline:wal_checkpoint', onCheckpoint);

const after = samples.filter((sample) => sample.atS >= warmupSeconds);
const minutes = after.map((sample) => sample.atS / 60);
const fit = (pick: (sample: Sample) => number): number => slope(minutes, after.map(pick));
const results = {
  seconds,
  tickMs,
  warmupSeconds,
  ticks: samples.at(-1)?.tick ?? 0,
  heapSlopeMbPerMin: fit((s) => s.heapMb),
  rssSlopeMbPerMin: fit((s) => s.rssMb),
  dbSlopeMbPerMin: fit((s) => s.dbMb),
  fileSlopeMbPerMin: fit((s) => s.dbMb + s.walMb),
  handlesSlopePerMin: fit((s) => s.handles),
  latenessMs: { n: lateness.count, p50: lateness.percentile(50), p99: lateness.percentile(99), max: lateness.max },
  latenessAfterBatchMs: { n: afterBatch.count, p50: afterBatch.percentile(50), p99: afterBatch.percentile(99), max: afterBatch.max },
  retentionBatches: { n: batches.count, p50Ms: batches.percentile(50), p99Ms: batches.percentile(99), maxMs: batches.max },
  checkpoints: {
    cycles: checkpoints.cycles,
    unsettled: checkpoints.unsettled,
    fallbacks: checkpoints.fallbacks,
    maxFrames: checkpoints.maxFrames,
    workerP50Ms: checkpoints.worker.percentile(50),
    workerP99Ms: checkpoints.worker.percentile(99),
    workerMaxMs: checkpoints.worker.max,
  },
  loadAverage: { start: load, end: endLoad },
};
const f = (value: number, digits = 3): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
process.stdout.write(`
after warm-up (${after.length} samples, least squares):
  heap after GC ${f(results.heapSlopeMbPerMin)} MB/min, RSS ${f(results.rssSlopeMbPerMin)} MB/min
  file (db + wal) ${f(results.fileSlopeMbPerMin)} MB/min (db alone ${f(results.dbSlopeMbPerMin)} MB/min), handles ${f(results.handlesSlopePerMin)}/min
  tick lateness p50 ${f(results.latenessMs.p50, 2)} ms, p99 ${f(results.latenessMs.p99, 2)} ms, max ${f(results.latenessMs.max, 2)} ms (${lateness.count} ticks; a tick early counts as 0)
  ticks right after a retention batch: p50 ${f(results.latenessAfterBatchMs.p50, 2)} ms, p99 ${f(results.latenessAfterBatchMs.p99, 2)} ms, max ${f(results.latenessAfterBatchMs.max, 2)} ms (${afterBatch.count} ticks)
  retention batches: ${batches.count}, p50 ${f(results.retentionBatches.p50Ms, 2)} ms, p99 ${f(results.retentionBatches.p99Ms, 2)} ms, max ${f(results.retentionBatches.maxMs, 2)} ms
  log checkpoints (worker thread, whole run): ${checkpoints.cycles} cycles, ${checkpoints.unsettled} unsettled, ${checkpoints.fallbacks} finished on the event loop, at most ${checkpoints.maxFrames} frames; worker p50 ${f(results.checkpoints.workerP50Ms, 2)} ms, p99 ${f(results.checkpoints.workerP99Ms, 2)} ms, max ${f(results.checkpoints.workerMaxMs, 2)} ms
  load average at end ${endLoad.map((l) => l.toFixed(2)).join(' ')}
`);
if (process.env.LONGRUN_JSON) fs.writeFileSync(process.env.LONGRUN_JSON, JSON.stringify({ samples, results }, null, 2));
fs.rmSync(dir, { recursive: true, force: true });
