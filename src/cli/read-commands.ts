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
import { openStore } from '../store/open-store.ts';
import type { RegistryStore, RunRow } from '../store/registry-store.ts';
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

  --db <path>   the database file (default ${DEFAULT_DB})
  --json        print JSON: { run, domains }`;

/** Help text of `history`. */
export const HISTORY_HELP = `Usage: thunderline history [--db <path>] [--run <id>] [--domain <name>] [--limit <n>] [--json]

Prints domain status changes, newest first.

  --db <path>       the database file (default ${DEFAULT_DB})
  --run <id>        only this run's changes (as the dashboard's past runs, GET /api/history?run=)
  --domain <name>   only this domain
  --limit <n>       at most n rows (default 50)
  --json            print JSON, one array`;

/** Runs `thunderline status`. */
export function runStatus(argv: string[], io: CliIo): number {
  const { values } = parseFlags('status', argv, { db: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help) {
    io.out(STATUS_HELP);
    return EXIT.ok;
  }
  const store = openForReading(values.db ?? DEFAULT_DB);
  try {
    const run = store.latestRun();
    const domains = store.readDomains();
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
    const rows = [['DOMAIN', 'STATUS', 'TICK', 'ACTIVATED', 'UPDATED']];
    for (const row of domains) rows.push([row.domainName, row.status, String(row.tickCount), iso(row.activatedAt), iso(row.updatedAt)]);
    for (const line of table(rows)) io.out(line);
    return EXIT.ok;
  } finally {
    store.close();
  }
}

/** Runs `thunderline history`. */
export function runHistory(argv: string[], io: CliIo): number {
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
  const store = openForReading(values.db ?? DEFAULT_DB);
  try {
    const run = values.run;
    if (run !== undefined && !store.readRuns(1000).some((candidate) => candidate.runId === run)) {
      const known = store.readRuns(5).map((candidate) => candidate.runId);
      throw usageError(
        `--run ${JSON.stringify(run)}: no such run in ${values.db ?? DEFAULT_DB}; latest runs: ${known.join(', ') || '(none)'}`,
      );
    }
    const rows = store.readHistory({
      limit,
      ...(values.domain === undefined ? {} : { domain: values.domain }),
      ...(run === undefined ? {} : { runId: run }),
    });
    if (values.json) {
      io.out(JSON.stringify(rows, null, 2));
      return EXIT.ok;
    }
    if (rows.length === 0) {
      io.out(values.domain ? `no history for domain "${values.domain}"` : 'no history recorded yet');
      return EXIT.ok;
    }
    const lines = [['ID', 'TIME', 'DOMAIN', 'EVENT', 'TICK', 'DETAIL']];
    for (const row of rows) {
      const detail = typeof row.metadata.reason === 'string' ? row.metadata.reason : '';
      lines.push([String(row.id), iso(row.occurredAt), row.domainName, row.event, String(row.tickCount), detail]);
    }
    for (const line of table(lines)) io.out(line);
    return EXIT.ok;
  } finally {
    store.close();
  }
}
