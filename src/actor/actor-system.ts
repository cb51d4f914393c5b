/**
 * The actor system: one nact system plus the clock and pubsub every actor of it shares, and
 * the dead-letter count.
 *
 * @example
 * const system = createActorSystem({ clock: new ManualClock() });
 * const ref = await spawnActor(system, counter);
 * ref.cast({ type: 'add', by: 1 });
 * await system.stop();
 */
import { type Ref, start as startNact, stop as stopNact } from 'nact';
import { type Clock, systemClock } from '../clock.ts';
import { formatReason } from '../errors.ts';
import type { FailedOperation, ThunderlineEvent } from '../events.ts';
import { PubSub } from '../pubsub/index.ts';
import { emitTelemetry } from '../telemetry/index.ts';
import { RunQueue } from './run-queue.ts';

/** @internal what the system keeps of a live actor cell (the cell itself; typed loosely to avoid an import cycle) */
export interface LiveCell {
  readonly id: string;
  readonly name: string;
}

/** Options of {@link createActorSystem}. */
export interface ActorSystemOptions {
  /** Time source for call timeouts and everything built on the system; default the real clock. */
  clock?: Clock;
  /** The event bus; default a new {@link PubSub}. */
  pubsub?: PubSub<ThunderlineEvent>;
}

/** A running actor system. */
export class ActorSystem {
  readonly clock: Clock;
  readonly pubsub: PubSub<ThunderlineEvent>;
  /** @internal the nact system every actor is spawned in */
  readonly nact: Ref<never>;
  /** @internal the nact system's name, to find the concrete actor behind a reference */
  readonly nactName: string;
  /** @internal the scheduler every actor of this system shares */
  readonly runQueue = new RunQueue();
  /** @internal every actor cell not yet dead, for the observer (`/api/actors`); cells add and remove themselves */
  readonly liveCells = new Set<LiveCell>();
  /** @internal the id of the actor whose turn is running now, if any (a new cell records it as `spawnedBy`) */
  runningActor: string | undefined = undefined;
  private deadLetterCount = 0;
  private actorSeq = 0;
  private stopped = false;
  private isoMs = Number.NaN;
  private iso = '';

  constructor(options: ActorSystemOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.pubsub = options.pubsub ?? new PubSub<ThunderlineEvent>(() => this.clock.wallNow());
    this.nact = startNact();
    this.nactName = (this.nact as unknown as { name: string }).name;
  }

  /** Messages sent to stopped actors since the system started. */
  get deadLetters(): number {
    return this.deadLetterCount;
  }

  /**
   * True when no actor of this system has a message waiting, or a handler, `init` or `terminate`
   * in progress. Looked at between turns of the event loop (from a `setImmediate`, never inside a
   * chain of promise callbacks), it means nothing more happens until a timer fires (on a
   * `ManualClock`, until it is advanced) or code outside the actors acts: a test waits for it to
   * know a system has settled.
   *
   * @example
   * const settled = () => new Promise<void>((resolve) => {
   *   const look = () => (system.idle ? resolve() : setImmediate(look));
   *   look();
   * });
   */
  get idle(): boolean {
    return this.runQueue.idle;
  }

  /** True once {@link stop} has run. */
  get isStopped(): boolean {
    return this.stopped;
  }

  /** @internal the next unique actor id for a display name */
  nextActorId(name: string): string {
    this.actorSeq += 1;
    return `${name}#${this.actorSeq}`;
  }

  /** ISO wall time now, as events carry it. */
  isoNow(): string {
    // A burst of events (10,000 activations in one tick) shares a millisecond: format it once.
    const wallMs = this.clock.wallNow();
    if (wallMs !== this.isoMs) {
      this.isoMs = wallMs;
      this.iso = new Date(wallMs).toISOString();
    }
    return this.iso;
  }

  /** @internal counts and reports a message sent to a stopped actor */
  deadLetter(actor: string, message: unknown): void {
    this.deadLetterCount += 1;
    const messageType =
      typeof message === 'object' && message !== null && typeof (message as { type?: unknown }).type === 'string'
        ? (message as { type: string }).type
        : typeof message;
    const event = { type: 'dead_letter' as const, actor, messageType, time: this.isoNow(), count: this.deadLetterCount };
    emitTelemetry('dead_letter', event);
    this.pubsub.publish('system:dead_letter', event);
  }

  /**
   * @internal reports a failure no caller can catch (a terminate, a background start, a stop) as
   * an `operation_failed` event and on `thunderline:operation_failed`
   */
  reportFailure(operation: FailedOperation, actor: string, reason: unknown): void {
    const event = { type: 'operation_failed' as const, operation, actor, reason: formatReason(reason), time: this.isoNow() };
    emitTelemetry('operation_failed', event);
    this.pubsub.publish('system:operation_failed', event);
  }

  /** @internal reports a listener (an exit listener, say) that threw: `subscriber_failed`, as pubsub reports its own */
  listenerFailed(topic: string, error: unknown): void {
    const event = { type: 'subscriber_failed' as const, topic, reason: formatReason(error), time: this.isoNow() };
    emitTelemetry('subscriber_failed', event);
    this.pubsub.publish('system:subscriber_failed', event);
  }

  /** Stops the nact system. Actors are not asked to terminate: stop your supervision tree first. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.runQueue.close();
    stopNact(this.nact);
  }
}

/** Creates an {@link ActorSystem}. */
export function createActorSystem(options: ActorSystemOptions = {}): ActorSystem {
  return new ActorSystem(options);
}
