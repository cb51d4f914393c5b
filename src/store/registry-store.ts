/**
 * The durable registry store's contract and row types: what the domain registry writes and
 * what the CLI and API read, free of driver and ORM types.
 *
 * @example
 * const store: RegistryStore = openStore(':memory:');
 * store.beginRun({ runId, startedAt: Date.now(), tickIntervalMs: 1000, version: '0.1.0' });
 * store.writeBatch([{ runId, domain: 'billing', event: 'activated', status: 'active', tick: 1, occurredAt: Date.now() }]);
 * store.readDomains(); // [{ domainName: 'billing', status: 'active', tickCount: 1, ... }]
 */

import type { DomainStatusName, HistoryEvent } from './status-names.ts';

/** The longest domain name the store accepts; a CHECK constraint enforces it. */
export const MAX_DOMAIN_NAME_LENGTH = 100;

/** JSON metadata stored with a domain row or history row (for a crash: `{ reason }`). */
export type StoreMetadata = Record<string, unknown>;

/**
 * One status change of one domain: a history row, and the new state of the domain's current
 * row. The caller decides which `status` an `event` leads to; both are stored as given.
 */
export interface StatusChange {
  runId: string;
  /** the domain's name, at most 100 characters */
  domain: string;
  event: HistoryEvent;
  status: DomainStatusName;
  /** the tick the domain had reached when this happened */
  tick: number;
  /** ms since the Unix epoch */
  occurredAt: number;
  /** default `{}` */
  metadata?: StoreMetadata;
  /**
   * Cluster mode: the shard lease epoch of the domain incarnation that made the change (its
   * events carry it); the cluster store writes the change only under that epoch. SQLite ignores it.
   */
  epoch?: number;
}

/** A runtime start, as `beginRun` records it. */
export interface RunStart {
  runId: string;
  /** ms since the Unix epoch */
  startedAt: number;
  /** null for manual ticks */
  tickIntervalMs: number | null;
  /** the thunderline version that ran */
  version: string;
}

/** Filters for {@link RegistryStore.readHistory}. */
export interface HistoryQuery {
  /** only this domain's rows; default all domains */
  domain?: string;
  /** at most this many rows, a positive integer; default 100 */
  limit?: number;
  /** only this run's rows; default all runs */
  runId?: string;
}

/** A row of `active_domain_registry`: a domain's current status. */
export interface DomainRow {
  /** uuid given on the domain's first status change */
  id: string;
  domainName: string;
  status: DomainStatusName;
  tickCount: number;
  metadata: StoreMetadata;
  /** ms since the Unix epoch of the latest activation; null until the first */
  activatedAt: number | null;
  /** ms since the Unix epoch of the latest status change */
  updatedAt: number;
  runId: string | null;
}

/** A row of `domain_activation_history`: one status change; ids grow in write order. */
export interface HistoryRow {
  id: number;
  runId: string | null;
  domainName: string;
  event: HistoryEvent;
  tickCount: number;
  /** ms since the Unix epoch */
  occurredAt: number;
  metadata: StoreMetadata;
}

/** A row of `runtime_runs`: one runtime start. */
export interface RunRow {
  runId: string;
  startedAt: number;
  /**
   * null while the run is going, or when its process died and no runtime has taken the file
   * since (the next one closes it: `stopReason` then begins `unclean`)
   */
  stoppedAt: number | null;
  stopReason: string | null;
  /** null for manual ticks */
  tickIntervalMs: number | null;
  version: string;
  /** the process that ran it (null for runs recorded before this was kept) */
  pid: number | null;
}

/** An operator's action (a kill or restart through the server), as `recordOperatorAction` takes it. */
export interface OperatorActionRecord {
  runId: string;
  /** ms since the Unix epoch */
  occurredAt: number;
  action: 'kill' | 'restart';
  /** the actor id, e.g. `automaton#21` */
  actor: string;
  /** its place in the tree */
  path: string;
  reason: string;
  outcome: 'done' | 'failed';
  /** why it failed; null when it worked */
  detail: string | null;
}

/** A row of `operator_actions`; ids grow in write order. */
export interface OperatorActionRow extends OperatorActionRecord {
  id: number;
}

/**
 * The durable registry store. Every method is synchronous; a failing SQLite operation throws
 * `ThunderlineError` `ERR_DB_FAILURE` naming the operation and the path, with the driver's
 * error as `cause`.
 */
export interface RegistryStore {
  /** The path the store was opened with (`:memory:` for an in-memory store). */
  readonly path: string;
  /** True when opened with `readonly: true`: the write methods throw `ERR_DB_FAILURE`. */
  readonly readonly: boolean;
  /** Records a runtime start, with this process's id. A run id already recorded is an `ERR_DB_FAILURE`. */
  beginRun(run: RunStart): void;
  /** Records a runtime stop; does nothing when `runId` was never begun. */
  endRun(runId: string, stoppedAt: number, stopReason: string): void;
  /**
   * Writes a batch in one transaction: all of it or, on failure, none. For each change, in
   * order: appends a history row and upserts the domain's current row (`activatedAt` moves
   * only on an `activated` event). An empty batch writes nothing.
   */
  writeBatch(changes: readonly StatusChange[]): void;
  /** Every domain's current row, ordered by name. */
  readDomains(): DomainRow[];
  /** History rows, newest first. */
  readHistory(query?: HistoryQuery): HistoryRow[];
  /** Runs, newest first. @param limit default 100 */
  readRuns(limit?: number): RunRow[];
  /** The newest run, if any. */
  latestRun(): RunRow | undefined;
  /** Appends an operator action to `operator_actions`. */
  recordOperatorAction(action: OperatorActionRecord): void;
  /** Operator actions, newest first. @param query `runId` (default all runs), `limit` (default 100) */
  readOperatorActions(query?: { runId?: string; limit?: number }): OperatorActionRow[];
  /**
   * Closes the database; a writer first checkpoints the write-ahead log (leaving one file in
   * rollback-journal mode when no reader is reading), then releases the file's lock. Idempotent.
   */
  close(): void;
}
