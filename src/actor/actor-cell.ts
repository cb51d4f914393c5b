/**
 * The actor cell: one incarnation of an actor. It owns the mailbox (`mailbox.ts`), runs one
 * message at a time in order, a synchronous handler inline in the run queue's drain, and waits
 * only while a handler's promise is pending. Once the cell is dead nothing it started
 * has any effect: late state, late replies and late casts are dropped (docs/architecture.md,
 * "The actor cell").
 *
 * Each cell is also a nact actor, spawned and stopped through nact; a message sent with nact's
 * own `dispatch` (or `query`) to {@link ActorCell.nactRef} lands in the same mailbox, in order.
 *
 * @example
 * const cell = new ActorCell(system, counter, 'counter');
 * await cell.start(undefined);
 * cell.cast({ type: 'add', by: 1 });
 */
import type { Ref } from 'nact';
import type { ThunderlineError } from '../errors.ts';
import type { ActorRef } from './actor-ref.ts';
import type { ActorSystem } from './actor-system.ts';
import type { Behaviour, ExitSignal, Message } from './behaviour.ts';
import { CellContext } from './cell-context.ts';
import { actorStopped, callTimedOut, invalidTimeout, terminateFailed } from './cell-errors.ts';
import { Envelope, noReply, type PendingCall, rejectPending } from './envelope.ts';
import { ExitLinks } from './exit-links.ts';
import { EMPTY } from './mailbox.ts';
import { settleMaybeAsync } from './maybe-async.ts';
import { isQuerySender, type NactActor, nactName, replyOnce, spawnNactActor, stopNactActor } from './nact-actor.ts';
import type { Runnable } from './run-queue.ts';

/** Default `call` timeout, ms (gen_server's is 5000 too). */
export const DEFAULT_CALL_TIMEOUT_MS = 5000;

/** `starting`: init not done; `running`; `stopping`: terminate running; `dead`: final. */
type Status = 'starting' | 'running' | 'stopping' | 'dead';

/** One turn in this many (per cell, the first included) is timed for {@link ActorCell.busyMs}. */
const TIMED_TURN_MASK = 63;

/** @internal the actor behind an {@link ActorRef}: one incarnation */
export class ActorCell<S, M extends Message, A> extends ExitLinks implements ActorRef<M>, Runnable {
  readonly id: string;
  readonly name: string;
  private status: Status = 'starting';
  private state: S | undefined;
  /** `init` finished: `terminate` runs at exit (whatever the state, `undefined` included). */
  private initialized = false;
  /** On the run queue now. */
  private queued = false;
  /** See {@link waiting}. */
  private isWaiting = false;
  private nact: Ref<unknown> | undefined;
  private nactActor: NactActor | undefined;
  private pending: Set<PendingCall> | undefined;
  private abort: AbortController | undefined;
  private readonly castContext: CellContext<M>;
  /** Messages handled so far (init, casts, calls, queries, stop), for the observer (`/api/actors`). */
  handled = 0;
  /** Turns on the run queue so far; every 64th (the first included) is timed. */
  private turns = 0;
  private timedTurns = 0;
  private timedMs = 0;
  /** The actor whose handler was running when this one was created (Erlang's `$ancestors`), if any. */
  readonly spawnedBy: string | undefined;

  constructor(
    readonly system: ActorSystem,
    private readonly behaviour: Behaviour<S, M, A>,
    name: string,
  ) {
    super();
    this.name = name;
    this.id = system.nextActorId(name);
    this.castContext = new CellContext<M>(this, noReply);
    this.spawnedBy = system.runningActor;
    system.liveCells.add(this);
  }

  /**
   * Time spent in this actor's handlers (the synchronous part of each), ms: estimated from every
   * 64th turn on the run queue, so that timing costs the hot path almost nothing.
   */
  get busyMs(): number {
    return this.timedTurns === 0 ? 0 : (this.timedMs / this.timedTurns) * this.turns;
  }

  /**
   * A handler's (or `init`'s, `terminate`'s) promise is pending: the cell takes no message until
   * it settles. The run queue counts waiting cells, for {@link ActorSystem.idle}.
   */
  private get waiting(): boolean {
    return this.isWaiting;
  }
  private set waiting(waiting: boolean) {
    if (waiting === this.isWaiting) return;
    this.isWaiting = waiting;
    this.system.runQueue.cellWaiting(waiting);
  }

  get alive(): boolean {
    return this.status !== 'dead';
  }

  /** @internal this incarnation has begun to exit (crashing, stopping) or is dead */
  get exiting(): boolean {
    return this.status === 'stopping' || this.status === 'dead';
  }

  /** The nact reference of this actor: nact's `dispatch`/`query` to it reach this mailbox. */
  get nactRef(): Ref<unknown> | undefined {
    return this.nact;
  }

  /** @internal `starting`, `running`, `stopping` or `dead`, for the observer */
  get lifecycle(): string {
    return this.status;
  }

  /** Messages waiting in the mailbox. */
  get mailboxLength(): number {
    return this.queuedMessages();
  }

  /** @internal an AbortSignal that aborts when this incarnation ends */
  abortSignal(): AbortSignal {
    if (!this.abort) {
      this.abort = new AbortController();
      if (this.exiting) this.abort.abort(this.exitSignal?.reason);
    }
    return this.abort.signal;
  }

  /** @internal spawns the nact actor and runs `init` as the first message */
  start(args: A): Promise<ActorRef<M>> {
    // nact's dispatch and query (from anyone holding the reference) land in our mailbox, in
    // order with our own sends; a stop through nact is a kill, as an untrappable exit.
    let spawned: ReturnType<typeof spawnNactActor>;
    try {
      spawned = spawnNactActor(
        this.system,
        nactName(this.id),
        (message, sender) => this.fromNact(message, sender),
        () => this.kill(),
      );
    } catch (error) {
      // The nact system is stopped, say: the incarnation ends before it began and gives back its name and links.
      this.finish(error, 'init', undefined);
      return Promise.reject(error);
    }
    this.nact = spawned.ref;
    this.nactActor = spawned.actor;
    return new Promise((resolve, reject) => {
      const pending: PendingCall = { resolve: () => resolve(this), reject, timer: undefined, messageType: 'init' };
      // Pending like a call: an exit before init ran (a kill) rejects the start instead of leaving it unsettled.
      this.pending = new Set([pending]);
      this.push(new Envelope('init', args, pending));
    });
  }

  cast(message: M): void {
    if (this.exiting) {
      this.system.deadLetter(this.id, message);
      return;
    }
    this.push(message);
  }

  call<R = unknown>(message: M, timeoutMs: number = DEFAULT_CALL_TIMEOUT_MS): Promise<R> {
    if (this.exiting) {
      this.system.deadLetter(this.id, message);
      return Promise.reject(this.stoppedError(message.type));
    }
    if (!(timeoutMs > 0)) return Promise.reject(invalidTimeout(this.id, timeoutMs));
    return new Promise<R>((resolve, reject) => {
      const pending: PendingCall = { resolve: resolve as (value: unknown) => void, reject, timer: undefined, messageType: message.type };
      if (timeoutMs !== Number.POSITIVE_INFINITY) {
        pending.timer = this.system.clock.setTimeout(() => {
          // A timed-out call still queued is never handled: its caller has given up.
          if (this.pending?.delete(pending)) reject(callTimedOut(this.id, timeoutMs, message.type));
        }, timeoutMs);
      }
      this.pending ??= new Set();
      this.pending.add(pending);
      this.push(new Envelope('call', message, pending));
    });
  }

  stop(reason: unknown = 'shutdown'): Promise<ExitSignal> {
    if (this.status === 'starting' || this.status === 'running') this.push(new Envelope('stop', reason));
    return this.whenExited();
  }

  kill(reason: unknown = 'killed'): void {
    if (this.status === 'dead') return;
    this.finish(reason, 'kill', undefined);
  }

  /** @internal one turn on the run queue: up to `budget` messages, each run to completion */
  runTurn(budget: number): boolean {
    // `queued` stays true for the whole turn, so a message sent to this cell meanwhile (by its own
    // handler, say) does not queue it a second time: the loop below takes that message too.
    let handled = 0;
    const system = this.system;
    const timed = (this.turns & TIMED_TURN_MASK) === 0;
    this.turns += 1;
    const startedAt = timed ? performance.now() : 0;
    const outer = system.runningActor;
    system.runningActor = this.id;
    while (handled < budget && !this.waiting && this.status !== 'dead') {
      const message = this.takeMessage();
      if (message === EMPTY) break;
      handled += 1;
      try {
        this.receive(message);
      } catch (error) {
        // receive contains handler failures; anything else is a bug: never leave the cell queued for good.
        this.queued = false;
        system.runningActor = outer;
        throw error;
      }
    }
    system.runningActor = outer;
    this.handled += handled;
    if (timed) {
      this.timedMs += performance.now() - startedAt;
      this.timedTurns += 1;
    }
    if (this.waiting || this.status === 'dead' || !this.hasMessages()) {
      this.queued = false;
      return false;
    }
    return true;
  }

  /** @internal a `DOWN` or `EXIT` message; dropped once this incarnation is exiting */
  protected deliverSignal(message: Message): void {
    if (!this.exiting) this.push(message);
  }

  /** @internal */
  protected removeQueued(matches: (message: unknown) => boolean): boolean {
    return this.removeMessage(matches);
  }

  /** Appends to the mailbox and makes the cell runnable. */
  private push(message: unknown): void {
    this.putMessage(message);
    this.wake();
  }

  private wake(): void {
    if (this.queued || this.waiting || this.status === 'dead') return;
    this.queued = true;
    this.system.runQueue.enqueue(this);
  }

  /** A message that came through nact's `dispatch` or `query`. */
  private fromNact(message: unknown, sender: unknown): void {
    if (this.exiting) {
      this.system.deadLetter(this.id, message);
      return;
    }
    this.push(isQuerySender(sender) ? new Envelope('nact_query', message, undefined, sender) : message);
  }

  private receive(message: unknown): void {
    if (message instanceof Envelope) {
      this.receiveEnvelope(message);
      return;
    }
    if (this.status !== 'running') return; // stopping: the stop envelope came first
    this.runHandler(message as M, this.castContext);
  }

  private receiveEnvelope(envelope: Envelope): void {
    switch (envelope.kind) {
      case 'init':
        this.runInit(envelope.payload as A, envelope.pending as PendingCall);
        return;
      case 'call': {
        const pending = envelope.pending as PendingCall;
        if (!this.pending?.has(pending)) return; // timed out before we got to it
        if (this.status !== 'running') return;
        const context = new CellContext<M>(this, (value) => this.settle(pending, value));
        this.runHandler(envelope.payload as M, context);
        return;
      }
      case 'nact_query': {
        if (this.status !== 'running') return;
        const reply = replyOnce(envelope.sender as Ref<unknown>, () => this.status !== 'dead');
        this.runHandler(envelope.payload as M, new CellContext<M>(this, reply));
        return;
      }
      case 'stop':
        if (this.status === 'running' || this.status === 'starting') this.runStop(envelope.payload);
        return;
      default: {
        const unreachable: never = envelope.kind;
        throw new Error(`unknown envelope ${String(unreachable)}`);
      }
    }
  }

  /** Takes `call` out of the pending set; false if it was settled already (timed out, or rejected at exit). */
  private takePending(call: PendingCall): boolean {
    if (!this.pending?.delete(call)) return false;
    if (this.pending.size === 0) this.pending = undefined;
    return true;
  }

  /**
   * Runs `init`. The start stays pending meanwhile, like a call: a kill while an async `init` runs
   * rejects it at once (`ERR_ACTOR_STOPPED`) instead of leaving the starter waiting on `init`.
   */
  private runInit(args: A, started: PendingCall): void {
    this.waiting = settleMaybeAsync(
      () => this.behaviour.init(args, this.castContext),
      (state) => {
        this.waiting = false;
        this.initDone(state, started);
      },
      (error) => {
        this.waiting = false;
        this.failInit(error, started);
      },
    );
  }

  private initDone(state: S, started: PendingCall): void {
    if (!this.takePending(started)) return; // rejected when the incarnation ended
    if (this.status !== 'starting') {
      // Killed (or stopped) while init ran: this incarnation never started.
      started.reject(this.stoppedError('init'));
      return;
    }
    this.state = state;
    this.initialized = true;
    this.status = 'running';
    started.resolve(this);
    this.wake();
  }

  private failInit(error: unknown, started: PendingCall): void {
    if (!this.takePending(started)) return; // killed while init ran: rejected then
    this.finish(error, 'init', undefined);
    started.reject(error);
  }

  private runHandler(message: M, context: CellContext<M>): void {
    let next: S | Promise<S>;
    try {
      next = this.behaviour.handle(this.state as S, message, context);
    } catch (error) {
      this.crash(error, message.type);
      return;
    }
    if (!(next instanceof Promise)) {
      this.state = next;
      return;
    }
    this.waiting = true;
    next.then(
      (state) => {
        if (this.status === 'dead') return; // a late continuation of a dead incarnation
        this.waiting = false;
        this.state = state;
        this.wake();
      },
      (error: unknown) => {
        if (this.status === 'dead') return;
        this.waiting = false;
        this.crash(error, message.type);
      },
    );
  }

  private crash(error: unknown, messageType: string): void {
    if (this.exiting) return;
    this.beginExit(error, 'handle', messageType);
  }

  private runStop(reason: unknown): void {
    this.beginExit(reason, 'stop', undefined);
  }

  /**
   * The incarnation is over from here (a crash or a stop): its own work is told to stop, the
   * messages behind are never handled (calls among them are rejected at exit), then `terminate`
   * runs and the actor exits, unless a kill came first. As gen_server: a terminate that throws or
   * rejects is reported (`operation_failed`) and the exit reason becomes `ERR_TERMINATE_FAILED`.
   */
  private beginExit(reason: unknown, phase: 'handle' | 'stop', messageType: string | undefined): void {
    this.status = 'stopping';
    this.abort?.abort(reason);
    this.clearMessages();
    const terminate = this.behaviour.terminate;
    if (!terminate || !this.initialized) {
      this.finish(reason, phase, messageType);
      return;
    }
    // `terminate` may have killed the actor itself; a kill ends the incarnation first.
    const done = (): void => {
      if (this.alive) this.finish(reason, phase, messageType);
    };
    const failed = (error: unknown): void => {
      if (this.alive) this.finish(terminateFailed(this.system, this.id, reason, error), phase, messageType);
    };
    if (settleMaybeAsync(() => terminate.call(this.behaviour, this.state as S, reason), done, failed) && this.alive) this.waiting = true;
  }

  private settle(pending: PendingCall, value: unknown): void {
    if (!this.takePending(pending)) return; // answered, timed out, or the incarnation is gone
    this.system.clock.clearTimeout(pending.timer);
    pending.resolve(value);
  }

  private finish(reason: unknown, phase: ExitSignal['phase'], messageType: string | undefined): void {
    this.status = 'dead';
    this.system.liveCells.delete(this);
    this.waiting = false;
    this.clearMessages();
    const actor = this.nactActor;
    this.nactActor = undefined;
    if (actor && !this.system.isStopped) stopNactActor(actor);
    const signal: ExitSignal = messageType === undefined ? { actor: this, reason, phase } : { actor: this, reason, phase, messageType };
    this.abort?.abort(reason);
    if (this.pending) {
      rejectPending(this.pending, this.system.clock, (call) => this.stoppedError(call.messageType, reason));
      this.pending = undefined;
    }
    this.propagateExit(reason);
    this.notifyExit(signal);
  }

  /** An exit listener threw: it must not take the exiting actor's caller (or the run queue) down. */
  protected override listenerFailed(error: unknown): void {
    this.system.listenerFailed(`exit:${this.id}`, error);
  }

  private stoppedError(messageType: string, reason: unknown = this.exitSignal?.reason): ThunderlineError {
    return actorStopped(this.id, messageType, reason);
  }
}
