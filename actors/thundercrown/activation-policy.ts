/**
 * The activation policy (Thundercrown governance; `docs/domains.md`): consulted by every domain actor on
 * each tick while it is `waiting`. A domain outside the allow-list, or past the limit of
 * activations in one tick, is refused: it stays `waiting` and asks again on the next tick.
 * Every refusal is kept (the latest `keep`) and published as `custom:thundercrown.refused`
 * once the policy is bound to the runtime's pubsub.
 *
 * @example
 * const policy = new ActivationPolicy({ allow: ['thunderbolt'], maxActivationsPerTick: 2 });
 * policy.bind(system.pubsub, () => system.isoNow());
 * policy.decide('thundergrid', 1); // false: recorded, published
 */
import { type ThunderlineEvent, topicOf } from '../../src/events.ts';
import type { PubSub } from '../../src/pubsub/index.ts';

/** The event type of a refusal. */
export const REFUSED = 'custom:thundercrown.refused';

/** Options of {@link ActivationPolicy}; the default allows every domain. */
export interface ActivationPolicyOptions {
  /** Only these domains may activate; default every domain. */
  allow?: readonly string[];
  /** At most this many activations per tick; default unlimited. */
  maxActivationsPerTick?: number;
  /** Refusals kept in memory; default 100. */
  keep?: number;
}

/** One refused activation. */
export interface Refusal {
  domain: string;
  tick: number;
  reason: string;
}

/** The policy; `decide` is the function handed to the runtime as `activationPolicy`. */
export class ActivationPolicy {
  private readonly allow: ReadonlySet<string> | undefined;
  private readonly maxPerTick: number;
  private readonly keep: number;
  private readonly refused: Refusal[] = [];
  private readonly listeners = new Set<(refusal: Refusal) => void>();
  private tick = 0;
  private allowedThisTick = 0;
  private total = 0;
  private publishTo: { pubsub: PubSub<ThunderlineEvent>; isoNow: () => string } | undefined;

  constructor(options: ActivationPolicyOptions = {}) {
    this.allow = options.allow ? new Set(options.allow) : undefined;
    this.maxPerTick = options.maxActivationsPerTick ?? Number.POSITIVE_INFINITY;
    this.keep = options.keep ?? 100;
  }

  /** Publishes refusals on `pubsub` from now on. */
  bind(pubsub: PubSub<ThunderlineEvent>, isoNow: () => string): void {
    this.publishTo = { pubsub, isoNow };
  }

  /** True when `domain` may activate at `tick`; a true answer counts toward the tick's limit. */
  readonly decide = (domain: string, tick: number): boolean => {
    if (tick !== this.tick) {
      this.tick = tick;
      this.allowedThisTick = 0;
    }
    let reason: string | undefined;
    if (this.allow && !this.allow.has(domain)) reason = `not in the allow-list (${[...this.allow].join(', ')})`;
    else if (this.allowedThisTick >= this.maxPerTick) reason = `limit of ${this.maxPerTick} activations per tick reached`;
    if (reason === undefined) {
      this.allowedThisTick += 1;
      return true;
    }
    this.record({ domain, tick, reason });
    return false;
  };

  /** Refusals, oldest first (the latest `keep`). */
  refusals(): Refusal[] {
    return [...this.refused];
  }

  /** Refusals since the start, including those no longer kept. */
  get refusalCount(): number {
    return this.total;
  }

  /** Calls `listener` on each refusal; returns the unsubscribe function. */
  onRefusal(listener: (refusal: Refusal) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private record(refusal: Refusal): void {
    this.total += 1;
    this.refused.push(refusal);
    if (this.refused.length > this.keep) this.refused.shift();
    for (const listener of this.listeners) listener(refusal);
    if (this.publishTo) {
      const event = { ...refusal, type: REFUSED, time: this.publishTo.isoNow() } as const;
      this.publishTo.pubsub.publish(topicOf(event), event);
    }
  }
}
