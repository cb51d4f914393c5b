/**
 * `thunderline prune`: deletes, by hand, the rows of the ledger's growing tables older than a
 * date, and records each table's prune in `ledger_prunes`. The audit log
 * (`domain_activation_history`) is pruned only when named in `--tables`. It takes the file's lock:
 * a running runtime prunes its own file (`start --retain-history`).
 *
 * @example
 * thunderline prune --db ./thunderline.db --before 2026-01-01
 * thunderline prune --db ./thunderline.db --before 90d --tables domain_activation_history,cerebros_trials --vacuum
 */
import { THUNDERLINE_RETAINED_TABLES } from '../../supervisors/thunderline.ts';
import { ThunderlineError } from '../errors.ts';
import { closeWriteConnection, openWriteConnection } from '../store/connection.ts';
import { inspectDatabaseFile } from '../store/preflight.ts';
import { HISTORY_TABLE, PRUNES_TABLE, pruneBefore, type RetainedTable, recordPrune } from '../store/retention.ts';
import { parseFlags } from './parse.ts';
import { type CliIo, EXIT, usageError } from './usage-error.ts';

/** Every table `prune` knows; the default is the domain-owned ones. */
const PRUNABLE: readonly RetainedTable[] = [HISTORY_TABLE, ...THUNDERLINE_RETAINED_TABLES, PRUNES_TABLE];
const DEFAULT_TABLES: readonly RetainedTable[] = THUNDERLINE_RETAINED_TABLES;
const BATCH_ROWS = 5000;
const DAY_MS = 86_400_000;

/** Help text of `prune`. */
export const PRUNE_HELP = `Usage: thunderline prune --before <date> [flags]

Deletes the rows older than <date> from the ledger's growing tables and records what it deleted
in ledger_prunes. The audit log (domain_activation_history) is kept unless --tables names it.
No runtime may be running on the file: a running one prunes its own (start --retain-history).

  --db <path>         SQLite file (default ./thunderline.db)
  --before <date>     a UTC date (2026-01-31), an ISO time (2026-01-31T12:00:00Z) or an age (30d)
  --tables <a,b,...>  tables to prune (default ${DEFAULT_TABLES.map((table) => table.table).join(', ')};
                      known: ${PRUNABLE.map((table) => table.table).join(', ')})
  --dry-run           count the rows that would be deleted; delete nothing
  --vacuum            then VACUUM the file, so it shrinks by the space freed
  --json              print the result as JSON`;

/** What `prune` did to one table. */
export interface PruneResult {
  table: string;
  rowsDeleted: number;
  firstId: number | null;
  lastId: number | null;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/;
const AGE = /^(\d+)d$/;

/**
 * `--before` as ms since the Unix epoch: a date is its UTC midnight, a time without a zone is UTC,
 * an age `<n>d` is counted back from `nowMs`.
 */
export function parseBefore(value: string | undefined, nowMs: number): number {
  if (value === undefined) throw usageError('prune: --before <date> is required, e.g. --before 2026-01-31 or --before 30d');
  const age = AGE.exec(value);
  let ms = Number.NaN;
  if (age) ms = nowMs - Number(age[1]) * DAY_MS;
  else if (DATE.test(value)) ms = Date.parse(`${value}T00:00:00Z`);
  else if (DATE_TIME.test(value)) ms = Date.parse(/Z|[+-]\d{2}:\d{2}$/.test(value) ? value : `${value}Z`);
  if (!Number.isFinite(ms)) {
    throw usageError(
      `--before must be a date (2026-01-31), an ISO time (2026-01-31T12:00:00Z) or an age in days (30d), got ${JSON.stringify(value)}`,
    );
  }
  return ms;
}

function parseTables(value: string | undefined): RetainedTable[] {
  if (value === undefined) return [...DEFAULT_TABLES];
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  if (names.length === 0) throw usageError(`--tables must name at least one table; known: ${PRUNABLE.map((t) => t.table).join(', ')}`);
  return names.map((name) => {
    const table = PRUNABLE.find((candidate) => candidate.table === name);
    if (!table) throw usageError(`--tables: unknown table ${JSON.stringify(name)}; known: ${PRUNABLE.map((t) => t.table).join(', ')}`);
    return table;
  });
}

/** Runs `thunderline prune`; returns the exit code. */
export function runPrune(argv: string[], io: CliIo, nowMs = Date.now()): number {
  const { values } = parseFlags('prune', argv, {
    db: { type: 'string' },
    before: { type: 'string' },
    tables: { type: 'string' },
    'dry-run': { type: 'boolean' },
    vacuum: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    io.out(PRUNE_HELP);
    return EXIT.ok;
  }
  const beforeMs = parseBefore(values.before, nowMs);
  const tables = parseTables(values.tables);
  const path = values.db ?? './thunderline.db';
  if (path === ':memory:') throw usageError('prune: --db ":memory:" holds nothing to prune; pass the file of a run');
  if (!inspectDatabaseFile(path).exists) throw usageError(`no database at ${path}; pass the file a runtime wrote with --db`);
  const dryRun = values['dry-run'] ?? false;
  const before = new Date(beforeMs).toISOString();
  // The lock: refused (exit 1, naming the holder) while a runtime runs on the file.
  const connection = openWriteConnection(path, { lock: true });
  const results: PruneResult[] = [];
  try {
    const { db } = connection;
    for (const table of tables) {
      if (dryRun) {
        const row = db
          .prepare<[number], { n: number; first: number | null; last: number | null }>(
            `SELECT count(*) AS n, min(rowid) AS first, max(rowid) AS last FROM "${table.table}" WHERE "${table.timeColumn}" < ?`,
          )
          .get(beforeMs);
        results.push({ table: table.table, rowsDeleted: row?.n ?? 0, firstId: row?.first ?? null, lastId: row?.last ?? null });
        continue;
      }
      const startedAt = Date.now();
      const result = pruneBefore(db, table, beforeMs, BATCH_ROWS);
      results.push({ table: table.table, rowsDeleted: result.deleted, firstId: result.firstId, lastId: result.lastId });
      if (result.deleted > 0 && table !== PRUNES_TABLE) {
        recordPrune(db, {
          runId: null,
          source: 'prune',
          table: table.table,
          rule: `before ${before}`,
          rowsDeleted: result.deleted,
          firstId: result.firstId,
          lastId: result.lastId,
          cutBefore: beforeMs,
          startedAt,
          finishedAt: Date.now(),
        });
      }
    }
    if (values.vacuum && !dryRun) db.exec('VACUUM');
  } catch (error) {
    if (error instanceof ThunderlineError) throw error;
    throw new ThunderlineError('ERR_DB_FAILURE', `prune of "${path}" failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  } finally {
    closeWriteConnection(connection);
    connection.lock?.release();
  }
  if (values.json) io.out(JSON.stringify({ db: path, before, dryRun, tables: results }));
  else {
    for (const result of results) {
      const ids = result.firstId === null ? '' : ` (ids ${result.firstId}..${result.lastId})`;
      io.out(
        `${result.table}: ${result.rowsDeleted} row${result.rowsDeleted === 1 ? '' : 's'} before ${before} ${dryRun ? 'would be deleted' : 'deleted'}${ids}`,
      );
    }
    if (values.vacuum && !dryRun) io.out(`${path}: vacuumed`);
  }
  return EXIT.ok;
}
