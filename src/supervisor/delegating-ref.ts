/**
 * The actor-ref half of every supervisor ref (`SupervisorRef`, `DynamicSupervisorRef`,
 * `TaskSupervisorRef`): id, alive, cast, call, stop, kill and exits delegate to the actor
 * underneath, and exit signals name the wrapping ref, so monitors, links and `onExit` see the ref
 * the caller holds. Each subclass adds its name and its own API.
 *
 * @example
 * class PoolRef extends DelegatingRef<PoolMsg> {
 *   get name(): string { return 'pool'; }
 * }
 */
import type { ActorRef } from '../actor/actor-ref.ts';
import type { ExitSignal, Message } from '../actor/behaviour.ts';
import { CELL, cellOf, type ExitLinks } from '../actor/exit-links.ts';

/**
 * An actor ref that delegates to `actor`; a subclass names it.
 *
 * @example
 * const sup = await startSupervisor(system, { name: 'app' });
 * sup.onExit((signal) => signal.actor === sup); // true: the exit names the wrapping ref
 */
export abstract class DelegatingRef<M extends Message> implements ActorRef<M> {
  /** @internal */
  constructor(
    /** @internal the actor (or ref) underneath */
    protected readonly actor: ActorRef<M>,
  ) {}

  abstract get name(): string;

  /** @internal the actor cell, for monitors and links */
  get [CELL](): ExitLinks {
    return cellOf(this.actor);
  }
  get id(): string {
    return this.actor.id;
  }
  get alive(): boolean {
    return this.actor.alive;
  }
  cast(message: M): void {
    this.actor.cast(message);
  }
  call<R = unknown>(message: M, timeoutMs?: number): Promise<R> {
    return this.actor.call<R>(message, timeoutMs);
  }
  /**
   * Stops the supervisor once its children are shut down, each within its `shutdown`: a
   * `Supervisor`'s one by one in reverse start order, a dynamic or task supervisor's all at once.
   */
  stop(reason?: unknown): Promise<ExitSignal> {
    return this.actor.stop(reason);
  }
  kill(reason?: unknown): void {
    this.actor.kill(reason);
  }
  onExit(listener: (signal: ExitSignal) => void): () => void {
    return this.actor.onExit((signal) => listener({ ...signal, actor: this }));
  }
  whenExited(): Promise<ExitSignal> {
    return new Promise((resolve) => this.onExit(resolve));
  }
}
