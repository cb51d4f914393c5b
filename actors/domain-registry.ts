/**
 * The domain registry (Thunderblock.DomainRegistry; `docs/architecture.md`): keeps every domain's status in
 * memory for synchronous lookups and writes every status change to SQLite in batches.
 *
 * Status changes reach the registry actor through its mailbox: the {@link DomainRegistryTable}
 * keeps an inbox that its pubsub subscription only appends to (it cannot throw, so pubsub never
 * detaches it), and the actor applies the inbox in its own turn, then writes the changes to disk
 * as one transaction per flush: when a tick's round completes (every domain has handled it), when
 * a tick arrives, when asked, and on shutdown. The table and its inbox
 * outlive a registry restart, as an ETS table with an heir would: what was published while the
 * actor was down is applied by the next one. Lookups read the table synchronously.
 *
 * @example
 * const table = new DomainRegistryTable({ store, runId, clock });
 * const spec = domainRegistrySpec(table, tickBus);
 * table.activeDomains();
 */
import type { ActorRef } from '../src/actor/actor-ref.ts';
import { spawnActor } from '../src/actor/actor-ref.ts';
import type { Behaviour } from '../src/actor/behaviour.ts';
import type { Clock } from '../src/clock.ts';
import { publishDomainEvent } from '../src/domain/domain-actor.ts';
import type { TickBus, TickRound } from '../src/domain/tick-bus.ts';
import type { DomainEvent, DomainEventType, SupervisorEvent, ThunderlineEvent } from '../src/events.ts';
import { TICK_TOPIC } from '../src/events.ts';
import type { PubSub } from '../src/pubsub/index.ts';
import {
  type DomainStatus,
  type HistoryEntry,
  type HistoryOptions,
  historyEntryOf,
  type RegistryView,
} from '../src/runtime/registry-view.ts';
import type { RegistryStore, StatusChange } from '../src/store/registry-store.ts';
import { type DomainStatusName, HISTORY_EVENT_OF, type HistoryEvent, STATUS_AFTER } from '../src/store/status-names.ts';
import type { ChildSpec } from '../src/supervisor/spec.ts';
import { telemetryChannel } from '../src/telemetry/index.ts';

/** Messages of the registry actor: apply the inbox; apply it and write to disk (a call). */
export type DomainRegistryMsg = { type: 'drain' } | { type: 'flush' };

/** Options of {@link DomainRegistryTable}. */
export interface DomainRegistryOptions {
  store: RegistryStore;
  runId: string;
  clock: Clock;
  /** Status changes kept in memory; default 100. */
  historySize?: number;
  /** The supervisors whose children are domains; default `['domains']`. */
  domainSupervisors?: readonly string[];
}

const DEFAULT_DOMAIN_SUPERVISORS: readonly string[] = ['domains'];

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
  /** The last `historySize` status changes, a ring: `recentNext` is where the next one goes. */
  private readonly recent: HistoryEntry[] = [];
  private recentNext = 0;
  private pending: StatusChange[] = [];
  private tick = 0;
  private readonly historySize: number;
  /** Events received and not yet applied, oldest first. */
  private inbox: ThunderlineEvent[] = [];
  private unsubscribe: (() => void) | undefined;
  /** Wakes the registry actor now running, if any; undefined while it is down. */
  private wake: (() => void) | undefined;
  private wakePending = false;
  /** Publishes an implied event (a `domain_failed`); it comes back through the inbox. */
  private publishImplied: ((event: DomainEvent) => void) | undefined;
  /** The newest tick whose round completed since the last flush (0: none): a flush is due. */
  private roundDue = 0;
  private offRounds: (() => void) | undefined;

  constructor(private readonly options: DomainRegistryOptions) {
    this.historySize = options.historySize ?? 100;
  }

  /**
   * Subscribes the table to the registry topics of `pubsub`, once; the subscription outlives any
   * registry actor. The listener only appends to the inbox and wakes the actor: it cannot throw.
   */
  listen(pubsub: PubSub<ThunderlineEvent>, publish: (event: DomainEvent) => void): void {
    if (this.unsubscribe) return;
    this.publishImplied = publish;
    const receive = (event: ThunderlineEvent): void => {
      // The tick number is not a status change: kept exact at once, for events that carry it.
      if (event.type === 'tick') this.tick = event.tick;
      this.inbox.push(event);
      this.wakeActor();
    };
    const offs = REGISTRY_TOPICS.map((topic) => pubsub.subscribe(topic, receive));
    this.unsubscribe = () => {
      for (const off of offs) off();
    };
  }

  /**
   * Follows the rounds of `bus`, once: when a tick's round completes (every domain has handled
   * the tick), the registry actor is woken to write what the round changed, so a timed tick's
   * changes are on disk without waiting for the next tick.
   */
  followRounds(bus: TickBus): void {
    this.offRounds ??= bus.onRoundDone(this.roundDone);
  }

  private readonly roundDone = (round: TickRound): void => {
    if (round.tick > this.roundDue) this.roundDue = round.tick;
    this.wakeActor();
  };

  private wakeActor(): void {
    if (this.wake && !this.wakePending) {
      this.wakePending = true;
      this.wake();
    }
  }

  /** Stops listening (the runtime has ended). */
  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.offRounds?.();
    this.offRounds = undefined;
  }

  /** @internal the registry actor now running: woken when the inbox has events */
  attach(wake: (() => void) | undefined): void {
    this.wake = wake;
    this.wakePending = false;
  }

  /** Events waiting to be applied. */
  inboxLength(): number {
    return this.inbox.length;
  }

  /** A completed round has not been written yet. */
  flushDue(): boolean {
    return this.roundDue > 0;
  }

  /**
   * Applies every event in the inbox, in order, publishing the events they imply (which come back
   * through the inbox and are applied too); true when a flush is due: a tick was among them, or a
   * round has completed since the last flush.
   */
  drain(): boolean {
    this.wakePending = false;
    let ticked = this.roundDue > 0;
    while (this.inbox.length > 0) {
      const events = this.inbox;
      this.inbox = [];
      for (const event of events) {
        if (event.type === 'tick') ticked = true;
        const implied = this.apply(event);
        if (implied) this.publishImplied?.(implied);
      }
    }
    return ticked;
  }

  /**
   * Applies one event from the pubsub. Returns the event it implies, if any: a `domain_failed`
   * when the domains supervisor gives up on a crashed domain. The caller publishes it (the registry
   * actor does), so the failure reaches every subscriber and comes back here as a status change.
   */
  apply(event: ThunderlineEvent): DomainEvent | undefined {
    if (event.type === 'tick') {
      if (event.tick > this.tick) this.tick = event.tick;
      return undefined;
    }
    if (event.type === 'supervisor_escalated') return this.failedDomain(event as SupervisorEvent);
    const historyEvent = HISTORY_EVENT_OF[event.type as DomainEventType];
    if (historyEvent) this.record(event as DomainEvent, historyEvent, STATUS_AFTER[historyEvent]);
    return undefined;
  }

  /** A supervisor holding domains gave up: a crashed domain it held will not come back. */
  private failedDomain(event: SupervisorEvent): DomainEvent | undefined {
    // Only those supervisors' children are domains; a domain's own children may share a name.
    if (!(this.options.domainSupervisors ?? DEFAULT_DOMAIN_SUPERVISORS).includes(event.supervisor)) return undefined;
    const status = this.domains.get(event.child);
    if (!status || (status.status !== 'crashed' && status.status !== 'restarting')) return undefined;
    return { type: 'domain_failed', domain: event.child, tick: this.tick, time: event.time, reason: event.reason };
  }

  private record(event: DomainEvent, historyEvent: HistoryEvent, status: DomainStatusName): void {
    const now = this.options.clock.wallNow();
    const entry = this.domains.get(event.domain);
    if (entry) {
      // Updated in place: lookups hand out copies, so no reader sees it change.
      entry.status = status;
      entry.tick = event.tick;
      if (event.tick > entry.lastTick) entry.lastTick = event.tick;
      if (status === 'active') entry.activatedAt = now;
      if (historyEvent === 'restarting') entry.restarts += 1;
      entry.updatedAt = now;
      entry.reason = event.reason;
    } else {
      this.domains.set(event.domain, {
        name: event.domain,
        status,
        tick: event.tick,
        lastTick: event.tick,
        activatedAt: status === 'active' ? now : undefined,
        restarts: historyEvent === 'restarting' ? 1 : 0,
        updatedAt: now,
        reason: event.reason,
      });
    }
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
    // A ring, not push + shift: 10,000 activations in one tick move no array.
    if (this.recent.length < this.historySize) this.recent.push(history);
    else this.recent[this.recentNext] = history;
    this.recentNext = (this.recentNext + 1) % this.historySize;
    const change: StatusChange = {
      runId: this.options.runId,
      domain: event.domain,
      event: historyEvent,
      status,
      tick: event.tick,
      occurredAt: now,
    };
    if (event.reason !== undefined) change.metadata = { reason: event.reason };
    if (event.epoch !== undefined) change.epoch = event.epoch;
    this.pending.push(change);
  }

  /** Applies the inbox, then writes every unwritten change in one transaction; on failure they stay pending. */
  flush(): number {
    this.drain();
    const written = this.writePending(this.roundDue);
    this.roundDue = 0;
    return written;
  }

  /**
   * Writes the changes already applied (not the inbox) in one transaction, and reports it on
   * `thunderline:registry_flush` (`rows`, `durationMs`, `round`: the newest tick whose completed
   * round it writes, 0 if none).
   */
  private writePending(round: number): number {
    if (this.pending.length === 0) return 0;
    const batch = this.pending;
    const began = performance.now();
    this.options.store.writeBatch(batch);
    this.pending = this.pending === batch ? [] : this.pending.slice(batch.length);
    const flushed = telemetryChannel('registry_flush');
    if (flushed.hasSubscribers) flushed.publish({ rows: batch.length, durationMs: performance.now() - began, round, tick: this.tick });
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
    const held = this.recent.length;
    for (let back = 1; back <= held && rows.length < limit; back += 1) {
      const entry = this.recent[(this.recentNext - back + held) % held] as HistoryEntry;
      if (options.domain === undefined || entry.domain === options.domain) rows.push(entry);
    }
    if (rows.length >= limit || this.recent.length < this.historySize) return rows;
    // Older than memory holds: read it from disk, after writing the changes already applied (the
    // inbox stays for the registry actor: a reader never applies status changes).
    this.writePending(0);
    return this.options.store.readHistory({ domain: options.domain, limit, runId: this.options.runId }).map(historyEntryOf);
  }

  currentTick(): number {
    return this.tick;
  }
}

function registryBehaviour(
  table: DomainRegistryTable,
  rounds: TickBus | undefined,
): Behaviour<DomainRegistryTable, DomainRegistryMsg, undefined> {
  return {
    name: 'domain_registry',
    init(_args, ctx) {
      const { system } = ctx;
      table.listen(system.pubsub, (event) => publishDomainEvent(system, event.type, event.domain, event.tick, event.reason));
      if (rounds) table.followRounds(rounds);
      table.attach(() => ctx.self.cast({ type: 'drain' }));
      ctx.self.onExit(() => table.attach(undefined));
      // Catch up with whatever was published (or completed) while no registry actor ran.
      if (table.inboxLength() > 0 || table.flushDue()) ctx.self.cast({ type: 'drain' });
      return table;
    },
    handle(state, message, ctx) {
      switch (message.type) {
        case 'drain':
          // A flush when a round completes (what the tick changed) and when a tick arrives (what
          // changed between rounds: a crash, a restart), so nothing waits longer than a tick.
          if (state.drain()) state.flush();
          ctx.reply(undefined);
          return state;
        case 'flush':
          ctx.reply(state.flush());
          return state;
        default: {
          const unreachable: never = message;
          throw new Error(`domain_registry: unknown message ${JSON.stringify(unreachable)}`);
        }
      }
    },
    terminate(state) {
      state.flush();
    },
  };
}

/** Starts the registry actor over `table`; with `rounds`, it writes each tick's round once it completes. */
export function spawnDomainRegistry(
  table: DomainRegistryTable,
  system: Parameters<typeof spawnActor>[0],
  rounds?: TickBus,
): Promise<ActorRef<DomainRegistryMsg>> {
  return spawnActor(system, registryBehaviour(table, rounds), undefined, { name: 'domain_registry' });
}

/** The registry's child spec (id `domain_registry`); `rounds` is the tick bus whose rounds it writes. */
export function domainRegistrySpec(table: DomainRegistryTable, rounds?: TickBus): ChildSpec {
  return {
    id: 'domain_registry',
    start: async ({ system }) => (await spawnDomainRegistry(table, system, rounds)) as ActorRef<never>,
  };
}
