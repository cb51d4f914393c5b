/**
 * Benchmarks the registry store's write path: history rows/s through `writeBatch` against
 * raw better-sqlite3 prepared statements in a transaction, on a WAL file, batches of 1/100/1000.
 *
 * @example
 * node --import tsx bench/store.bench.ts          # prints a markdown table
 *
 * import { run } from './store.bench.ts';
 * const rows = await run({ repetitions: 3 });      // for a bench runner
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { openStore, type StatusChange } from '../src/store/index.ts';

/** One line of the result table; rates are medians over the repetitions. */
export interface StoreBenchRow {
  batchSize: number;
  rowsPerRepetition: number;
  /** history rows/s through `RegistryStore.writeBatch` (history insert + current-row upsert) */
  writeBatchRowsPerSec: number;
  /** the same two SQL statements, raw prepared statements in a transaction */
  rawSameSqlRowsPerSec: number;
  /** only the history INSERT, raw: the floor of what one row costs */
  rawInsertOnlyRowsPerSec: number;
  /** writeBatch / rawSameSql: the cost of the store's own code */
  ratioSameSql: number;
  /** writeBatch / rawInsertOnly */
  ratioInsertOnly: number;
}

/** Options of {@link run}. */
export interface StoreBenchOptions {
  /** measurements per variant and batch size; the median is reported. Default 5 */
  repetitions?: number;
  /** rows written per measurement, per batch size. Default 4 000 / 50 000 / 100 000 */
  rowsPerBatchSize?: Readonly<Record<number, number>>;
}

const BATCH_SIZES = [1, 100, 1000] as const;
const DEFAULT_ROWS: Readonly<Record<number, number>> = { 1: 4_000, 100: 50_000, 1000: 100_000 };
const DOMAINS = Array.from({ length: 50 }, (_, i) => `domain-${i}`);
const RUN_ID = 'bench-run';

type Writer = (batch: readonly StatusChange[]) => void;
interface Variant {
  open(dbPath: string): { write: Writer; close(): void };
}

const storeVariant: Variant = {
  open(dbPath) {
    const store = openStore(dbPath);
    return { write: (batch) => store.writeBatch(batch), close: () => store.close() };
  },
};

/** Raw driver with the store's exact SQL: the schema comes from openStore, then closed. */
function rawVariant(withUpsert: boolean): Variant {
  return {
    open(dbPath) {
      openStore(dbPath).close();
      const db = new Database(dbPath);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const insert = db.prepare(
        'INSERT INTO domain_activation_history (run_id, domain_name, event, tick_count, occurred_at, metadata) VALUES (?, ?, ?, ?, ?, ?)',
      );
      const upsert = db.prepare(
        `INSERT INTO active_domain_registry (id, domain_name, status, tick_count, metadata, activated_at, updated_at, run_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (domain_name) DO UPDATE SET status = excluded.status, tick_count = excluded.tick_count,
           metadata = excluded.metadata, activated_at = coalesce(excluded.activated_at, active_domain_registry.activated_at),
           updated_at = excluded.updated_at, run_id = excluded.run_id`,
      );
      const write = db.transaction((batch: readonly StatusChange[]) => {
        for (const c of batch) {
          const metadata = c.metadata === undefined ? '{}' : JSON.stringify(c.metadata);
          insert.run(c.runId, c.domain, c.event, c.tick, c.occurredAt, metadata);
          if (withUpsert) {
            const activatedAt = c.event === 'activated' ? c.occurredAt : null;
            upsert.run(crypto.randomUUID(), c.domain, c.status, c.tick, metadata, activatedAt, c.occurredAt, c.runId);
          }
        }
      });
      return { write: (batch) => write(batch), close: () => db.close() };
    },
  };
}

function makeBatches(rows: number, batchSize: number): StatusChange[][] {
  const batches: StatusChange[][] = [];
  for (let start = 0; start < rows; start += batchSize) {
    const batch: StatusChange[] = [];
    for (let tick = start; tick < Math.min(rows, start + batchSize); tick += 1) {
      const active = tick % 2 === 0;
      batch.push({
        runId: RUN_ID,
        domain: DOMAINS[tick % DOMAINS.length] ?? 'domain-0',
        event: active ? 'activated' : 'deactivated',
        status: active ? 'active' : 'inactive',
        tick,
        occurredAt: 1_700_000_000_000 + tick,
      });
    }
    batches.push(batch);
  }
  return batches;
}

/** Rows/s of one variant writing all `batches` into a fresh WAL file. */
function measure(variant: Variant, batches: readonly StatusChange[][], rows: number): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thunderline-bench-'));
  try {
    const target = variant.open(path.join(dir, 'bench.db'));
    const started = performance.now();
    for (const batch of batches) target.write(batch);
    const elapsedMs = performance.now() - started;
    target.close();
    return rows / (elapsedMs / 1000);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? upper) + upper) / 2;
}

/**
 * Runs the benchmark: per batch size, `repetitions` rounds, each measuring the three
 * variants in turn on fresh files (interleaved, so drift hits them alike).
 *
 * @param options see {@link StoreBenchOptions}
 * @returns one row per batch size
 */
export async function run(options: StoreBenchOptions = {}): Promise<StoreBenchRow[]> {
  const repetitions = options.repetitions ?? 5;
  const variants = { store: storeVariant, same: rawVariant(true), insert: rawVariant(false) };
  const results: StoreBenchRow[] = [];
  for (const batchSize of BATCH_SIZES) {
    const rows = options.rowsPerBatchSize?.[batchSize] ?? DEFAULT_ROWS[batchSize] ?? 10_000;
    const batches = makeBatches(rows, batchSize);
    measure(variants.store, makeBatches(Math.min(rows, 2_000), batchSize), Math.min(rows, 2_000)); // warm-up
    const samples = { store: [] as number[], same: [] as number[], insert: [] as number[] };
    for (let rep = 0; rep < repetitions; rep += 1) {
      samples.store.push(measure(variants.store, batches, rows));
      samples.same.push(measure(variants.same, batches, rows));
      samples.insert.push(measure(variants.insert, batches, rows));
      await new Promise((resolve) => setImmediate(resolve)); // let a runner's timers breathe
    }
    const store = median(samples.store);
    const same = median(samples.same);
    const insert = median(samples.insert);
    results.push({
      batchSize,
      rowsPerRepetition: rows,
      writeBatchRowsPerSec: store,
      rawSameSqlRowsPerSec: same,
      rawInsertOnlyRowsPerSec: insert,
      ratioSameSql: store / same,
      ratioInsertOnly: store / insert,
    });
  }
  return results;
}

/** Renders the rows as a markdown table. */
export function toMarkdown(rows: readonly StoreBenchRow[]): string {
  const rate = (value: number) => Math.round(value).toLocaleString('en-US');
  const lines = [
    '| batch | rows/rep | writeBatch rows/s | raw same SQL rows/s | ratio | raw INSERT only rows/s | ratio |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (row) =>
        `| ${row.batchSize} | ${rate(row.rowsPerRepetition)} | ${rate(row.writeBatchRowsPerSec)} | ${rate(row.rawSameSqlRowsPerSec)} | ${row.ratioSameSql.toFixed(2)} | ${rate(row.rawInsertOnlyRowsPerSec)} | ${row.ratioInsertOnly.toFixed(2)} |`,
    ),
  ];
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const repetitions = 5;
  const rows = await run({ repetitions });
  console.log(`store write path, WAL + synchronous=NORMAL on a tmp file, median of ${repetitions}, node ${process.version}\n`);
  console.log(toMarkdown(rows));
}
