/**
 * Retention of the ledger's growing tables: the rules a user sets (`--retain-history`), the
 * deletion of what a rule no longer keeps in small batches, and the `ledger_prunes` rows that say
 * what was pruned and when (`docs/operations.md`, "Retention").
 *
 * @example
 * const rule = parseRetentionRule('30d', '--retain-history');     // { keep: 'days', days: 30 }
 * const pruner = new TablePruner(db, HISTORY_TABLE);
 * pruner.batch(rule, Date.now(), 500);                            // { deleted, firstId, lastId, cutBefore }
 * recordPrune(db, { runId, source: 'retention', table: 'domain_activation_history', rule: '30d', ... });
 *
 * A retained table is append-only with an integer primary key that grows in write order and an
 * integer time column (ms since the Unix epoch) that grows with it. The live pruner relies on that:
 * it deletes a prefix of the table by id, found by reading at most one batch of rows, so a batch
 * costs the same on a table of a thousand rows and of a hundred million, and never scans it.
 */

import type Database from 'better-sqlite3';
import { ThunderlineError } from '../errors.ts';

/** What a table keeps: everything, the rows of the last `days` days, or the newest `rows` rows. */
export type RetentionRule =
  | { readonly keep: 'all' }
  | { readonly keep: 'days'; readonly days: number }
  | { readonly keep: 'rows'; readonly rows: number };

/** A table retention applies to. */
export interface RetainedTable {
  /** The SQLite table; its integer primary key is its rowid. */
  readonly table: string;
  /** Its time column: integer ms since the Unix epoch, growing with the id. */
  readonly timeColumn: string;
  /** The rule when the user sets none. */
  readonly defaultRule: RetentionRule;
}

/** The audit log: kept whole unless the user says otherwise. */
export const HISTORY_TABLE: RetainedTable = {
  table: 'domain_activation_history',
  timeColumn: 'occurred_at',
  defaultRule: { keep: 'all' },
};

/** The prune ledger itself keeps its newest rows; pruning it is not recorded (it would never end). */
export const PRUNES_TABLE: RetainedTable = {
  table: 'ledger_prunes',
  timeColumn: 'finished_at',
  defaultRule: { keep: 'rows', rows: 10_000 },
};

/** Keeps every row. */
export const KEEP_ALL: RetentionRule = { keep: 'all' };

const DAY_MS = 86_400_000;
/** The largest count a rule takes: 100 years of days, or 10^12 rows. */
const MAX_DAYS = 36_500;
const MAX_ROWS = 1_000_000_000_000;

/**
 * Parses a rule as the CLI and `startRuntime({ retainHistory })` take it: `all`, `<n>d` (days) or
 * `<n>rows`, n a whole number >= 1.
 *
 * @param what the flag or option named in the error, e.g. `--retain-history`
 * @throws ThunderlineError `ERR_INVALID_OPTION` naming the value and the forms allowed
 */
export function parseRetentionRule(text: unknown, what: string): RetentionRule {
  const match = typeof text === 'string' ? /^(\d+)(d|rows)$/.exec(text) : null;
  if (text === 'all') return KEEP_ALL;
  const count = match ? Number(match[1]) : Number.NaN;
  if (match && match[2] === 'd' && count >= 1 && count <= MAX_DAYS) return { keep: 'days', days: count };
  if (match && match[2] === 'rows' && count >= 1 && count <= MAX_ROWS) return { keep: 'rows', rows: count };
  throw new ThunderlineError(
    'ERR_INVALID_OPTION',
    `${what} must be a number of days from 1 to ${MAX_DAYS} ("30d"), a number of rows >= 1 ("100000rows") or "all", got ${JSON.stringify(text)}`,
  );
}

/** The rule as {@link parseRetentionRule} reads it: `all`, `30d`, `100000rows`. */
export function formatRetentionRule(rule: RetentionRule): string {
  switch (rule.keep) {
    case 'all':
      return 'all';
    case 'days':
      return `${rule.days}d`;
    case 'rows':
      return `${rule.rows}rows`;
    default: {
      const unreachable: never = rule;
      throw new Error(`unknown retention rule ${JSON.stringify(unreachable)}`);
    }
  }
}

/** What one batch deleted: ids `firstId..lastId`, `deleted` rows in all. */
export interface BatchResult {
  deleted: number;
  firstId: number | null;
  lastId: number | null;
  /** For a days rule: rows older than this (ms since the Unix epoch) were due. */
  cutBefore: number | null;
}

const NOTHING: BatchResult = { deleted: 0, firstId: null, lastId: null, cutBefore: null };

/** Table and column names come from code, never from a user; quoting keeps them names. */
function quoted(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The prepared statements of one table's pruning, on one connection. */
export class TablePruner {
  readonly #newestId: Database.Statement<[], { id: number | null }>;
  readonly #oldestUpTo: Database.Statement<[number, number], { first: number | null; last: number | null; n: number }>;
  readonly #oldest: Database.Statement<[number], { id: number; at: number }>;
  readonly #deleteRange: Database.Statement<[number, number]>;

  constructor(
    db: Database.Database,
    readonly table: RetainedTable,
  ) {
    const name = quoted(table.table);
    this.#newestId = db.prepare(`SELECT max(rowid) AS id FROM ${name}`);
    this.#oldestUpTo = db.prepare(
      `SELECT min(id) AS first, max(id) AS last, count(*) AS n FROM (SELECT rowid AS id FROM ${name} WHERE rowid <= ? ORDER BY rowid LIMIT ?)`,
    );
    this.#oldest = db.prepare(`SELECT rowid AS id, ${quoted(table.timeColumn)} AS at FROM ${name} ORDER BY rowid LIMIT ?`);
    this.#deleteRange = db.prepare(`DELETE FROM ${name} WHERE rowid BETWEEN ? AND ?`);
  }

  /**
   * Deletes at most `batchRows` of the oldest rows that `rule` no longer keeps. A rows rule keeps
   * the rows whose id is within `rows` of the newest (exactly the newest `rows` rows when ids are
   * contiguous, as Thunderline writes them). A days rule deletes the oldest rows up to the first
   * one that is not yet due: if the wall clock once went back, an older row behind a newer one
   * waits until the newer one is due too.
   *
   * @param nowMs wall time, ms since the Unix epoch
   */
  batch(rule: RetentionRule, nowMs: number, batchRows: number): BatchResult {
    switch (rule.keep) {
      case 'all':
        return NOTHING;
      case 'rows': {
        const newest = this.#newestId.get()?.id ?? null;
        if (newest === null || newest - rule.rows < 1) return NOTHING;
        const due = this.#oldestUpTo.get(newest - rule.rows, batchRows);
        if (!due || due.n === 0 || due.first === null || due.last === null) return NOTHING;
        this.#deleteRange.run(due.first, due.last);
        return { deleted: due.n, firstId: due.first, lastId: due.last, cutBefore: null };
      }
      case 'days': {
        const cutBefore = nowMs - rule.days * DAY_MS;
        let first: number | null = null;
        let last: number | null = null;
        let count = 0;
        for (const row of this.#oldest.iterate(batchRows)) {
          if (!(row.at < cutBefore)) break;
          first ??= row.id;
          last = row.id;
          count += 1;
        }
        if (first === null || last === null) return { ...NOTHING, cutBefore };
        this.#deleteRange.run(first, last);
        return { deleted: count, firstId: first, lastId: last, cutBefore };
      }
      default: {
        const unreachable: never = rule;
        throw new Error(`unknown retention rule ${JSON.stringify(unreachable)}`);
      }
    }
  }
}

/**
 * Deletes every row of `table` whose time is before `beforeMs`, wherever it sits, in batches of
 * `batchRows` (what `thunderline prune` does, with no runtime on the file).
 */
export function pruneBefore(db: Database.Database, table: RetainedTable, beforeMs: number, batchRows: number): BatchResult {
  const name = quoted(table.table);
  const remove = db.prepare<[number, number], { id: number }>(
    `DELETE FROM ${name} WHERE rowid IN (SELECT rowid FROM ${name} WHERE ${quoted(table.timeColumn)} < ? ORDER BY rowid LIMIT ?) RETURNING rowid AS id`,
  );
  const result: BatchResult = { deleted: 0, firstId: null, lastId: null, cutBefore: beforeMs };
  for (;;) {
    const ids = remove.all(beforeMs, batchRows);
    for (const { id } of ids) {
      result.firstId = result.firstId === null ? id : Math.min(result.firstId, id);
      result.lastId = result.lastId === null ? id : Math.max(result.lastId, id);
    }
    result.deleted += ids.length;
    if (ids.length < batchRows) return result;
  }
}

/** One `ledger_prunes` row. */
export interface PruneRecord {
  runId: string | null;
  source: 'retention' | 'prune';
  table: string;
  rule: string;
  rowsDeleted: number;
  firstId: number | null;
  lastId: number | null;
  cutBefore: number | null;
  startedAt: number;
  finishedAt: number;
}

/** Writes what a pass pruned to `ledger_prunes`, then keeps that table to its newest rows ({@link PRUNES_TABLE}). */
export function recordPrune(db: Database.Database, record: PruneRecord): void {
  db.prepare(
    `INSERT INTO ledger_prunes (run_id, source, table_name, rule, rows_deleted, first_id, last_id, cut_before, started_at, finished_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    record.runId,
    record.source,
    record.table,
    record.rule,
    record.rowsDeleted,
    record.firstId,
    record.lastId,
    record.cutBefore,
    record.startedAt,
    record.finishedAt,
  );
  const keep = PRUNES_TABLE.defaultRule.keep === 'rows' ? PRUNES_TABLE.defaultRule.rows : Number.MAX_SAFE_INTEGER;
  db.prepare('DELETE FROM ledger_prunes WHERE id <= (SELECT max(id) FROM ledger_prunes) - ?').run(keep);
}
