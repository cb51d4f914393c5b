/**
 * Topic publish/subscribe for the runtime, the analogue of Phoenix.PubSub on one node.
 *
 * Delivery is synchronous and in publish order, so events from one publisher reach every
 * subscriber in the order they were published. A subscriber that throws is detached and
 * reported as a `subscriber_failed` event: it never crashes the publisher (as `:telemetry`
 * detaches a failing handler).
 *
 * @example
 * const pubsub = new PubSub();
 * const off = pubsub.subscribe('system:domain_tick', (event) => console.log(event));
 * pubsub.publish('system:domain_tick', { type: 'tick', tick: 1 });
 * off();
 */
import { formatReason } from '../errors.ts';
import { emitTelemetry } from '../telemetry/index.ts';

/** A subscriber callback. */
export type Listener<E> = (event: E, topic: string) => void;

/** The topic that receives every event published on any topic. */
export const ALL_TOPICS = '*';

/** Synchronous topic pub/sub with failing-subscriber isolation. */
export class PubSub<E extends { type: string } = { type: string }> {
  private readonly topics = new Map<string, Set<Listener<E>>>();
  private readonly now: () => number;

  /** @param wallNow wall clock used to stamp `subscriber_failed` reports, default `Date.now` */
  constructor(wallNow: () => number = Date.now) {
    this.now = wallNow;
  }

  /** Subscribes to `topic` (or {@link ALL_TOPICS}); returns the unsubscribe function. */
  subscribe(topic: string, listener: Listener<E>): () => void {
    let set = this.topics.get(topic);
    if (!set) {
      set = new Set();
      this.topics.set(topic, set);
    }
    set.add(listener);
    const listeners = set;
    return () => {
      listeners.delete(listener);
      // A topic nobody listens to any more is forgotten: subscribing to ever new topics stays bounded.
      if (listeners.size === 0 && this.topics.get(topic) === listeners) this.topics.delete(topic);
    };
  }

  /** Number of subscribers on `topic`. */
  subscriberCount(topic: string): number {
    return this.topics.get(topic)?.size ?? 0;
  }

  /** Delivers `event` to the subscribers of `topic`, then to those of {@link ALL_TOPICS}. */
  publish(topic: string, event: E): void {
    const direct = this.topics.get(topic);
    if (direct && direct.size > 0) this.deliver(direct, topic, event);
    if (topic !== ALL_TOPICS) {
      const all = this.topics.get(ALL_TOPICS);
      if (all && all.size > 0) this.deliver(all, topic, event);
    }
  }

  private deliver(listeners: Set<Listener<E>>, topic: string, event: E): void {
    for (const listener of listeners) {
      try {
        listener(event, topic);
      } catch (error) {
        listeners.delete(listener);
        this.reportFailure(topic, error);
      }
    }
  }

  private reportFailure(topic: string, error: unknown): void {
    const report = {
      type: 'subscriber_failed',
      topic,
      reason: formatReason(error),
      time: new Date(this.now()).toISOString(),
    };
    emitTelemetry('subscriber_failed', report);
    // The report is an event like any other; a failing listener of it is detached in turn.
    if (topic !== 'system:subscriber_failed') this.publish('system:subscriber_failed', report as unknown as E);
  }
}
