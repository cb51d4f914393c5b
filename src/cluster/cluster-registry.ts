/**
 * `runtime.registry` in cluster mode (`docs/cluster.md`, "The registry"): synchronous answers for
 * every domain of the cluster. A domain running on this node is answered from the local registry
 * table (exact, as in a single process); any other from a replica fed by the cluster event stream,
 * which lags the owner by the stream's latency (a few ms on a LAN).
 *
 * @example
 * const registry = new ClusterRegistry({ local: table, runsHere: (name) => host.find(name) !== undefined });
 * registry.apply(event);          // each event of the cluster stream, in order
 * registry.domainStatus('billing'); // { status: 'active', node: 'node-b', epoch: 3, ... }
 */
import type { ThunderlineEvent } from '../events.ts';
import type { DomainStatus, HistoryEntry, HistoryOptions, RegistryView } from '../runtime/registry-view.ts';
import { HISTORY_EVENT_OF, STATUS_AFTER } from '../store/status-names.ts';

/** Options of {@link ClusterRegistry}. */
export interface ClusterRegistryOptions {
  /** This node's registry table. */
  local: RegistryView;
  /** True while the domain runs on this node (its shard is held here). */
  runsHere(domain: string): boolean;
  /** Status changes kept for `history()`; default 100. */
  historySize?: number;
}

/** The cluster-wide registry view. */
export class ClusterRegistry implements RegistryView {
  private readonly replica = new Map<string, DomainStatus>();
  /** The replica's active domains, kept as events arrive: `activeCount()` is O(1). */
  private readonly active = new Set<string>();
  private readonly recent: HistoryEntry[] = [];
  private tick = 0;

  constructor(private readonly options: ClusterRegistryOptions) {}

  /** Applies one event of the cluster stream. */
  apply(event: ThunderlineEvent): void {
    if (event.type === 'tick') {
      this.tick = Math.max(this.tick, event.tick);
      return;
    }
    if (!(event.type in HISTORY_EVENT_OF)) return;
    const domainEvent = event as Extract<ThunderlineEvent, { type: keyof typeof HISTORY_EVENT_OF }>;
    const historyEvent = HISTORY_EVENT_OF[domainEvent.type];
    const status = STATUS_AFTER[historyEvent];
    const at = Date.parse(domainEvent.time);
    const before = this.replica.get(domainEvent.domain);
    // A late event of an older owner never overwrites a newer owner's (fencing, as in the ledger).
    if (before?.epoch !== undefined && domainEvent.epoch !== undefined && domainEvent.epoch < before.epoch) return;
    this.replica.set(domainEvent.domain, {
      name: domainEvent.domain,
      status,
      tick: domainEvent.tick,
      lastTick: Math.max(domainEvent.tick, before?.lastTick ?? 0),
      activatedAt: historyEvent === 'activated' ? at : before?.activatedAt,
      restarts: (before?.restarts ?? 0) + (historyEvent === 'restarting' ? 1 : 0),
      updatedAt: at,
      reason: domainEvent.reason ?? (status === 'active' || status === 'waiting' ? undefined : before?.reason),
      ...(domainEvent.node === undefined ? {} : { node: domainEvent.node }),
      ...(domainEvent.shard === undefined ? {} : { shard: domainEvent.shard }),
      ...(domainEvent.epoch === undefined ? {} : { epoch: domainEvent.epoch }),
    });
    if (status === 'active') this.active.add(domainEvent.domain);
    else this.active.delete(domainEvent.domain);
    this.recent.push({
      domain: domainEvent.domain,
      event: historyEvent,
      status,
      tick: domainEvent.tick,
      occurredAt: at,
      reason: domainEvent.reason,
    });
    if (this.recent.length > (this.options.historySize ?? 100)) this.recent.shift();
  }

  domainStatus(name: string): DomainStatus | undefined {
    const remote = this.replica.get(name);
    if (this.options.runsHere(name)) {
      const local = this.options.local.domainStatus(name);
      if (local)
        return { ...local, ...(remote?.node === undefined ? {} : { node: remote.node, shard: remote.shard, epoch: remote.epoch }) };
    }
    if (!remote) return undefined;
    return remote.status === 'active' ? { ...remote, lastTick: Math.max(remote.lastTick, this.tick) } : { ...remote };
  }

  statuses(): DomainStatus[] {
    const names = new Set([...this.replica.keys(), ...this.options.local.statuses().map((status) => status.name)]);
    return [...names]
      .sort()
      .map((name) => this.domainStatus(name))
      .filter((status): status is DomainStatus => status !== undefined);
  }

  activeDomains(): string[] {
    return this.statuses()
      .filter((status) => status.status === 'active')
      .map((status) => status.name);
  }

  /**
   * Active domains cluster-wide, from the replica alone: O(1), as the tick leader reads it on every
   * tick (a local domain's change counts once its event is back from the stream, a few ms later).
   */
  activeCount(): number {
    return this.active.size;
  }

  history(options: HistoryOptions = {}): HistoryEntry[] {
    const rows: HistoryEntry[] = [];
    for (let i = this.recent.length - 1; i >= 0 && rows.length < (options.limit ?? 100); i -= 1) {
      const entry = this.recent[i] as HistoryEntry;
      if (options.domain === undefined || entry.domain === options.domain) rows.push(entry);
    }
    return rows;
  }

  currentTick(): number {
    return Math.max(this.tick, this.options.local.currentTick());
  }
}
