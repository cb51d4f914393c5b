/**
 * The registry store of a cluster node (`docs/cluster.md`, "Fenced writes"): the registry table
 * hands it status changes synchronously, as it does SQLite; each change is stamped with its
 * domain's shard and the epoch this node holds that shard at *now*, queued, and written to
 * PostgreSQL in batches off the hot path by {@link PgLedger.writeFenced}. A change whose shard this
 * node no longer holds is never written: it is dropped and counted. Reads answer from what this
 * node wrote (the last `recent` changes); the whole cluster's ledger is read with
 * `thunderline status|history --db postgres://…`.
 *
 * @example
 * const store = new ClusterStore({ ledger, placement, onError });
 * store.writeBatch(changes);   // queued, stamped with shard and epoch
 * await store.drain();         // written (or fenced off)
 */
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
} from '../store/registry-store.ts';
import { type FencedChange, type PgLedger, redactUrl } from './ledger.ts';

/** Where a domain lives: its shard, and the epoch this node holds that shard at (undefined: not held). */
export interface Placement {
  shardOf(domain: string): number;
  epochOf(shard: number): number | undefined;
}

/** Options of {@link ClusterStore}. */
export interface ClusterStoreOptions {
  ledger: PgLedger;
  placement: Placement;
  /** A batch failed to write (it is retried); e.g. PostgreSQL unreachable. */
  onError(error: unknown): void;
  /** History rows kept for reads; default 1000. */
  recent?: number;
  /** Changes queued at most while PostgreSQL cannot be written; older ones are dropped first. Default 100,000. */
  maxQueued?: number;
}

/** The store. */
export class ClusterStore implements RegistryStore {
  readonly path: string;
  readonly readonly = false;
  /** Changes dropped because their shard was no longer held (by this node, at that epoch). */
  fencedOut = 0;
  /** Changes dropped because the queue was full while PostgreSQL could not be written. */
  overflowed = 0;
  /** Changes written. */
  written = 0;
  private queue: FencedChange[] = [];
  private writing: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly runs = new Map<string, RunRow>();
  private readonly domains = new Map<string, DomainRow>();
  private readonly history: HistoryRow[] = [];
  private readonly actions: OperatorActionRow[] = [];
  private nextId = 1;
  private readonly side: Promise<unknown>[] = [];
  private closed = false;

  constructor(private readonly options: ClusterStoreOptions) {
    this.path = redactUrl(options.ledger.url);
  }

  beginRun(run: RunStart): void {
    this.runs.set(run.runId, { ...run, stoppedAt: null, stopReason: null, pid: process.pid });
    this.track(this.options.ledger.beginRun(run));
  }

  endRun(runId: string, stoppedAt: number, stopReason: string): void {
    const row = this.runs.get(runId);
    if (row) Object.assign(row, { stoppedAt, stopReason });
    this.track(this.options.ledger.endRun(runId, stoppedAt, stopReason));
  }

  writeBatch(changes: readonly StatusChange[]): void {
    const { placement } = this.options;
    for (const change of changes) {
      const shard = placement.shardOf(change.domain);
      // The incarnation's own epoch when its event carried one: a change of a domain killed by a
      // fence is then written under the epoch it ran under (or fenced off), never a later one.
      const epoch = change.epoch ?? placement.epochOf(shard);
      if (epoch === undefined) {
        this.fencedOut += 1;
        continue;
      }
      this.queue.push({ ...change, shard, epoch });
      this.remember(change);
    }
    const cap = this.options.maxQueued ?? 100_000;
    if (this.queue.length > cap) {
      this.overflowed += this.queue.length - cap;
      this.queue.splice(0, this.queue.length - cap);
    }
    if (this.queue.length > 0) void this.drain();
  }

  /** Resolves once everything queued before the call is written or fenced off (or failed; then it is retried). */
  drain(): Promise<void> {
    if (this.writing) return this.writing.then(() => (this.queue.length > 0 ? this.drain() : undefined));
    if (this.queue.length === 0) return Promise.resolve();
    this.writing = this.writeQueued().finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  private async writeQueued(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, 5000);
      try {
        const written = await this.options.ledger.writeFenced(batch);
        this.written += written;
        this.fencedOut += batch.length - written;
      } catch (error) {
        // Kept for another try: the fence decides, when it is written, whether it still may be.
        this.queue.unshift(...batch);
        this.options.onError(error);
        if (!this.closed && !this.retryTimer) {
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            void this.drain();
          }, 500);
          this.retryTimer.unref();
        }
        return;
      }
    }
  }

  private remember(change: StatusChange): void {
    const metadata = change.metadata ?? {};
    this.history.push({
      id: this.nextId++,
      runId: change.runId,
      domainName: change.domain,
      event: change.event,
      tickCount: change.tick,
      occurredAt: change.occurredAt,
      metadata,
    });
    if (this.history.length > (this.options.recent ?? 1000)) this.history.shift();
    const before = this.domains.get(change.domain);
    this.domains.set(change.domain, {
      id: before?.id ?? crypto.randomUUID(),
      domainName: change.domain,
      status: change.status,
      tickCount: change.tick,
      metadata,
      activatedAt: change.event === 'activated' ? change.occurredAt : (before?.activatedAt ?? null),
      updatedAt: change.occurredAt,
      runId: change.runId,
    });
  }

  private track(promise: Promise<unknown>): void {
    const tracked = promise.catch((error: unknown) => this.options.onError(error));
    this.side.push(tracked);
  }

  recordOperatorAction(action: OperatorActionRecord): void {
    this.actions.push({ ...action, id: this.actions.length + 1 });
    if (this.actions.length > (this.options.recent ?? 1000)) this.actions.shift();
    this.track(this.options.ledger.recordOperatorAction(action));
  }

  /** This node's operator actions (newest first); every node's are in PostgreSQL's `operator_actions`. */
  readOperatorActions(query: { runId?: string; limit?: number } = {}): OperatorActionRow[] {
    return this.actions
      .filter((action) => query.runId === undefined || action.runId === query.runId)
      .reverse()
      .slice(0, query.limit ?? 100);
  }

  readDomains(): DomainRow[] {
    return [...this.domains.values()].sort((a, b) => (a.domainName < b.domainName ? -1 : 1));
  }

  readHistory(query: HistoryQuery = {}): HistoryRow[] {
    const rows: HistoryRow[] = [];
    for (let i = this.history.length - 1; i >= 0 && rows.length < (query.limit ?? 100); i -= 1) {
      const row = this.history[i] as HistoryRow;
      if (query.domain !== undefined && row.domainName !== query.domain) continue;
      if (query.runId !== undefined && row.runId !== query.runId) continue;
      rows.push(row);
    }
    return rows;
  }

  readRuns(limit = 100): RunRow[] {
    return [...this.runs.values()].reverse().slice(0, limit);
  }

  latestRun(): RunRow | undefined {
    return this.readRuns(1)[0];
  }

  /** Writes what is queued, waits for the run rows; the ledger itself is closed by the node. */
  async close(): Promise<void> {
    await this.drain();
    await Promise.all(this.side);
    this.closed = true;
    clearTimeout(this.retryTimer);
  }
}
