/**
 * The domain registry (the seed's Thunderblock.DomainRegistry): keeps every domain's status in
 * memory for synchronous lookups and writes every status change to SQLite in batches.
 *
 * The in-memory {@link DomainRegistryTable} is updated in the publisher's turn, so a lookup right
 * after an event is exact; disk writes go through the registry actor's mailbox as one
 * transaction per flush (at least every tick, and on shutdown). The table outlives a registry
 * restart, as an ETS table with an heir would.
 *
 * @example
 * const table = new DomainRegistryTable({ store, runId, clock });
 * const spec = domainRegistrySpec(table);
 * table.activeDomains();
 */
import type { ActorRef } from '../src/actor/actor-ref.ts';
import { spawnActor } from '../src/actor/actor-ref.ts';
import type { Behaviour } from '../src/actor/behaviour.ts';
import type { Clock } from '../src/clock.ts';
import { publishDomainEvent } from '../src/domain/domain-actor.ts';
import type { DomainEvent, DomainEventType, SupervisorEvent, ThunderlineEvent } from '../src/events.ts';
import { TICK_TOPIC } from '../src/events.ts';
import {
  type DomainStatus,
  type HistoryEntry,
  type HistoryOptions,
  historyEntryOf,
  type RegistryView,
} from '../src/runtime/registry-view.ts';
import type { RegistryStore, StatusChange } from '../src/store/registry-store.ts';
import { type DomainStatusName, type HistoryEvent, STATUS_AFTER } from '../src/store/status-names.ts';
import type { ChildSpec } from '../src/supervisor/spec.ts';

/** Messages of the registry actor. */
export type DomainRegistryMsg = { type: 'flush' };

/** Options of {@link DomainRegistryTable}. */
export interface DomainRegistryOptions {
  store: RegistryStore;
  runId: string;
  clock: Clock;
  /** Status changes kept in memory; default 100 (the seed's). */
  historySize?: number;
  /** The supervisor whose children are the domains; default `'domains'`. */
  domainsSupervisor?: string;
}

/** Each domain event type's history event; the status it leads to is `STATUS_AFTER[event]`. */
const HISTORY_EVENT_OF: Record<DomainEventType, HistoryEvent> = {
  domain_waiting: 'waiting',
  domain_activated: 'activated',
  domain_deactivated: 'deactivated',
  domain_crashed: 'crashed',
  domain_restarting: 'restarting',
  domain_failed: 'failed',
};

/** Topics the registry listens to. */
export const REGISTRY_TOPICS = [
  TICK_TOPIC,
  ...Object.keys(HISTORY_EVENT_OF).map((type) => `system:${type}`),
  'system:supervisor_escalated',
] as const;

/** The registry's memory: statuses, the last status changes, the current tick, unwritten rows. */
export class DomainRegistryTable implements RegistryView {
  private readonly domains = new Map<string, DomainStatus>();
  private readonly active = new Set<string>();
  private readonly recent: HistoryEntry[] = [];
  private pending: StatusChange[] = [];
  private tick = 0;
  private readonly historySize: number;

  constructor(private readonly options: DomainRegistryOptions) {
    this.historySize = options.historySize ?? 100;
  }

  /**
   * Applies one event from the pubsub. Returns the event it implies, if any: a `domain_failed`
   * when the domains supervisor gives up on a crashed domain. The caller publishes it (the registry
   * actor does), so the failure reaches every subscriber and comes back here as a status change.
   */
  apply(event: ThunderlineEvent): DomainEvent | undefined {
    if (event.type === 'tick') {
      this.tick = event.tick;
      return undefined;
    }
    if (event.type === 'supervisor_escalated') return this.failedDomain(event as SupervisorEvent);
    const historyEvent = HISTORY_EVENT_OF[event.type as DomainEventType];
    if (historyEvent) this.record(event as DomainEvent, historyEvent, STATUS_AFTER[historyEvent]);
    return undefined;
  }

  /** The domains supervisor gave up: a crashed domain it held will not come back. */
  private failedDomain(event: SupervisorEvent): DomainEvent | undefined {
    // Only the domains supervisor's children are domains; a domain's own children may share a name.
    if (event.supervisor !== (this.options.domainsSupervisor ?? 'domains')) return undefined;
    const status = this.domains.get(event.child);
    if (!status || (status.status !== 'crashed' && status.status !== 'restarting')) return undefined;
    return { type: 'domain_failed', domain: event.child, tick: this.tick, time: event.time, reason: event.reason };
  }

  private record(event: DomainEvent, historyEvent: HistoryEvent, status: DomainStatusName): void {
    const now = this.options.clock.wallNow();
    const previous = this.domains.get(event.domain);
    const entry: DomainStatus = {
      name: event.domain,
      status,
      tick: event.tick,
      lastTick: Math.max(event.tick, previous?.lastTick ?? 0),
      activatedAt: status === 'active' ? now : previous?.activatedAt,
      restarts: (previous?.restarts ?? 0) + (historyEvent === 'restarting' ? 1 : 0),
      updatedAt: now,
      reason: event.reason,
    };
    this.domains.set(event.domain, entry);
    if (status === 'active') this.active.add(event.domain);
    else this.active.delete(event.domain);
    const history: HistoryEntry = {
      domain: event.domain,
      event: historyEvent,
      status,
      tick: event.tick,
      occurredAt: now,
      reason: event.reason,
    };
    this.recent.push(history);
    if (this.recent.length > this.historySize) this.recent.shift();
    const change: StatusChange = {
      runId: this.options.runId,
      domain: event.domain,
      event: historyEvent,
      status,
      tick: event.tick,
      occurredAt: now,
    };
    if (event.reason !== undefined) change.metadata = { reason: event.reason };
    this.pending.push(change);
  }

  /** Writes every unwritten change in one transaction; on failure they stay pending. */
  flush(): number {
    if (this.pending.length === 0) return 0;
    const batch = this.pending;
    this.options.store.writeBatch(batch);
    this.pending = this.pending === batch ? [] : this.pending.slice(batch.length);
    return batch.length;
  }

  /** Changes not yet on disk. */
  pendingCount(): number {
    return this.pending.length;
  }

  activeDomains(): string[] {
    return [...this.active];
  }

  activeCount(): number {
    return this.active.size;
  }

  domainStatus(name: string): DomainStatus | undefined {
    const status = this.domains.get(name);
    if (!status) return undefined;
    return status.status === 'active' ? { ...status, lastTick: Math.max(status.lastTick, this.tick) } : { ...status };
  }

  statuses(): DomainStatus[] {
    return [...this.domains.keys()].sort().map((name) => this.domainStatus(name) as DomainStatus);
  }

  history(options: HistoryOptions = {}): HistoryEntry[] {
    const limit = options.limit ?? 100;
    const rows: HistoryEntry[] = [];
    for (let index = this.recent.length - 1; index >= 0 && rows.length < limit; index -= 1) {
      const entry = this.recent[index] as HistoryEntry;
      if (options.domain === undefined || entry.domain === options.domain) rows.push(entry);
    }
    if (rows.length >= limit || this.recent.length < this.historySize) return rows;
    // Older than memory holds: read it from disk (writing what is pending first).
    this.flush();
    return this.options.store.readHistory({ domain: options.domain, limit, runId: this.options.runId }).map(historyEntryOf);
  }

  currentTick(): number {
    return this.tick;
  }
}

function registryBehaviour(table: DomainRegistryTable): Behaviour<DomainRegistryTable, DomainRegistryMsg, undefined> {
  return {
    name: 'domain_registry',
    init(_args, ctx) {
      const offs = REGISTRY_TOPICS.map((topic) =>
        ctx.system.pubsub.subscribe(topic, (event) => {
          const implied = table.apply(event);
          if (implied) publishDomainEvent(ctx.system, implied.type, implied.domain, implied.tick, implied.reason);
          // A flush at least every tick: the tick's turn writes what the previous tick changed.
          if (event.type === 'tick') ctx.self.cast({ type: 'flush' });
        }),
      );
      ctx.self.onExit(() => {
        for (const off of offs) off();
      });
      return table;
    },
    handle(state, message, ctx) {
      switch (message.type) {
        case 'flush':
          ctx.reply(state.flush());
          return state;
        default: {
          const unreachable: never = message.type;
          throw new Error(`domain_registry: unknown message ${String(unreachable)}`);
        }
      }
    },
    terminate(state) {
      state.flush();
    },
  };
}

/** Starts the registry actor over `table`. */
export function spawnDomainRegistry(
  table: DomainRegistryTable,
  system: Parameters<typeof spawnActor>[0],
): Promise<ActorRef<DomainRegistryMsg>> {
  return spawnActor(system, registryBehaviour(table), undefined, { name: 'domain_registry' });
}

/** The registry's child spec (id `domain_registry`). */
export function domainRegistrySpec(table: DomainRegistryTable): ChildSpec {
  return {
    id: 'domain_registry',
    start: async ({ system }) => (await spawnDomainRegistry(table, system)) as ActorRef<never>,
  };
}
