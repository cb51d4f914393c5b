/**
 * Delivers each tick to every subscribed domain and tracks the round: `publish` returns a
 * round whose `done` resolves once every domain that received the tick has handled it (or
 * exited). This is how `runtime.tick()` knows the tick has been fully handled, and how the
 * registry knows when to write a timed tick's changes (`onRoundDone`).
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
  private completed = false;
  private resolveDone!: () => void;
  /** Resolves once every receiver that joined has left. */
  readonly done: Promise<void>;

  /** @param bus the bus whose round listeners hear of this round's completion, if any */
  constructor(
    readonly tick: number,
    private readonly bus?: TickBus,
  ) {
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
    if (this.published && this.remaining === 0) this.complete();
  }

  /** @internal every receiver has been offered the tick */
  sealed(): void {
    this.published = true;
    if (this.remaining === 0) this.complete();
  }

  private complete(): void {
    if (this.completed) return;
    this.completed = true;
    this.resolveDone();
    // Synchronously, in the turn of the last receiver to leave: before `done`'s continuations.
    this.bus?.roundCompleted(this);
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

  /** Called with each round once it completes; see {@link onRoundDone}. */
  private readonly roundListeners: Array<(round: TickRound) => void> = [];

  /**
   * Calls `listener` with each round this bus publishes, once every domain that took its tick
   * has handled it (or left it: skipped, or exited). It runs synchronously in the turn of the last
   * domain to leave, so it must not throw; rounds may complete out of tick order (a newer tick
   * can replace an older one still waiting in a slow domain's slot). Returns the unsubscribe.
   */
  onRoundDone(listener: (round: TickRound) => void): () => void {
    this.roundListeners.push(listener);
    return () => {
      const index = this.roundListeners.indexOf(listener);
      if (index >= 0) this.roundListeners.splice(index, 1);
    };
  }

  /** @internal a round of this bus completed */
  roundCompleted(round: TickRound): void {
    const listeners = this.roundListeners;
    for (let index = 0; index < listeners.length; index += 1) (listeners[index] as (round: TickRound) => void)(round);
  }

  /** Receivers now subscribed. */
  get size(): number {
    return this.receivers.size;
  }

  /** Offers `event` to every receiver and returns the round tracking their handling. */
  publish(event: TickEvent): TickRound {
    const round = new TickRound(event.tick, this);
    // One message for every domain: a tick to N domains allocates nothing per domain here.
    const delivery: TickDelivery = { type: 'tick', event, round };
    for (const receiver of this.receivers) receiver.deliver(delivery);
    round.sealed();
    return round;
  }
}
