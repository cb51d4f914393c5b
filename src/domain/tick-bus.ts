/**
 * Delivers each tick to every subscribed domain and tracks the round: `publish` returns a
 * round whose `done` resolves once every domain that received the tick has handled it (or
 * exited). This is how `runtime.tick()` knows the tick has been fully handled.
 *
 * @example
 * const bus = new TickBus();
 * const off = bus.subscribe({ deliver: (event, round) => { round.join(); queue(event, round); } });
 * await bus.publish(tickEvent).done;
 */
import type { TickEvent } from '../events.ts';

/** One tick's delivery: counts the receivers still handling it. */
export class TickRound {
  private remaining = 0;
  private published = false;
  private resolveDone!: () => void;
  /** Resolves once every receiver that joined has left. */
  readonly done: Promise<void>;

  constructor(readonly tick: number) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  /** A receiver takes the tick on; it must {@link leave} once handled. */
  join(): void {
    this.remaining += 1;
  }

  /** A receiver has handled the tick (or will never handle it). */
  leave(): void {
    this.remaining -= 1;
    if (this.published && this.remaining === 0) this.resolveDone();
  }

  /** @internal every receiver has been offered the tick */
  sealed(): void {
    this.published = true;
    if (this.remaining === 0) this.resolveDone();
  }
}

/** Something that takes ticks: a domain. */
export interface TickReceiver {
  /** `delivery` is one object shared by every receiver of the round: never mutate it. */
  deliver(delivery: TickDelivery): void;
}

/** One tick offered to the domains, as the message they handle. */
export interface TickDelivery {
  readonly type: 'tick';
  readonly event: TickEvent;
  readonly round: TickRound;
}

/** The fan-out of ticks to domains. */
export class TickBus {
  private readonly receivers = new Set<TickReceiver>();
  /**
   * Ticks a receiver dropped because a newer one replaced it before it was handled (a domain's
   * mailbox holds at most one pending tick).
   */
  skipped = 0;

  /** Adds a receiver; returns the function that removes it. */
  subscribe(receiver: TickReceiver): () => void {
    this.receivers.add(receiver);
    return () => {
      this.receivers.delete(receiver);
    };
  }

  /** Removes a receiver (what `subscribe`'s return value does, without a closure per receiver). */
  unsubscribe(receiver: TickReceiver): void {
    this.receivers.delete(receiver);
  }

  /** Receivers now subscribed. */
  get size(): number {
    return this.receivers.size;
  }

  /** Offers `event` to every receiver and returns the round tracking their handling. */
  publish(event: TickEvent): TickRound {
    const round = new TickRound(event.tick);
    // One message for every domain: a tick to N domains allocates nothing per domain here.
    const delivery: TickDelivery = { type: 'tick', event, round };
    for (const receiver of this.receivers) receiver.deliver(delivery);
    round.sealed();
    return round;
  }
}
