/**
 * The read side of the domain registry, as the runtime exposes it: synchronous lookups of every
 * domain's live status, as from an ETS table (`docs/api.md`, "runtime.registry").
 *
 * @example
 * runtime.registry.activeDomains();         // ['billing']
 * runtime.registry.domainStatus('billing'); // { status: 'active', tick: 1, restarts: 0, ... }
 */
import type { HistoryRow } from '../store/registry-store.ts';
import { type DomainStatusName, type HistoryEvent, STATUS_AFTER } from '../store/status-names.ts';

/** One domain's live status. */
export interface DomainStatus {
  name: string;
  status: DomainStatusName;
  /** The tick at which the status last changed. */
  tick: number;
  /** The last tick this domain has seen: the current tick while it is active. */
  lastTick: number;
  /** Wall ms of the latest activation, undefined until the first. */
  activatedAt: number | undefined;
  /** Times the domain has been restarted in this run. */
  restarts: number;
  /** Wall ms of the latest status change. */
  updatedAt: number;
  /** The reason of the latest crash, deactivation or failure, if any. */
  reason: string | undefined;
  /** Cluster mode: the node it runs (or last ran) on, its shard, and the shard lease epoch. */
  node?: string;
  shard?: number;
  epoch?: number;
}

/** One status change, as kept in memory (the last 100) and on disk. */
export interface HistoryEntry {
  domain: string;
  event: HistoryEvent;
  status: DomainStatusName;
  tick: number;
  /** Wall ms. */
  occurredAt: number;
  reason: string | undefined;
}

/** A stored history row as a {@link HistoryEntry}. */
export function historyEntryOf(row: HistoryRow): HistoryEntry {
  return {
    domain: row.domainName,
    event: row.event,
    status: STATUS_AFTER[row.event],
    tick: row.tickCount,
    occurredAt: row.occurredAt,
    reason: typeof row.metadata.reason === 'string' ? row.metadata.reason : undefined,
  };
}

/** Query of {@link RegistryView.history}. */
export interface HistoryOptions {
  /** Only this domain; default all. */
  domain?: string;
  /** At most this many, newest first; default 100. */
  limit?: number;
}

/** Synchronous registry lookups. */
export interface RegistryView {
  activeDomains(): string[];
  activeCount(): number;
  domainStatus(name: string): DomainStatus | undefined;
  /** Every known domain, by name. */
  statuses(): DomainStatus[];
  /** Status changes, newest first. */
  history(options?: HistoryOptions): HistoryEntry[];
  currentTick(): number;
}
