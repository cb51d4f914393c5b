/**
 * The live pruner: applies retention rules to tables of one SQLite connection while a runtime
 * runs, off the hot path. Every `intervalMs` a pass starts; it deletes at most `batchRows` rows per
 * timer turn (a fraction of a millisecond), yielding to ticks and messages between batches, until
 * no table has anything due; then it writes one `ledger_prunes` row per table it pruned.
 *
 * @example
 * const pruner = new Pruner({ db, clock, runId, tables: [{ table: HISTORY_TABLE, rule: parseRetentionRule('30d', 'retainHistory') }] });
 * pruner.start();
 * // ...
 * pruner.stop();
 *
 * A failing batch (the file is locked by another program, the disk is full) is reported through
 * `onError` and the pass ends; the next pass tries again. Nothing is lost: only rows a rule no
 * longer keeps are ever deleted.
 */

import type Database from 'better-sqlite3';
import type { Clock, TimerHandle } from '../clock.ts';
import { emitTelemetry } from '../telemetry/index.ts';
import { formatRetentionRule, type RetainedTable, type RetentionRule, recordPrune, TablePruner } from './retention.ts';

/** Defaults of {@link PrunerOptions}. */
export const PRUNER_DEFAULTS = { intervalMs: 10_000, batchRows: 100, batchGapMs: 1 } as const;

/** Options of {@link Pruner}. */
export interface PrunerOptions {
  /** The connection to prune through; the pruner never closes it. */
  db: Database.Database;
  /** The tables and their rules; a table whose rule is `all` is left alone. */
  tables: ReadonlyArray<{ table: RetainedTable; rule: RetentionRule }>;
  /** Schedules passes and batches, and gives the wall time rules are measured on. */
  clock: Clock;
  /** Recorded in `ledger_prunes.run_id`; null when no run owns the pruning. */
  runId: string | null;
  /** ms between the end of one pass and the start of the next; default 10000. */
  intervalMs?: number;
  /** Rows deleted per batch at most; default 100 (about 0.1 ms on this project's machine: `npm run bench -- longrun`). */
  batchRows?: number;
  /** ms between two batches of a pass; default 1. */
  batchGapMs?: number;
  /** A batch failed; default: ignored until the next pass. */
  onError?: (error: unknown) => void;
}

/** A table with a rule that prunes, and that rule as written. */
interface PrunedTable {
  pruner: TablePruner;
  rule: RetentionRule;
  label: string;
}

/** What a pass did to one table. */
interface TablePass {
  deleted: number;
  firstId: number | null;
  lastId: number | null;
  cutBefore: number | null;
  startedAt: number;
  finishedAt: number;
}

/** Prunes tables in small batches on a clock; see the module comment. */
export class Pruner {
  readonly #options: PrunerOptions;
  readonly #tables: PrunedTable[];
  readonly #intervalMs: number;
  readonly #batchRows: number;
  readonly #batchGapMs: number;
  #timer: TimerHandle | undefined;
  #running = false;
  /** The pass in progress: the table it is at, and what it did so far. */
  #at = 0;
  #pass = new Map<string, TablePass>();

  constructor(options: PrunerOptions) {
    this.#options = options;
    this.#tables = options.tables
      .filter(({ rule }) => rule.keep !== 'all')
      .map(({ table, rule }) => ({ pruner: new TablePruner(options.db, table), rule, label: formatRetentionRule(rule) }));
    this.#intervalMs = options.intervalMs ?? PRUNER_DEFAULTS.intervalMs;
    this.#batchRows = options.batchRows ?? PRUNER_DEFAULTS.batchRows;
    this.#batchGapMs = options.batchGapMs ?? PRUNER_DEFAULTS.batchGapMs;
  }

  /** True when some table has a rule that prunes. */
  get active(): boolean {
    return this.#tables.length > 0;
  }

  /** Schedules the first pass `intervalMs` from now; does nothing when no rule prunes. */
  start(): void {
    if (this.#running || !this.active) return;
    this.#running = true;
    this.#schedule(this.#intervalMs);
  }

  /**
   * Cancels the next batch or pass, always (no timer is left on the clock); what was pruned so far
   * in this pass is recorded while the connection is still open.
   */
  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#options.db.open) this.#finishPass();
  }

  /**
   * Runs one batch of the current pass, now. Returns true when the pass is over (it was the
   * last batch, or a batch failed): the pass is then recorded.
   */
  step(): boolean {
    const { clock, onError } = this.#options;
    try {
      while (this.#at < this.#tables.length) {
        const entry = this.#tables[this.#at] as PrunedTable;
        const startedMs = clock.now();
        const result = entry.pruner.batch(entry.rule, clock.wallNow(), this.#batchRows);
        if (result.deleted > 0) {
          const wallMs = clock.wallNow();
          const pass = this.#pass.get(entry.pruner.table.table);
          this.#pass.set(entry.pruner.table.table, {
            deleted: (pass?.deleted ?? 0) + result.deleted,
            firstId: pass?.firstId ?? result.firstId,
            lastId: result.lastId,
            cutBefore: result.cutBefore,
            startedAt: pass?.startedAt ?? wallMs,
            finishedAt: wallMs,
          });
          emitTelemetry('retention_batch', {
            table: entry.pruner.table.table,
            rows: result.deleted,
            durationMs: clock.now() - startedMs,
          });
        }
        if (result.deleted < this.#batchRows) this.#at += 1;
        // One batch per turn: a batch that deleted rows yields before the next one.
        if (result.deleted > 0 && this.#at < this.#tables.length) return false;
        if (result.deleted >= this.#batchRows) return false;
      }
    } catch (error) {
      onError?.(error);
    }
    this.#finishPass();
    return true;
  }

  /** Runs the current pass to its end now, batch after batch, and records it (tests). */
  runToCompletion(): void {
    while (!this.step()) {
      // each step is one batch
    }
  }

  #schedule(delayMs: number): void {
    this.#timer = this.#options.clock.setTimeout(() => {
      this.#timer = undefined;
      if (!this.#running) return;
      const done = this.step();
      if (this.#running) this.#schedule(done ? this.#intervalMs : this.#batchGapMs);
    }, delayMs);
  }

  /** Records what the pass pruned, one row per table, and starts the next pass at the first table. */
  #finishPass(): void {
    this.#at = 0;
    if (this.#pass.size === 0) return;
    const passes = this.#pass;
    this.#pass = new Map();
    try {
      for (const entry of this.#tables) {
        const pass = passes.get(entry.pruner.table.table);
        if (!pass) continue;
        recordPrune(this.#options.db, {
          runId: this.#options.runId,
          source: 'retention',
          table: entry.pruner.table.table,
          rule: entry.label,
          rowsDeleted: pass.deleted,
          firstId: pass.firstId,
          lastId: pass.lastId,
          cutBefore: pass.cutBefore,
          startedAt: pass.startedAt,
          finishedAt: pass.finishedAt,
        });
      }
    } catch (error) {
      this.#options.onError?.(error);
    }
  }
}

/** Options of {@link startRetention}: one table's rule, and how its pruner runs. */
export interface RetentionOptions {
  rule: RetentionRule;
  clock: Clock;
  runId: string | null;
  /** ms between passes; default 10000. */
  intervalMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * Starts a {@link Pruner} of one table on `db`; returns the function that stops it, which may run
 * before or after `db` closes. A `keep: 'all'` rule starts nothing.
 */
export function startRetention(db: Database.Database, table: RetainedTable, options: RetentionOptions): () => void {
  const pruner = new Pruner({
    db,
    tables: [{ table, rule: options.rule }],
    clock: options.clock,
    runId: options.runId,
    ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  pruner.start();
  return () => pruner.stop();
}
