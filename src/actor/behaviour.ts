/**
 * The typed behaviour an actor is defined from: its state, its message union, an `init` that
 * may be async, a handler, and an optional `terminate` (gen_server's callbacks).
 *
 * @example
 * type CounterMsg = { type: 'add'; by: number } | { type: 'get' };
 * const counter: Behaviour<number, CounterMsg> = {
 *   init: () => 0,
 *   handle: (n, msg, ctx) => (msg.type === 'add' ? n + msg.by : (ctx.reply(n), n)),
 * };
 */
import type { ActorRef } from './actor-ref.ts';
import type { ActorSystem } from './actor-system.ts';

/** Every actor message is an object discriminated on `type`. */
export interface Message {
  readonly type: string;
}

/** What a handler can reach while it handles one message. */
export interface ActorContext<M extends Message> {
  /** This actor. */
  readonly self: ActorRef<M>;
  /** The system the actor runs in (clock, pubsub). */
  readonly system: ActorSystem;
  /**
   * Answers the `call` being handled; a no-op for a `cast`. May be kept and called later
   * (a deferred reply, like `GenServer.reply/2`); only the first reply counts.
   */
  readonly reply: (value: unknown) => void;
  /**
   * Aborts when this incarnation of the actor begins to exit (crash, kill or stop). Pass it to
   * work that outlives a handler (`fetch`, timers) so none of it runs on after the actor is gone.
   */
  readonly signal: AbortSignal;
  /**
   * True once this incarnation has begun to exit (crashing or stopping, its `terminate` running)
   * or is dead: work that finishes late checks it before it publishes or starts anything.
   */
  readonly exiting: boolean;
}

/** An actor's definition. `S` is its state, `M` its message union, `A` its start argument. */
export interface Behaviour<S, M extends Message, A = void> {
  /** Display name used in events and errors; default `'actor'`. */
  readonly name?: string;
  /** Builds the first state. Throwing or rejecting fails the start with that reason. */
  init(args: A, ctx: ActorContext<M>): S | Promise<S>;
  /** Handles one message and returns the next state. A throw or rejection crashes the actor. */
  handle(state: S, message: M, ctx: ActorContext<M>): S | Promise<S>;
  /**
   * Runs on a graceful stop and after a crash (not after a kill). As gen_server's: if it throws
   * or rejects, the failure is reported (`operation_failed`) and the actor exits with
   * `ERR_TERMINATE_FAILED` (naming the original reason; `cause` is the error), an abnormal exit.
   */
  terminate?(state: S, reason: unknown): void | Promise<void>;
}

/** Why and where an actor exited; delivered to every exit listener (a link, a monitor). */
export interface ExitSignal {
  /** The actor that exited. */
  readonly actor: ActorRef<never>;
  /** The exit reason: `'normal'`, `'shutdown'`, `{ shutdown: ... }`, `'killed'` or the thrown value. */
  readonly reason: unknown;
  /** The type of the message being handled when the actor crashed, if any. */
  readonly messageType?: string;
  /** Where the actor was when it exited. */
  readonly phase: 'init' | 'handle' | 'stop' | 'kill';
}

/**
 * OTP's notion of a clean exit: `normal`, `shutdown`, or `{ shutdown: term }`. A transient child
 * that exits cleanly is not restarted.
 */
export function isCleanExit(reason: unknown): boolean {
  if (reason === 'normal' || reason === 'shutdown') return true;
  return typeof reason === 'object' && reason !== null && !(reason instanceof Error) && 'shutdown' in reason;
}
