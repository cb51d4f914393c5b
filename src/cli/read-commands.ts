/**
 * `thunderline status` and `thunderline history`: read the registry's SQLite file (read-only:
 * they work on a read-only file or directory, create no file and never block a running
 * `start`) and print one row per domain, or the status changes newest first; `--json` for
 * scripts.
 *
 * @example
 * thunderline status --db ./thunderline.db
 * thunderline history --db ./thunderline.db --domain thunderbolt --limit 5 --json
 */
import { statSync } from 'node:fs';
import { readClusterLedger } from '../cluster/ledger.ts';
import { openStore } from '../store/open-store.ts';
import type { HistoryQuery, RegistryStore, RunRow } from '../store/registry-store.ts';
import { parseFlags } from './parse.ts';
import { type CliIo, EXIT, parseIntegerFlag, usageError } from './usage-error.ts';

const DEFAULT_DB = './thunderline.db';

/**
 * Opens the registry file read-only. A missing file and an empty one (which SQLite would take
 * for a new database) are the same mistake, a `--db` that names no database: a usage error
 * (exit 2), not a failure of a runtime or of its store (exit 1).
 */
function openForReading(db: string): RegistryStore {
  if (isMissingOrEmpty(db)) throw usageError(`--db ${db}: no database there; run "thunderline start --db ${db}" first`);
  return openStore(db, { readonly: true });
}

function isMissingOrEmpty(file: string): boolean {
  try {
    const stat = statSync(file);
    return stat.isFile() && stat.size === 0;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** How `status` describes a run. */
function runState(run: RunRow): string {
  if (run.stoppedAt !== null) return `stopped ${iso(run.stoppedAt)}: ${run.stopReason}`;
  const pid = run.pid === null ? '' : ` as pid ${run.pid}`;
  return `not closed: running${pid}, or killed (the next start on this file closes it as unclean)`;
}

function iso(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : new Date(ms).toISOString();
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

/** Help text of `status`. */
export const STATUS_HELP = `Usage: thunderline status [--db <path>] [--json]

Prints one row per domain from the registry's SQLite file: status, tick of the last change,
activation time, last update, and the run it belongs to. Opens the file read-only and creates
nothing; works while "thunderline start" runs on it.

  --db <path>   the database file (default ${DEFAULT_DB}), or a cluster's ledger: postgres://…
  --json        print JSON: { run, domains }`;

/** Help text of `history`. */
export const HISTORY_HELP = `Usage: thunderline history [--db <path>] [--run <id>] [--domain <name>] [--limit <n>] [--json]

Prints domain status changes, newest first.

  --db <path>       the database file (default ${DEFAULT_DB}), or a cluster's ledger: postgres://…
  --run <id>        only this run's changes (as the dashboard's past runs, GET /api/history?run=)
  --domain <name>   only this domain
  --limit <n>       at most n rows (default 50)
  --json            print JSON, one array`;

/** True for a `--db` that names a cluster ledger rather than a SQLite file. */
function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}

/**
 * What `status` and `history` read: a SQLite file (read-only), or with `--db postgres://…` the
 * cluster ledger (`docs/cluster.md`), whose rows carry their node and epoch in `metadata`.
 */
async function readLedger(db: string, what: { domains?: boolean; history?: HistoryQuery; runs?: number }) {
  if (isPostgresUrl(db)) return readClusterLedger(db, what);
  const store = openForReading(db);
  try {
    return {
      domains: what.domains ? store.readDomains() : [],
      history: what.history ? store.readHistory(what.history) : [],
      runs: what.runs === undefined ? [] : store.readRuns(what.runs),
    };
  } finally {
    store.close();
  }
}

/** Runs `thunderline status`. */
export async function runStatus(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags('status', argv, { db: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help) {
    io.out(STATUS_HELP);
    return EXIT.ok;
  }
  const db = values.db ?? DEFAULT_DB;
  const read = await readLedger(db, { domains: true, runs: 1 });
  const run = read.runs[0];
  const domains = read.domains;
  if (values.json) {
    io.out(JSON.stringify({ run: run ?? null, domains }, null, 2));
    return EXIT.ok;
  }
  if (run) {
    io.out(`run ${run.runId}  started ${iso(run.startedAt)}  ${runState(run)}`);
  }
  if (domains.length === 0) {
    io.out('no domains recorded yet');
    return EXIT.ok;
  }
  const cluster = isPostgresUrl(db);
  const rows = [['DOMAIN', 'STATUS', 'TICK', 'ACTIVATED', 'UPDATED', ...(cluster ? ['NODE', 'EPOCH'] : [])]];
  for (const row of domains) {
    const where = cluster ? [String(row.metadata.node ?? '-'), String(row.metadata.epoch ?? '-')] : [];
    rows.push([row.domainName, row.status, String(row.tickCount), iso(row.activatedAt), iso(row.updatedAt), ...where]);
  }
  for (const line of table(rows)) io.out(line);
  return EXIT.ok;
}

/** Runs `thunderline history`. */
export async function runHistory(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags('history', argv, {
    db: { type: 'string' },
    domain: { type: 'string' },
    run: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    io.out(HISTORY_HELP);
    return EXIT.ok;
  }
  const limit = parseIntegerFlag('--limit', values.limit, 1) ?? 50;
  const db = values.db ?? DEFAULT_DB;
  const run = values.run;
  if (run !== undefined) {
    const runs = (await readLedger(db, { runs: 1000 })).runs;
    if (!runs.some((candidate) => candidate.runId === run)) {
      const known = runs.slice(0, 5).map((candidate) => candidate.runId);
      throw usageError(`--run ${JSON.stringify(run)}: no such run in ${db}; latest runs: ${known.join(', ') || '(none)'}`);
    }
  }
  const query = {
    limit,
    ...(values.domain === undefined ? {} : { domain: values.domain }),
    ...(run === undefined ? {} : { runId: run }),
  };
  const rows = (await readLedger(db, { history: query })).history;
  if (values.json) {
    io.out(JSON.stringify(rows, null, 2));
    return EXIT.ok;
  }
  if (rows.length === 0) {
    io.out(values.domain ? `no history for domain "${values.domain}"` : 'no history recorded yet');
    return EXIT.ok;
  }
  const cluster = isPostgresUrl(db);
  const lines = [['ID', 'TIME', 'DOMAIN', 'EVENT', 'TICK', ...(cluster ? ['NODE', 'EPOCH'] : []), 'DETAIL']];
  for (const row of rows) {
    const detail = typeof row.metadata.reason === 'string' ? row.metadata.reason : '';
    const where = cluster ? [String(row.metadata.node ?? '-'), String(row.metadata.epoch ?? '-')] : [];
    lines.push([String(row.id), iso(row.occurredAt), row.domainName, row.event, String(row.tickCount), ...where, detail]);
  }
  for (const line of table(lines)) io.out(line);
  return EXIT.ok;
}
