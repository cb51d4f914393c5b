/**
 * Benchmarks the tick flow end to end, side by side with raw baselines measured in the same run:
 * the first tick activating N waiting domains (vs raw nact + XState), the steady tick to N active
 * domains (vs a raw nact fan-out), start cost and heap per domain, registry persistence rows/s
 * (vs raw better-sqlite3 prepared inserts), and tick lateness and drift on the real clock (vs a
 * plain `setInterval`). Figures are medians over repetitions.
 *
 * @example
 * node --expose-gc --import tsx bench/runtime.bench.ts      # prints markdown tables
 *
 * import { run } from './runtime.bench.ts';
 * const markdown = await run({ sizes: [1_000], latenessSeconds: 2 });
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { dispatch, type Ref, spawn, start as startNact, stop as stopNact } from 'nact';
import { createActor } from 'xstate';
import { DomainRegistryTable } from '../actors/domain-registry.ts';
import { defineDomain, type Runtime, startRuntime } from '../index.ts';
import { ManualClock } from '../src/clock.ts';
import { domainMachine } from '../src/domain/domain-machine.ts';
import type { DomainEvent, DomainEventType, TickEvent } from '../src/events.ts';
import { openStore } from '../src/store/index.ts';

/** Options of {@link run}. */
export interface RuntimeBenchOptions {
  /** Domain counts. Default 1 000, 10 000, 100 000. */
  sizes?: readonly number[];
  /** Repetitions per size (the median is reported). Default 5 / 3 / 1. */
  repetitions?: (size: number) => number;
  /** Steady ticks measured per repetition. Default 20 (5 at 100 000). */
  steadyTicks?: (size: number) => number;
  /** History rows written per persistence measurement. Default 100 000. */
  persistenceRows?: number;
  /** Seconds of each real-time lateness phase (idle, then busy). Default 10. */
  latenessSeconds?: number;
  /** Tick interval of the lateness run, ms. Default 100. */
  latenessIntervalMs?: number;
  /** Progress lines (to stderr by default). */
  log?: (line: string) => void;
}

const gc: () => void = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? upper) + upper) / 2;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

// --- Thunderline: start, first tick, steady ticks, heap ----------------------------------------

interface TickSample {
  startUsPerDomain: number;
  firstTickMs: number;
  steadyTickMs: number;
  heapWaitingBytes: number;
  heapActiveBytes: number;
}

async function measureThunderline(size: number, steadyTicks: number, database = ':memory:'): Promise<TickSample> {
  const domains = Array.from({ length: size }, (_, index) => defineDomain({ name: `d${index}` }));
  const before = heapUsed();
  let started = performance.now();
  const runtime: Runtime = await startRuntime({ domains, tickInterval: 'manual', database });
  const startMs = performance.now() - started;
  try {
    const waiting = heapUsed();
    started = performance.now();
    await runtime.tick();
    const firstTickMs = performance.now() - started;
    if (runtime.registry.activeCount() !== size) throw new Error(`only ${runtime.registry.activeCount()} of ${size} domains active`);
    const active = heapUsed();
    const steady: number[] = [];
    for (let index = 0; index < steadyTicks; index += 1) {
      started = performance.now();
      await runtime.tick();
      steady.push(performance.now() - started);
    }
    return {
      startUsPerDomain: (startMs * 1000) / size,
      firstTickMs,
      steadyTickMs: median(steady),
      heapWaitingBytes: (waiting - before) / size,
      heapActiveBytes: (active - before) / size,
    };
  } finally {
    await runtime.stop();
  }
}

// --- Raw baselines: nact + XState domains, bare nact fan-out ------------------------------------

interface RawSample {
  startUsPerDomain: number;
  firstTickMs: number;
  steadyTickMs: number;
  heapBytes: number;
}

type RawMsg = { tick: number; done: () => void };

/** N nact actors each owning the same XState machine; one message each activates them. */
async function measureRawDomains(size: number, steadyTicks: number): Promise<RawSample> {
  const system = startNact();
  try {
    const before = heapUsed();
    let started = performance.now();
    const refs: Ref<RawMsg>[] = [];
    for (let index = 0; index < size; index += 1) {
      const machine = createActor(domainMachine);
      machine.subscribe({ error: () => undefined });
      machine.start();
      let lastTick = 0;
      refs.push(
        spawn(
          system,
          (state: unknown, message: RawMsg) => {
            lastTick = message.tick;
            // Only events that can change the machine's state reach it (as our domains do).
            if (machine.getSnapshot().value === 'waiting') {
              machine.send({ type: 'TICK', tick: lastTick });
              machine.send({ type: 'ACTIVATED' });
            }
            message.done();
            return state;
          },
          `d${index}`,
        ),
      );
    }
    const startMs = performance.now() - started;
    const heapBytes = (heapUsed() - before) / size;
    const fanOut = (tick: number): Promise<void> =>
      new Promise((resolve) => {
        let remaining = size;
        const done = (): void => {
          remaining -= 1;
          if (remaining === 0) resolve();
        };
        for (const ref of refs) dispatch(ref, { tick, done });
      });
    started = performance.now();
    await fanOut(1);
    const firstTickMs = performance.now() - started;
    const steady: number[] = [];
    for (let tick = 2; tick < 2 + steadyTicks; tick += 1) {
      started = performance.now();
      await fanOut(tick);
      steady.push(performance.now() - started);
    }
    return { startUsPerDomain: (startMs * 1000) / size, firstTickMs, steadyTickMs: median(steady), heapBytes };
  } finally {
    stopNact(system);
    await turn();
  }
}

/** N bare nact actors: one message to each, until all have handled it. */
async function measureRawFanOut(size: number, ticks: number): Promise<number> {
  const system = startNact();
  try {
    const refs: Ref<RawMsg>[] = [];
    for (let index = 0; index < size; index += 1) {
      refs.push(
        spawn(
          system,
          (state: unknown, message: RawMsg) => {
            message.done();
            return state;
          },
          `a${index}`,
        ),
      );
    }
    const samples: number[] = [];
    for (let tick = 0; tick <= ticks; tick += 1) {
      const started = performance.now();
      await new Promise<void>((resolve) => {
        let remaining = size;
        const done = (): void => {
          remaining -= 1;
          if (remaining === 0) resolve();
        };
        for (const ref of refs) dispatch(ref, { tick, done });
      });
      if (tick > 0) samples.push(performance.now() - started); // tick 0 warms the actors up
    }
    return median(samples);
  } finally {
    stopNact(system);
    await turn();
  }
}

// --- Registry persistence ------------------------------------------------------------------------

const CYCLE: readonly DomainEventType[] = ['domain_activated', 'domain_crashed', 'domain_restarting', 'domain_waiting'];

function tmpFile(): { file: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thunderline-bench-'));
  return { file: path.join(dir, 'bench.db'), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Rows/s through DomainRegistryTable.apply + flush (one transaction per batch), on a WAL file. */
function measureRegistry(rows: number, batchSize: number, domains: number): number {
  const { file, cleanup } = tmpFile();
  try {
    const store = openStore(file);
    store.beginRun({ runId: 'bench', startedAt: Date.now(), tickIntervalMs: 1000, version: 'bench' });
    const table = new DomainRegistryTable({ store, runId: 'bench', clock: new ManualClock() });
    const events: DomainEvent[] = [];
    for (let index = 0; index < rows; index += 1) {
      const type = CYCLE[Math.floor(index / domains) % CYCLE.length] as DomainEventType;
      const event: DomainEvent = { type, domain: `d${index % domains}`, tick: index, time: '2026-01-01T00:00:00.000Z' };
      if (type === 'domain_crashed') event.reason = 'bench crash';
      events.push(event);
    }
    const started = performance.now();
    for (let index = 0; index < rows; index += 1) {
      table.apply(events[index] as DomainEvent);
      if ((index + 1) % batchSize === 0) table.flush();
    }
    table.flush();
    const elapsedMs = performance.now() - started;
    store.close();
    return rows / (elapsedMs / 1000);
  } finally {
    cleanup();
  }
}

/** Rows/s of raw prepared history INSERTs (and optionally the current-row upsert), batched. */
function measureRawInserts(rows: number, batchSize: number, domains: number, withUpsert: boolean): number {
  const { file, cleanup } = tmpFile();
  try {
    openStore(file).close(); // the schema
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    const insert = db.prepare(
      'INSERT INTO domain_activation_history (run_id, domain_name, event, tick_count, occurred_at, metadata) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const upsert = db.prepare(
      `INSERT INTO active_domain_registry (id, domain_name, status, tick_count, metadata, activated_at, updated_at, run_id)
       VALUES (?, ?, ?, ?, ?, NULL, ?, ?)
       ON CONFLICT (domain_name) DO UPDATE SET status = excluded.status, tick_count = excluded.tick_count,
         metadata = excluded.metadata, updated_at = excluded.updated_at, run_id = excluded.run_id`,
    );
    const write = db.transaction((from: number, to: number) => {
      for (let index = from; index < to; index += 1) {
        const domain = `d${index % domains}`;
        insert.run('bench', domain, 'activated', index, 1_767_225_600_000, '{}');
        if (withUpsert) upsert.run(crypto.randomUUID(), domain, 'active', index, '{}', 1_767_225_600_000, 'bench');
      }
    });
    const started = performance.now();
    for (let from = 0; from < rows; from += batchSize) write(from, Math.min(rows, from + batchSize));
    const elapsedMs = performance.now() - started;
    db.close();
    return rows / (elapsedMs / 1000);
  } finally {
    cleanup();
  }
}

// --- Tick lateness on the real clock ---------------------------------------------------------

interface LatenessResult {
  ticks: number;
  p50: number;
  p99: number;
  max: number;
  driftMs: number;
  missed: number;
}

/** Lateness against the ideal grid from the first firing, and the drift of the last firing. */
function gridLateness(firings: readonly number[], intervalMs: number): LatenessResult {
  const first = firings[0] ?? 0;
  // A firing belongs to the latest grid slot at or before it (like our generator's deadline index).
  const lateness = firings.map((time) => time - first - Math.floor((time - first + 0.5) / intervalMs) * intervalMs);
  const slots = new Set(firings.map((time) => Math.floor((time - first + 0.5) / intervalMs)));
  const last = firings.at(-1) ?? 0;
  return {
    ticks: firings.length,
    p50: percentile(lateness, 50),
    p99: percentile(lateness, 99),
    max: Math.max(...lateness),
    driftMs: last - first - (firings.length - 1) * intervalMs,
    missed: Math.round((last - first) / intervalMs) + 1 - slots.size,
  };
}

/**
 * Runs Thunderline ticks (1 000 active domains) and a plain `setInterval` side by side on the real
 * clock: `seconds` idle, then `seconds` with a busy event loop (5 ms of work every 7 ms).
 */
async function measureLateness(
  seconds: number,
  intervalMs: number,
): Promise<Record<'idle' | 'busy', { thunderline: LatenessResult; setInterval: LatenessResult }>> {
  const domains = Array.from({ length: 1000 }, (_, index) => defineDomain({ name: `d${index}` }));
  const runtime = await startRuntime({ domains, tickInterval: intervalMs, database: ':memory:' });
  const result = {} as Record<'idle' | 'busy', { thunderline: LatenessResult; setInterval: LatenessResult }>;
  try {
    for (const phase of ['idle', 'busy'] as const) {
      const ticks: TickEvent[] = [];
      const off = runtime.subscribe('system:domain_tick', (event) => void ticks.push(event as TickEvent));
      const plain: number[] = [];
      const interval = setInterval(() => plain.push(performance.now()), intervalMs);
      let busy: NodeJS.Timeout | undefined;
      if (phase === 'busy') {
        busy = setInterval(() => {
          const until = performance.now() + 5;
          while (performance.now() < until) {
            // burn the event loop
          }
        }, 7);
      }
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      clearInterval(interval);
      if (busy) clearInterval(busy);
      off();
      const lateness = ticks.map((event) => event.lateMs);
      // Deadline of each tick = at - lateMs (ms since start): drift = how far the last deadline
      // moved from where the first one predicts.
      const deadlines = ticks.map((event) => event.at - event.lateMs);
      const first = deadlines[0] ?? 0;
      const last = deadlines.at(-1) ?? 0;
      const steps = Math.round((last - first) / intervalMs);
      const firstTick = ticks[0]?.tick ?? 0;
      const lastTick = ticks.at(-1)?.tick ?? 0;
      result[phase] = {
        thunderline: {
          ticks: ticks.length,
          p50: percentile(lateness, 50),
          p99: percentile(lateness, 99),
          max: Math.max(...lateness),
          // Firing time of the last tick against the first tick's deadline + steps · interval.
          driftMs: (ticks.at(-1)?.at ?? 0) - first - steps * intervalMs,
          missed: steps - (lastTick - firstTick),
        },
        setInterval: gridLateness(plain, intervalMs),
      };
    }
  } finally {
    await runtime.stop();
  }
  return result;
}

// --- The run ---------------------------------------------------------------------------------

const fmt = (value: number, digits = 1): string =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const kb = (bytes: number): string => fmt(bytes / 1024, 2);
const rate = (value: number): string => Math.round(value).toLocaleString('en-US');
const mark = (ok: boolean): string => (ok ? 'met' : '**missed**');

/** Runs every benchmark and returns the markdown report. */
export async function run(options: RuntimeBenchOptions = {}): Promise<string> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const sizes = options.sizes ?? [1_000, 10_000, 100_000];
  const repetitionsOf = options.repetitions ?? ((size: number) => (size >= 100_000 ? 1 : size >= 10_000 ? 3 : 5));
  const steadyOf = options.steadyTicks ?? ((size: number) => (size >= 100_000 ? 5 : 20));
  const persistenceRows = options.persistenceRows ?? 100_000;
  const latenessSeconds = options.latenessSeconds ?? 10;
  const latenessIntervalMs = options.latenessIntervalMs ?? 100;
  const benchStarted = performance.now();

  // Warm both paths up (JIT), so the first size is not charged for compilation.
  await measureThunderline(500, 3);
  await measureRawDomains(500, 3);
  await measureRawFanOut(500, 3);

  const tickRows: string[] = [];
  const costRows: string[] = [];
  const figures = new Map<number, { ours: TickSample; raw: RawSample; fanOut: number }>();
  for (const size of sizes) {
    const repetitions = repetitionsOf(size);
    const steadyTicks = steadyOf(size);
    const ours: TickSample[] = [];
    const raw: RawSample[] = [];
    const fanOut: number[] = [];
    for (let rep = 0; rep < repetitions; rep += 1) {
      // Interleaved, so machine drift hits all variants alike.
      ours.push(await measureThunderline(size, steadyTicks));
      raw.push(await measureRawDomains(size, steadyTicks));
      fanOut.push(await measureRawFanOut(size, steadyTicks));
      log(
        `N=${size} rep ${rep + 1}/${repetitions}: first tick ${fmt(ours.at(-1)?.firstTickMs ?? 0)} ms (raw ${fmt(raw.at(-1)?.firstTickMs ?? 0)}), steady ${fmt(ours.at(-1)?.steadyTickMs ?? 0, 2)} ms (nact ${fmt(fanOut.at(-1) ?? 0, 2)})`,
      );
    }
    const pick = <T>(samples: T[], key: keyof T): number => median(samples.map((sample) => sample[key] as number));
    const o: TickSample = {
      startUsPerDomain: pick(ours, 'startUsPerDomain'),
      firstTickMs: pick(ours, 'firstTickMs'),
      steadyTickMs: pick(ours, 'steadyTickMs'),
      heapWaitingBytes: pick(ours, 'heapWaitingBytes'),
      heapActiveBytes: pick(ours, 'heapActiveBytes'),
    };
    const r: RawSample = {
      startUsPerDomain: pick(raw, 'startUsPerDomain'),
      firstTickMs: pick(raw, 'firstTickMs'),
      steadyTickMs: pick(raw, 'steadyTickMs'),
      heapBytes: pick(raw, 'heapBytes'),
    };
    const f = median(fanOut);
    figures.set(size, { ours: o, raw: r, fanOut: f });
    const n = size.toLocaleString('en-US');
    tickRows.push(
      `| ${n} | ${repetitions} | ${fmt(o.firstTickMs)} | ${fmt(r.firstTickMs)} | ${fmt(o.firstTickMs / r.firstTickMs, 2)}× | ${fmt(o.steadyTickMs, 2)} | ${fmt(r.steadyTickMs, 2)} | ${fmt(f, 2)} | ${fmt(o.steadyTickMs / f, 2)}× |`,
    );
    if (size === 10_000) {
      // The same run on a WAL file: the first tick writes 10,000 status changes in one transaction.
      const onFile: TickSample[] = [];
      for (let rep = 0; rep < repetitions; rep += 1) {
        const tmp = tmpFile();
        try {
          onFile.push(await measureThunderline(size, steadyTicks, tmp.file));
        } finally {
          tmp.cleanup();
        }
      }
      const first = pick(onFile, 'firstTickMs');
      const steadyOnFile = pick(onFile, 'steadyTickMs');
      tickRows.push(
        `| ${n}, file db | ${repetitions} | ${fmt(first)} | ${fmt(r.firstTickMs)} | ${fmt(first / r.firstTickMs, 2)}× | ${fmt(steadyOnFile, 2)} | ${fmt(r.steadyTickMs, 2)} | ${fmt(f, 2)} | ${fmt(steadyOnFile / f, 2)}× |`,
      );
    }
    costRows.push(
      `| ${n} | ${fmt(o.startUsPerDomain)} | ${fmt(r.startUsPerDomain)} | ${kb(o.heapWaitingBytes)} | ${kb(o.heapActiveBytes)} | ${kb(r.heapBytes)} |`,
    );
  }

  log('registry persistence ...');
  const persistRows: string[] = [];
  const persistence = new Map<number, { registry: number; insert: number; same: number }>();
  for (const batchSize of [100, 1000]) {
    measureRegistry(20_000, batchSize, 1000); // warm-up
    const registry: number[] = [];
    const insert: number[] = [];
    const same: number[] = [];
    for (let rep = 0; rep < 3; rep += 1) {
      registry.push(measureRegistry(persistenceRows, batchSize, 1000));
      insert.push(measureRawInserts(persistenceRows, batchSize, 1000, false));
      same.push(measureRawInserts(persistenceRows, batchSize, 1000, true));
    }
    const p = { registry: median(registry), insert: median(insert), same: median(same) };
    persistence.set(batchSize, p);
    persistRows.push(
      `| ${batchSize} | ${rate(p.registry)} | ${rate(p.insert)} | ${fmt(p.registry / p.insert, 2)}× | ${rate(p.same)} | ${fmt(p.registry / p.same, 2)}× |`,
    );
  }

  log(`tick lateness: ${latenessSeconds} s idle + ${latenessSeconds} s busy at ${latenessIntervalMs} ms ...`);
  const lateness = await measureLateness(latenessSeconds, latenessIntervalMs);
  const lateRow = (phase: string, who: string, l: LatenessResult): string =>
    `| ${phase} | ${who} | ${l.ticks} | ${fmt(l.p50, 2)} | ${fmt(l.p99, 2)} | ${fmt(l.max, 2)} | ${fmt(l.driftMs, 2)} | ${l.missed} |`;

  const at10k = figures.get(10_000);
  const at100k = figures.get(100_000);
  const p100 = persistence.get(100);
  const targets: string[] = [];
  if (at10k) {
    targets.push(
      `| steady tick, 10 000 active | ≤ 20 ms | ${fmt(at10k.ours.steadyTickMs, 2)} ms | ${mark(at10k.ours.steadyTickMs <= 20)} |`,
    );
    targets.push(
      `| steady tick vs raw nact fan-out, 10 000 | ≤ 1.5× | ${fmt(at10k.ours.steadyTickMs / at10k.fanOut, 2)}× | ${mark(at10k.ours.steadyTickMs / at10k.fanOut <= 1.5)} |`,
    );
    targets.push(
      `| first tick activating 10 000 waiting | ≤ 400 ms | ${fmt(at10k.ours.firstTickMs)} ms | ${mark(at10k.ours.firstTickMs <= 400)} |`,
    );
    targets.push(
      `| heap per domain (active), 10 000 | ≤ 6 KB | ${kb(at10k.ours.heapActiveBytes)} KB | ${mark(at10k.ours.heapActiveBytes <= 6 * 1024)} |`,
    );
    targets.push(
      `| start per domain, 10 000 | ≤ 80 µs | ${fmt(at10k.ours.startUsPerDomain)} µs | ${mark(at10k.ours.startUsPerDomain <= 80)} |`,
    );
  }
  if (at100k)
    targets.push(
      `| steady tick, 100 000 active | ≤ 500 ms | ${fmt(at100k.ours.steadyTickMs)} ms | ${mark(at100k.ours.steadyTickMs <= 500)} |`,
    );
  if (p100) {
    targets.push(
      `| registry persistence (batches of 100) | ≥ 100 000 rows/s | ${rate(p100.registry)} rows/s | ${mark(p100.registry >= 100_000)} |`,
    );
    targets.push(
      `| registry vs raw prepared INSERT | ≥ 0.5× | ${fmt(p100.registry / p100.insert, 2)}× | ${mark(p100.registry / p100.insert >= 0.5)} |`,
    );
  }
  targets.push(
    `| tick lateness p99, idle | ≤ 2 ms | ${fmt(lateness.idle.thunderline.p99, 2)} ms | ${mark(lateness.idle.thunderline.p99 <= 2)} |`,
  );
  targets.push(
    `| drift over the run (idle / busy) | none | ${fmt(lateness.idle.thunderline.driftMs, 2)} / ${fmt(lateness.busy.thunderline.driftMs, 2)} ms (setInterval ${fmt(lateness.idle.setInterval.driftMs, 2)} / ${fmt(lateness.busy.setInterval.driftMs, 2)} ms) | ${mark(Math.abs(lateness.busy.thunderline.driftMs) <= lateness.busy.thunderline.p99 + 1)} |`,
  );

  const totalS = (performance.now() - benchStarted) / 1000;
  return [
    `Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${os.platform()}; medians; bench time ${fmt(totalS, 0)} s.`,
    '',
    '**Ticks.** Thunderline: `startRuntime` with N `defineDomain` domains, manual ticks, `:memory:`; a tick is `await runtime.tick()` (generator → every domain → registry flush). Raw: N nact actors each owning the same XState machine (first tick sends it `TICK` + `ACTIVATED`); raw fan-out: N bare nact actors, one message each.',
    '',
    '| N | reps | first tick, ms | raw nact+XState, ms | ratio | steady tick, ms | raw nact+XState, ms | raw nact fan-out, ms | vs fan-out |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...tickRows,
    '',
    '**Cost per domain.** Start: `startRuntime` time / N (raw: spawn + `createActor().start()`). Heap after GC, per domain: waiting (after start) and active (after the first tick; actor + machine + supervisor + registry entry).',
    '',
    '| N | start µs/domain | raw µs/domain | heap waiting, KB | heap active, KB | raw nact+XState, KB |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    ...costRows,
    '',
    `**Registry persistence**, WAL file, ${persistenceRows.toLocaleString('en-US')} history rows over 1 000 domains, median of 3. Registry: \`DomainRegistryTable.apply\` + \`flush\` (history row + current-row upsert per change, one transaction per batch). Raw: prepared INSERT of the history row only, and the same two statements.`,
    '',
    '| batch | registry rows/s | raw INSERT rows/s | ratio | raw INSERT + upsert rows/s | ratio |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    ...persistRows,
    '',
    `**Tick lateness** on the real clock, ${latenessIntervalMs} ms interval, 1 000 active domains, ${latenessSeconds} s idle then ${latenessSeconds} s with a busy loop (5 ms of work every 7 ms); a plain \`setInterval(${latenessIntervalMs})\` runs beside it, measured against the grid of its first firing. Drift: last firing minus (first deadline + elapsed intervals).`,
    '',
    '| phase | timer | ticks | p50 late, ms | p99 late, ms | max, ms | drift, ms | skipped |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    lateRow('idle', 'Thunderline', lateness.idle.thunderline),
    lateRow('idle', 'setInterval', lateness.idle.setInterval),
    lateRow('busy', 'Thunderline', lateness.busy.thunderline),
    lateRow('busy', 'setInterval', lateness.busy.setInterval),
    '',
    '**Targets.**',
    '',
    '| target | goal | measured | |',
    '| --- | --- | --- | --- |',
    ...targets,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!(globalThis as { gc?: unknown }).gc) process.stderr.write('note: run with --expose-gc for heap figures\n');
  console.log(await run());
}
