/**
 * The cluster's event stream (`docs/cluster.md`, "Events"): every node sends its own events,
 * stamped with its node id (and, for domain events, the shard and lease epoch), to one JetStream
 * stream in batches; every node reads that stream back in its one order — its own events
 * included — into a cluster-wide registry replica and into the feed its WebSocket server serves.
 *
 * @example
 * const relay = new EventRelay({ bus, pubsub: system.pubsub, nodeId, placement });
 * await relay.flush();      // every event so far is stored by JetStream
 */
import type { ClusterEvent, DomainEvent, ThunderlineEvent } from '../events.ts';
import { ALL_TOPICS, type PubSub } from '../pubsub/index.ts';
import type { ClusterBus } from './bus.ts';
import type { Placement } from './cluster-store.ts';

/** Options of {@link EventRelay}. */
export interface EventRelayOptions {
  bus: Pick<ClusterBus, 'publishEvents'>;
  /** This node's own events. */
  pubsub: PubSub<ThunderlineEvent>;
  nodeId: string;
  placement: Placement;
  /** Events gathered into one message for at most this long, ms; default 5. */
  batchMs?: number;
  /** A batch this large goes at once; default 500. */
  maxBatch?: number;
  /** Events held while NATS cannot be reached, at most; default 50,000. */
  maxHeld?: number;
  /** A publish failed (the batch is retried with the next one). */
  onError(error: unknown): void;
}

/** Sends this node's events to the cluster stream. */
export class EventRelay {
  private batch: ThunderlineEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  private readonly off: () => void;
  /** Events stored by JetStream so far. */
  sent = 0;
  /** Events dropped because NATS was unreachable while more than `maxHeld` waited. */
  dropped = 0;

  constructor(private readonly options: EventRelayOptions) {
    this.off = options.pubsub.subscribe(ALL_TOPICS, (event) => this.add(event));
  }

  private add(event: ThunderlineEvent): void {
    // The cluster's tick is sent once, by its leader (see `tickEvent`); local deliveries are not.
    if (event.type === 'tick') return;
    this.batch.push(this.stamp(event));
    if (this.batch.length >= (this.options.maxBatch ?? 500)) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.options.batchMs ?? 5);
      this.timer.unref();
    }
  }

  /** Adds an event that did not come from this node's pubsub (the leader's tick). */
  send(event: ThunderlineEvent): void {
    this.batch.push(event);
    void this.flush();
  }

  private stamp(event: ThunderlineEvent): ThunderlineEvent {
    const { nodeId, placement } = this.options;
    if (event.type.startsWith('domain_')) {
      const domain = event as DomainEvent;
      // A domain's own events carry the placement of the incarnation that published them.
      if (domain.epoch !== undefined) return event;
      const shard = placement.shardOf(domain.domain);
      const epoch = placement.epochOf(shard);
      return { ...domain, node: nodeId, shard, ...(epoch === undefined ? {} : { epoch }) };
    }
    if ((event as ClusterEvent).node !== undefined) return event;
    return { ...event, node: nodeId } as ThunderlineEvent;
  }

  /** Sends what is gathered; resolves once JetStream has stored every event added before the call. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.batch;
    this.batch = [];
    this.sending = this.sending.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.options.bus.publishEvents(batch);
        this.sent += batch.length;
      } catch (error) {
        // Kept for the next flush, in order: a NATS outage delays events. Up to `maxHeld`: past
        // that the oldest go (counted in `dropped`); the ledger in PostgreSQL keeps the record.
        this.batch = [...batch, ...this.batch];
        const cap = this.options.maxHeld ?? 50_000;
        if (this.batch.length > cap) this.dropped += this.batch.splice(0, this.batch.length - cap).length;
        this.options.onError(error);
        if (!this.timer) {
          this.timer = setTimeout(() => void this.flush(), 500);
          this.timer.unref();
        }
      }
    });
    return this.sending;
  }

  /** Stops listening; what was gathered is sent. */
  async close(): Promise<void> {
    this.off();
    await this.flush();
  }
}
