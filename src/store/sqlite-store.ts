/**
 * The better-sqlite3 implementation of {@link RegistryStore}: prepared statements on the
 * write path, drizzle's query builder for the (cold) reads.
 *
 * @example
 * const store = new SqliteRegistryStore(sqlite, './thunderline.db', { readonly: false, wal: true });
 * store.writeBatch(changes);
 * store.close();
 *
 * @internal Built by `openStore`, which checks and migrates the database first.
 */

import type Database from 'better-sqlite3';
import { and, desc, eq, type SQL, sql } from 'drizzle-orm';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { describeValue, ThunderlineError } from '../errors.ts';
import { closeWriteConnection } from './connection.ts';
import type { DatabaseLock } from './lock.ts';
import { messageOf } from './preflight.ts';
import type {
  DomainRow,
  HistoryQuery,
  HistoryRow,
  OperatorActionRecord,
  OperatorActionRow,
  RegistryStore,
  RunRow,
  RunStart,
  StatusChange,
  StoreMetadata,
} from './registry-store.ts';
import { activeDomainRegistry, domainActivationHistory, operatorActions, runtimeRuns } from './schema.ts';
import type { DomainStatusName } from './status-names.ts';

const DEFAULT_LIMIT = 100;
const EMPTY_METADATA = '{}';

type HistoryParams = [runId: string, domain: string, event: string, tick: number, occurredAt: number, metadata: string];
type UpsertParams = [
  id: string,
  domain: string,
  status: string,
  tick: number,
  metadata: string,
  activatedAt: number | null,
  updatedAt: number,
  runId: string,
];

/** The write path, prepared once: the driver's statements are 3-8x faster than drizzle's builder. */
interface Writers {
  insertRun: Database.Statement<[runId: string, startedAt: number, tickIntervalMs: number | null, version: string, pid: number]>;
  endRun: Database.Statement<[stoppedAt: number, stopReason: string, runId: string]>;
  writeBatch: Database.Transaction<(changes: readonly StatusChange[]) => void>;
  closeUncleanRuns: Database.Transaction<() => string[]>;
}

/** @internal How `openStore` opened the connection. */
export interface SqliteStoreMode {
  readonly readonly: boolean;
  /** the journal is a write-ahead log, so `close` checkpoints it */
  readonly wal: boolean;
}

/** @internal See {@link RegistryStore}. */
export class SqliteRegistryStore implements RegistryStore {
  readonly #db: Database.Database;
  readonly #orm: BetterSQLite3Database;
  readonly #path: string;
  readonly #mode: SqliteStoreMode;
  readonly #writers: Writers | undefined;
  readonly #lock: DatabaseLock | undefined;
  #closed = false;

  /** @param lock the file's lock, held by a writer and released by `close` */
  constructor(db: Database.Database, path: string, mode: SqliteStoreMode, lock?: DatabaseLock) {
    this.#db = db;
    this.#orm = drizzle(db);
    this.#path = path;
    this.#mode = mode;
    this.#writers = mode.readonly ? undefined : prepareWriters(db);
    this.#lock = lock;
  }

  get path(): string {
    return this.#path;
  }

  get readonly(): boolean {
    return this.#mode.readonly;
  }

  /** @internal The connection, for retention on a `:memory:` database, which no other connection can reach. */
  get connection(): Database.Database {
    return this.#db;
  }

  beginRun(run: RunStart): void {
    const writers = this.#writable('beginRun');
    // The run's process: while the run is open, the holder of the file's lock.
    this.#guard(`beginRun "${run.runId}"`, () =>
      writers.insertRun.run(run.runId, run.startedAt, run.tickIntervalMs, run.version, process.pid),
    );
  }

  endRun(runId: string, stoppedAt: number, stopReason: string): void {
    const writers = this.#writable('endRun');
    this.#guard(`endRun "${runId}"`, () => writers.endRun.run(stoppedAt, stopReason, runId));
  }

  writeBatch(changes: readonly StatusChange[]): void {
    const writers = this.#writable('writeBatch');
    if (changes.length === 0) return;
    this.#guard(`writeBatch of ${plural(changes.length, 'change')}`, () => writers.writeBatch(changes), ', nothing was written');
  }

  readDomains(): DomainRow[] {
    this.#open('readDomains');
    const rows = this.#guard('readDomains', () =>
      this.#orm.select().from(activeDomainRegistry).orderBy(activeDomainRegistry.domainName).all(),
    );
    return rows.map((row) => ({ ...row, metadata: parseMetadata(row.metadata) }));
  }

  readHistory(query: HistoryQuery = {}): HistoryRow[] {
    this.#open('readHistory');
    const limit = checkLimit('readHistory', query.limit);
    const filters: SQL[] = [];
    if (query.domain !== undefined) filters.push(eq(domainActivationHistory.domainName, query.domain));
    if (query.runId !== undefined) filters.push(eq(domainActivationHistory.runId, query.runId));
    const rows = this.#guard('readHistory', () =>
      this.#orm
        .select()
        .from(domainActivationHistory)
        .where(and(...filters))
        .orderBy(desc(domainActivationHistory.id))
        .limit(limit)
        .all(),
    );
    return rows.map((row) => ({ ...row, metadata: parseMetadata(row.metadata) }));
  }

  readRuns(limit?: number): RunRow[] {
    this.#open('readRuns');
    const max = checkLimit('readRuns', limit);
    return this.#guard('readRuns', () =>
      this.#orm.select().from(runtimeRuns).orderBy(desc(runtimeRuns.startedAt), desc(sql`rowid`)).limit(max).all(),
    );
  }

  latestRun(): RunRow | undefined {
    return this.readRuns(1)[0];
  }

  recordOperatorAction(action: OperatorActionRecord): void {
    this.#writable('recordOperatorAction');
    this.#guard(`recordOperatorAction ${action.action} "${action.actor}"`, () => this.#orm.insert(operatorActions).values(action).run());
  }

  readOperatorActions(query: { runId?: string; limit?: number } = {}): OperatorActionRow[] {
    this.#open('readOperatorActions');
    const limit = checkLimit('readOperatorActions', query.limit);
    const rows = this.#guard('readOperatorActions', () =>
      this.#orm
        .select()
        .from(operatorActions)
        .where(query.runId === undefined ? undefined : eq(operatorActions.runId, query.runId))
        .orderBy(desc(operatorActions.id))
        .limit(limit)
        .all(),
    );
    return rows.map((row) => ({
      ...row,
      runId: row.runId ?? '',
      action: row.action === 'restart' ? 'restart' : 'kill',
      outcome: row.outcome === 'failed' ? 'failed' : 'done',
    }));
  }

  /**
   * Closes every run left open, which only a dead process can have done once this store holds
   * the file's lock: `stopped_at` is the last moment the ledger heard from the run (its last
   * history row, else its start), `stop_reason` begins `unclean`, and each of its domains still
   * running (not already `inactive` or `failed`) gets a `deactivated` history row and the status
   * `inactive`, as a clean stop would have recorded. One transaction. Called by `openStore`.
   *
   * @returns the runs closed, as they are now recorded
   */
  closeUncleanRuns(): RunRow[] {
    const writers = this.#writable('closeUncleanRuns');
    const closed = this.#guard('closeUncleanRuns', () => writers.closeUncleanRuns());
    return closed.map(
      (runId) =>
        this.#guard('closeUncleanRuns', () => this.#orm.select().from(runtimeRuns).where(eq(runtimeRuns.runId, runId)).get()) as RunRow,
    );
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      if (this.#mode.readonly) this.#guard('close', () => this.#db.close());
      else this.#guard('close', () => closeWriteConnection({ db: this.#db, wal: this.#mode.wal }));
    } finally {
      this.#lock?.release();
    }
  }

  #open(operation: string): void {
    if (this.#closed) {
      throw new ThunderlineError('ERR_DB_FAILURE', `store "${this.#path}" is closed; ${operation} needs an open store`);
    }
  }

  #writable(operation: string): Writers {
    this.#open(operation);
    if (!this.#writers) {
      throw new ThunderlineError(
        'ERR_DB_FAILURE',
        `store "${this.#path}" was opened read-only; ${operation} needs a store opened without readonly`,
      );
    }
    return this.#writers;
  }

  /** Runs `fn`, turning a driver error into `ERR_DB_FAILURE` naming the operation and the path. */
  #guard<T>(operation: string, fn: () => T, outcome = ''): T {
    try {
      return fn();
    } catch (error) {
      if (error instanceof ThunderlineError) throw error;
      const message = `store "${this.#path}": ${operation} failed${outcome}: ${messageOf(error)}`;
      throw new ThunderlineError('ERR_DB_FAILURE', message, { cause: error });
    }
  }
}

function prepareWriters(db: Database.Database): Writers {
  const insertHistory = db.prepare<HistoryParams>(
    `INSERT INTO domain_activation_history (run_id, domain_name, event, tick_count, occurred_at, metadata)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  // activated_at moves only when the change is an activation (the caller binds null
  // otherwise), so a domain that crashes or deactivates keeps its last activation time.
  const upsertDomain = db.prepare<UpsertParams>(
    `INSERT INTO active_domain_registry
       (id, domain_name, status, tick_count, metadata, activated_at, updated_at, run_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (domain_name) DO UPDATE SET
       status = excluded.status,
       tick_count = excluded.tick_count,
       metadata = excluded.metadata,
       activated_at = coalesce(excluded.activated_at, active_domain_registry.activated_at),
       updated_at = excluded.updated_at,
       run_id = excluded.run_id`,
  );
  const writeChanges = (changes: readonly StatusChange[]): void => {
    for (const change of changes) {
      const metadata = change.metadata === undefined ? EMPTY_METADATA : JSON.stringify(change.metadata);
      const activatedAt = change.event === 'activated' ? change.occurredAt : null;
      insertHistory.run(change.runId, change.domain, change.event, change.tick, change.occurredAt, metadata);
      upsertDomain.run(
        crypto.randomUUID(),
        change.domain,
        change.status,
        change.tick,
        metadata,
        activatedAt,
        change.occurredAt,
        change.runId,
      );
    }
  };
  return {
    insertRun: db.prepare('INSERT INTO runtime_runs (run_id, started_at, tick_interval_ms, version, pid) VALUES (?, ?, ?, ?, ?)'),
    endRun: db.prepare('UPDATE runtime_runs SET stopped_at = ?, stop_reason = ? WHERE run_id = ?'),
    writeBatch: db.transaction(writeChanges),
    closeUncleanRuns: db.transaction(() => closeUncleanRuns(db, writeChanges)),
  };
}

/** The statuses a clean stop leaves as they are: the domain had already stopped, or given up. */
const STOPPED_STATUSES: readonly DomainStatusName[] = ['inactive', 'failed'];

function closeUncleanRuns(db: Database.Database, writeChanges: (changes: readonly StatusChange[]) => void): string[] {
  const open = db
    .prepare<[], { run_id: string; started_at: number; pid: number | null }>(
      'SELECT run_id, started_at, pid FROM runtime_runs WHERE stopped_at IS NULL ORDER BY started_at, rowid',
    )
    .all();
  // Newest row first, by id: the dead run's rows are usually the last of the table.
  const lastHeard = db.prepare<[string], { occurred_at: number }>(
    'SELECT occurred_at FROM domain_activation_history WHERE run_id = ? ORDER BY id DESC LIMIT 1',
  );
  const running = db.prepare<[string], { domain_name: string; status: DomainStatusName; tick_count: number }>(
    `SELECT domain_name, status, tick_count FROM active_domain_registry
     WHERE run_id = ? AND status NOT IN (${STOPPED_STATUSES.map((status) => `'${status}'`).join(', ')})
     ORDER BY domain_name`,
  );
  const close = db.prepare<[number, string, string]>('UPDATE runtime_runs SET stopped_at = ?, stop_reason = ? WHERE run_id = ?');
  for (const run of open) {
    const stoppedAt = lastHeard.get(run.run_id)?.occurred_at ?? run.started_at;
    const who = run.pid === null ? 'the process' : `the process (pid ${run.pid})`;
    const reason = `unclean: ${who} ended without closing the run; closed by the next runtime on this file`;
    writeChanges(
      running.all(run.run_id).map((domain) => ({
        runId: run.run_id,
        domain: domain.domain_name,
        event: 'deactivated',
        status: 'inactive',
        tick: domain.tick_count,
        occurredAt: stoppedAt,
        metadata: { reason, previousStatus: domain.status },
      })),
    );
    close.run(stoppedAt, reason, run.run_id);
  }
  return open.map((run) => run.run_id);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function checkLimit(operation: string, limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new ThunderlineError('ERR_INVALID_OPTION', `${operation}: limit must be a positive integer, got ${describeValue(limit)}`);
  }
  return limit;
}

/** Metadata is ours to write, but the file is the user's: show whatever is there, never throw. */
function parseMetadata(text: string): StoreMetadata {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as StoreMetadata;
    return { value };
  } catch {
    return { raw: text };
  }
}
