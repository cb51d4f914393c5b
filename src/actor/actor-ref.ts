/**
 * A running actor and the reference to it: `cast`, `call`, `stop`, `kill` and exit listeners,
 * over a nact actor that only ever sees our envelopes.
 *
 * @example
 * const ref = await spawnActor(system, counter);
 * ref.cast({ type: 'add', by: 2 });
 * const n = await ref.call<number>({ type: 'get' }, 1000);
 * await ref.stop();
 */
import { dispatch, type Ref, spawn, stop as stopNact } from 'nact';
import type { TimerHandle } from '../clock.ts';
import { formatReason, ThunderlineError } from '../errors.ts';
import type { ActorSystem } from './actor-system.ts';
import type { ActorContext, Behaviour, ExitSignal, Message } from './behaviour.ts';

/** Default `call` timeout, ms (gen_server's is 5000 too). */
export const DEFAULT_CALL_TIMEOUT_MS = 5000;

/** A reference to an actor. Methods never throw for a dead actor; see each one. */
export interface ActorRef<M extends Message> {
  /** Unique in its system, e.g. `"ticker#12"`. */
  readonly id: string;
  /** The behaviour's display name. */
  readonly name: string;
  /** False once the actor has exited. */
  readonly alive: boolean;
  /** Fire and forget. To a dead actor: a dead letter (counted and published), never thrown. */
  cast(message: M): void;
  /**
   * Request/reply. Rejects with `ERR_QUERY_TIMEOUT` after `timeoutMs` (default 5000), or with
   * `ERR_ACTOR_STOPPED` if the actor is dead or dies before replying.
   */
  call<R = unknown>(message: M, timeoutMs?: number): Promise<R>;
  /** Graceful stop: queued behind pending messages, runs `terminate`, resolves on exit. */
  stop(reason?: unknown): Promise<ExitSignal>;
  /** Immediate exit without `terminate` (Erlang's `exit(Pid, kill)`); default reason `'killed'`. */
  kill(reason?: unknown): void;
  /** Calls `listener` once when the actor exits (at once if it already has). */
  onExit(listener: (signal: ExitSignal) => void): () => void;
  /** Resolves with the exit signal once the actor has exited. */
  whenExited(): Promise<ExitSignal>;
}

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  timer: TimerHandle | undefined;
  messageType: string;
}

type EnvelopeKind = 'init' | 'call' | 'stop';

/** Internal messages; user messages travel bare so a cast costs no extra allocation. */
class Envelope {
  constructor(
    readonly kind: EnvelopeKind,
    readonly payload: unknown,
    readonly pending?: PendingCall,
  ) {}
}

const noReply = (): void => {};

type Status = 'starting' | 'running' | 'stopping' | 'dead';

/** @internal the actor behind an {@link ActorRef} */
export class ActorCell<S, M extends Message, A> implements ActorRef<M> {
  readonly id: string;
  readonly name: string;
  private status: Status = 'starting';
  private state: S | undefined;
  private nactRef: Ref<unknown> | undefined;
  private exitSignal: ExitSignal | undefined;
  private listeners: Array<(signal: ExitSignal) => void> | undefined;
  private pending: Set<PendingCall> | undefined;
  private readonly castContext: ActorContext<M>;

  constructor(
    readonly system: ActorSystem,
    private readonly behaviour: Behaviour<S, M, A>,
    name: string,
  ) {
    this.name = name;
    this.id = system.nextActorId(name);
    this.castContext = { self: this, system, reply: noReply };
  }

  get alive(): boolean {
    return this.status !== 'dead';
  }

  /** @internal spawns the nact actor and runs `init` as its first message */
  start(args: A): Promise<ActorRef<M>> {
    this.nactRef = spawn(this.system.nact, (_state: unknown, message: unknown) => this.receive(message), this.nactName());
    return new Promise((resolve, reject) => {
      const pending: PendingCall = { resolve: () => resolve(this), reject, timer: undefined, messageType: 'init' };
      dispatch(this.nactRef as Ref<unknown>, new Envelope('init', args, pending));
    });
  }

  cast(message: M): void {
    if (this.status === 'dead' || this.nactRef === undefined) {
      this.system.deadLetter(this.id, message);
      return;
    }
    dispatch(this.nactRef, message);
  }

  call<R = unknown>(message: M, timeoutMs: number = DEFAULT_CALL_TIMEOUT_MS): Promise<R> {
    if (this.status === 'dead' || this.nactRef === undefined) {
      this.system.deadLetter(this.id, message);
      return Promise.reject(this.stoppedError(message.type));
    }
    if (!(timeoutMs > 0)) {
      return Promise.reject(
        new ThunderlineError(
          'ERR_INVALID_OPTION',
          `call to actor "${this.id}": timeoutMs must be a number > 0 or Infinity, got ${String(timeoutMs)}`,
        ),
      );
    }
    return new Promise<R>((resolve, reject) => {
      const pending: PendingCall = { resolve: resolve as (value: unknown) => void, reject, timer: undefined, messageType: message.type };
      if (timeoutMs !== Number.POSITIVE_INFINITY) {
        pending.timer = this.system.clock.setTimeout(() => {
          if (!this.pending?.delete(pending)) return;
          reject(
            new ThunderlineError(
              'ERR_QUERY_TIMEOUT',
              `call to actor "${this.id}" timed out after ${timeoutMs} ms waiting for a reply to "${message.type}"`,
            ),
          );
        }, timeoutMs);
      }
      this.pending ??= new Set();
      this.pending.add(pending);
      dispatch(this.nactRef as Ref<unknown>, new Envelope('call', message, pending));
    });
  }

  stop(reason: unknown = 'shutdown'): Promise<ExitSignal> {
    if (this.status !== 'dead' && this.nactRef !== undefined) dispatch(this.nactRef, new Envelope('stop', reason));
    return this.whenExited();
  }

  kill(reason: unknown = 'killed'): void {
    if (this.status === 'dead') return;
    this.finish(reason, 'kill', undefined);
  }

  onExit(listener: (signal: ExitSignal) => void): () => void {
    if (this.exitSignal) {
      listener(this.exitSignal);
      return noReply;
    }
    this.listeners ??= [];
    this.listeners.push(listener);
    return () => {
      const index = this.listeners?.indexOf(listener) ?? -1;
      if (index >= 0) this.listeners?.splice(index, 1);
    };
  }

  whenExited(): Promise<ExitSignal> {
    return new Promise((resolve) => this.onExit(resolve));
  }

  /** The nact actor's name: our id made path-safe. */
  private nactName(): string {
    return this.id.replace(/[^a-z0-9\-$_.+!*'(),]/gi, '_');
  }

  /** Every message nact hands us goes through here, one at a time. */
  private receive(message: unknown): void | Promise<void> {
    if (this.status === 'dead') return;
    if (message instanceof Envelope) return this.receiveEnvelope(message);
    return this.runHandler(message as M, this.castContext);
  }

  private receiveEnvelope(envelope: Envelope): void | Promise<void> {
    switch (envelope.kind) {
      case 'init':
        return this.runInit(envelope.payload as A, envelope.pending as PendingCall);
      case 'call': {
        const pending = envelope.pending as PendingCall;
        if (!this.pending?.has(pending)) return; // timed out before we got to it
        const reply = (value: unknown): void => this.settle(pending, value);
        return this.runHandler(envelope.payload as M, { self: this, system: this.system, reply });
      }
      case 'stop':
        return this.runStop(envelope.payload);
      default: {
        const unreachable: never = envelope.kind;
        throw new Error(`unknown envelope ${String(unreachable)}`);
      }
    }
  }

  private async runInit(args: A, started: PendingCall): Promise<void> {
    try {
      this.state = await this.behaviour.init(args, this.castContext);
    } catch (error) {
      this.finish(error, 'init', undefined);
      started.reject(error);
      return;
    }
    if (this.status !== 'starting') {
      started.reject(this.stoppedError('init'));
      return;
    }
    this.status = 'running';
    started.resolve(this);
  }

  private runHandler(message: M, context: ActorContext<M>): void | Promise<void> {
    let next: S | Promise<S>;
    try {
      next = this.behaviour.handle(this.state as S, message, context);
    } catch (error) {
      return this.crash(error, message.type);
    }
    if (next instanceof Promise) {
      return next.then(
        (state) => {
          if (this.status !== 'dead') this.state = state;
        },
        (error: unknown) => this.crash(error, message.type),
      );
    }
    this.state = next;
  }

  private async crash(error: unknown, messageType: string): Promise<void> {
    if (this.status === 'dead') return;
    this.status = 'stopping';
    await this.runTerminate(error);
    if (this.alive) this.finish(error, 'handle', messageType);
  }

  private async runStop(reason: unknown): Promise<void> {
    this.status = 'stopping';
    await this.runTerminate(reason);
    if (this.alive) this.finish(reason, 'stop', undefined);
  }

  private async runTerminate(reason: unknown): Promise<void> {
    if (!this.behaviour.terminate) return;
    try {
      await this.behaviour.terminate(this.state as S, reason);
    } catch {
      // terminate is best effort: the exit reason stays the one that caused it (as gen_server).
    }
  }

  private settle(pending: PendingCall, value: unknown): void {
    if (!this.pending?.delete(pending)) return;
    this.system.clock.clearTimeout(pending.timer);
    pending.resolve(value);
  }

  private finish(reason: unknown, phase: ExitSignal['phase'], messageType: string | undefined): void {
    this.status = 'dead';
    if (this.nactRef) stopNact(this.nactRef);
    const signal: ExitSignal = messageType === undefined ? { actor: this, reason, phase } : { actor: this, reason, phase, messageType };
    this.exitSignal = signal;
    if (this.pending) {
      const calls = [...this.pending];
      this.pending.clear();
      for (const call of calls) {
        this.system.clock.clearTimeout(call.timer);
        call.reject(this.stoppedError(call.messageType, reason));
      }
    }
    const listeners = this.listeners ?? [];
    this.listeners = undefined;
    for (const listener of listeners) listener(signal);
  }

  private stoppedError(messageType: string, reason: unknown = this.exitSignal?.reason): ThunderlineError {
    return new ThunderlineError(
      'ERR_ACTOR_STOPPED',
      `actor "${this.id}" is not running (exit reason: ${formatReason(reason)}); "${messageType}" was not handled`,
    );
  }
}

/** Options of {@link spawnActor}. */
export interface SpawnOptions {
  /** Display name; default the behaviour's `name`, else `'actor'`. */
  name?: string;
}

/**
 * Starts an actor and resolves once its `init` has finished, like `gen_server:start_link`.
 * Rejects with the thrown value when `init` fails; the actor is then gone.
 */
export function spawnActor<S, M extends Message, A = void>(
  system: ActorSystem,
  behaviour: Behaviour<S, M, A>,
  args: A,
  options: SpawnOptions = {},
): Promise<ActorRef<M>> {
  const cell = new ActorCell<S, M, A>(system, behaviour, options.name ?? behaviour.name ?? 'actor');
  return cell.start(args);
}
