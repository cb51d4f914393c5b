/**
 * Reads the soak's SQLite file as an outside reader would: a read-only better-sqlite3 connection,
 * opened for one look and closed at once (a reader left open would keep a stopping runtime from
 * switching the file back out of WAL mode; docs/operations.md, "The files").
 */
import Database from 'better-sqlite3';

/** A `domain_activation_history` row, as the invariants compare it. */
export interface LedgerRow {
  id: number;
  runId: string | null;
  domain: string;
  event: string;
  tick: number;
  reason: string | undefined;
  previousStatus: string | undefined;
}

/** A `runtime_runs` row. */
export interface LedgerRun {
  runId: string;
  startedAt: number;
  stoppedAt: number | null;
  stopReason: string | null;
  pid: number | null;
}

/** An `active_domain_registry` row. */
export interface LedgerDomain {
  domain: string;
  status: string;
  tick: number;
  runId: string | null;
}

/** Opens `file` read-only, runs `read`, closes. */
export function withLedger<T>(file: string, read: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

type RawRow = { id: number; run_id: string | null; domain_name: string; event: string; tick_count: number; metadata: string };

function rowOf(raw: RawRow): LedgerRow {
  let metadata: { reason?: unknown; previousStatus?: unknown } = {};
  try {
    metadata = JSON.parse(raw.metadata) as typeof metadata;
  } catch {
    metadata = { reason: `unparsable metadata ${raw.metadata}` };
  }
  return {
    id: raw.id,
    runId: raw.run_id,
    domain: raw.domain_name,
    event: raw.event,
    tick: raw.tick_count,
    reason: typeof metadata.reason === 'string' ? metadata.reason : undefined,
    previousStatus: typeof metadata.previousStatus === 'string' ? metadata.previousStatus : undefined,
  };
}

/** History rows with id > `afterId`, in id order; of one run, or of every run. */
export function historyRows(db: Database.Database, afterId = 0, runId?: string): LedgerRow[] {
  const rows =
    runId === undefined
      ? db.prepare<[number], RawRow>('SELECT * FROM domain_activation_history WHERE id > ? ORDER BY id').all(afterId)
      : db
          .prepare<[number, string], RawRow>('SELECT * FROM domain_activation_history WHERE id > ? AND run_id = ? ORDER BY id')
          .all(afterId, runId);
  return rows.map(rowOf);
}

export function runRows(db: Database.Database): LedgerRun[] {
  return db
    .prepare<[], { run_id: string; started_at: number; stopped_at: number | null; stop_reason: string | null; pid: number | null }>(
      'SELECT run_id, started_at, stopped_at, stop_reason, pid FROM runtime_runs ORDER BY started_at, rowid',
    )
    .all()
    .map((raw) => ({ runId: raw.run_id, startedAt: raw.started_at, stoppedAt: raw.stopped_at, stopReason: raw.stop_reason, pid: raw.pid }));
}

export function domainRows(db: Database.Database): LedgerDomain[] {
  return db
    .prepare<[], { domain_name: string; status: string; tick_count: number; run_id: string | null }>(
      'SELECT domain_name, status, tick_count, run_id FROM active_domain_registry ORDER BY domain_name',
    )
    .all()
    .map((raw) => ({ domain: raw.domain_name, status: raw.status, tick: raw.tick_count, runId: raw.run_id }));
}

/** `PRAGMA integrity_check`: 'ok', or what it (or SQLite, on a file it cannot read) says. */
export function integrity(db: Database.Database): string {
  try {
    return String(db.pragma('integrity_check', { simple: true }));
  } catch (error) {
    return `${(error as { code?: string }).code ?? 'error'}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** True for SQLite's "this file is damaged" errors (a read that meets a corrupt page). */
export function isCorruption(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}
