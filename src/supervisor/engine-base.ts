/**
 * What both supervisor engines share (`SupervisorEngine` in supervisor.ts, `DynamicEngine` in
 * dynamic-engine.ts): the restart intensity and backoff, starting a child and checking what its
 * `start` resolved with, watching it, restarts queued through the supervisor's own mailbox,
 * stopping a child within its shutdown, killing every child when the supervisor dies,
 * escalation, and reports. An engine is the state of its supervisor's actor, so all of this runs
 * in that actor's mailbox order; after every `await` it checks that the actor is still alive.
 *
 * @example
 * class PoolEngine extends EngineBase<PoolChild, { key: AnyActorRef }, PoolOptions> { ... }
 */
import type { ActorRef } from '../actor/actor-ref.ts';
import type { ActorSystem } from '../actor/actor-system.ts';
import type { ExitSignal } from '../actor/behaviour.ts';
import type { TimerHandle } from '../clock.ts';
import { formatReason, ThunderlineError } from '../errors.ts';
import type { SupervisorEventType } from '../events.ts';
import { RestartBackoff, RestartIntensity } from './intensity.ts';
import { reportSupervisorEvent } from './report.ts';
import { shutdownChild } from './shutdown.ts';
import type { AnyActorRef, BackoffOptions, ChildType, IGNORE, NormalizedChildSpec, RestartType } from './spec.ts';
import { checkStartResult, isActorRef } from './start-result.ts';

/** A child's state as the supervisor sees it. */
export type ChildStatus = 'running' | 'restarting' | 'terminated';

/** One row of `whichChildren()` (OTP's `{Id, Child, Type, Modules}` plus status). */
export interface ChildInfo {
  id: string;
  ref: AnyActorRef | undefined;
  status: ChildStatus;
  type: ChildType;
  restart: RestartType;
  restarts: number;
}

/** The restart budget in use: restarts in the window against `maxRestarts`. */
export interface RestartBudget {
  restarts: number;
  maxRestarts: number;
  maxSeconds: number;
}

/**
 * Thrown to unwind a start or restart whose supervisor died while it awaited.
 *
 * @example
 * if (!self.alive) throw new SupervisorGone('rooms');
 */
export class SupervisorGone extends Error {
  constructor(readonly supervisor: string) {
    super(`supervisor "${supervisor}" exited`);
  }
}

/**
 * What an engine keeps of every child.
 *
 * @example
 * const child: EngineChild = { spec, ref, unlink: undefined, status: 'running', restarts: 0, restartTimer: undefined, restartingSince: 0 };
 */
export interface EngineChild {
  readonly spec: NormalizedChildSpec;
  ref: AnyActorRef | undefined;
  unlink: (() => void) | undefined;
  status: ChildStatus;
  /** Times this child has been restarted by the supervisor. */
  restarts: number;
  /** The backoff delay pending for this child, if any. */
  restartTimer: TimerHandle | undefined;
  /**
   * The number of this child's current (or last) `restarting` period. A queued restart (a retry,
   * the end of a backoff delay) carries the period it was queued for, so one left over from an
   * earlier period is ignored.
   */
  restartingSince: number;
}

/**
 * Messages an engine sends its own supervisor: a child's exit, and a queued restart (`count`: a
 * retry after a failed start, counted as a restart; else the end of a backoff delay). `Key` is
 * how the restart finds its child again (`{ id }` or `{ key }`).
 *
 * @example
 * const message: EngineControlMsg<{ id: string }> = { type: 'restart', id: 'db', count: true, since: 3 };
 */
export type EngineControlMsg<Key> = { type: 'child_exit'; signal: ExitSignal } | ({ type: 'restart'; count: boolean; since: number } & Key);

/**
 * The options every engine reads.
 *
 * @example
 * const options: EngineOptions = { name: 'app', maxRestarts: 3, maxSeconds: 5, backoff: undefined };
 */
export interface EngineOptions {
  /** The display name. */
  readonly name: string;
  readonly maxRestarts: number;
  readonly maxSeconds: number;
  readonly backoff: Required<BackoffOptions> | undefined;
}

/**
 * @internal the state and steps both engines share; each adds how it keeps, restarts and shuts
 * down its children
 *
 * @example
 * const engine = new SupervisorEngine(validateSupervisorOptions({ name: 'app' }), system, cell);
 */
export abstract class EngineBase<Child extends EngineChild, Key extends object, Options extends EngineOptions> {
  private readonly intensity: RestartIntensity;
  private readonly backoff: RestartBackoff | undefined;
  /** Restarting periods begun so far; each one's number tags the restarts queued for it. */
  private restartPeriods = 0;
  /** Children being shut down (their records already cleared): killed too if we exit meanwhile. */
  private readonly stopping = new Set<AnyActorRef>();

  constructor(
    readonly options: Options,
    readonly system: ActorSystem,
    protected readonly self: ActorRef<EngineControlMsg<Key>>,
  ) {
    this.intensity = new RestartIntensity(options.maxRestarts, options.maxSeconds);
    const backoff = options.backoff;
    this.backoff = backoff ? new RestartBackoff(backoff.minMs, backoff.maxMs, backoff.jitter) : undefined;
  }

  get name(): string {
    return this.options.name;
  }

  /** The supervisor's actor has exited: nothing may be started or reported any more. */
  protected get gone(): boolean {
    return !this.self.alive;
  }

  /** A child exited on its own. */
  abstract handleExit(signal: ExitSignal): Promise<void>;
  /** Stops every child (at supervisor stop, or when it gives up). */
  abstract shutdownAll(): Promise<void>;
  /** Kills whatever is still running: the supervisor itself is gone. */
  abstract killAll(): void;
  /** Counts one restart of `child` (which may escalate) and restarts it, at once or after the backoff delay. */
  protected abstract restart(child: Child, reason: unknown): Promise<void>;
  /** Starts a restarting child now (the end of its backoff delay). */
  protected abstract restartNow(child: Child): Promise<void>;
  /** The child a queued restart names, if it is still there. */
  protected abstract queued(key: Key): Child | undefined;
  /** What a queued restart of `child` carries to find it again. */
  protected abstract keyOf(child: Child): Key;
  /** The child's name in reports, errors and `whichChildren()`. */
  protected abstract childName(child: Child): string;

  budget(): RestartBudget {
    return {
      restarts: this.intensity.count(this.system.clock.now()),
      maxRestarts: this.options.maxRestarts,
      maxSeconds: this.options.maxSeconds,
    };
  }

  /** A `whichChildren()` row. */
  info(child: Child): ChildInfo {
    const { spec } = child;
    return {
      id: this.childName(child),
      ref: child.ref,
      status: child.status,
      type: spec.type,
      restart: spec.restart,
      restarts: child.restarts,
    };
  }

  /** Handles a message the engine sent its supervisor: a child's exit, or a queued restart. */
  async handleControl(message: EngineControlMsg<Key>): Promise<void> {
    if (message.type === 'child_exit') {
      await this.handleExit(message.signal);
      return;
    }
    // A child that is no longer in this restarting period (terminated, deleted, restarted
    // meanwhile, or restarting again since) is left alone.
    const child = this.queued(message);
    if (child?.status !== 'restarting' || child.restartingSince !== message.since) return;
    if (message.count) await this.restart(child, 'restart failed');
    else await this.restartNow(child);
  }

  /**
   * Runs `spec.start` with `args` and checks what it resolved with (an actor ref or `IGNORE`;
   * else a {@link StartResultError}); throws what `start` threw. A child whose start finishes
   * after this supervisor died is killed at once.
   */
  protected async runStart(spec: NormalizedChildSpec, args: readonly unknown[]): Promise<AnyActorRef | typeof IGNORE> {
    if (this.gone) throw new SupervisorGone(this.name);
    const value: unknown = await spec.start({ system: this.system, supervisor: this.name, id: spec.id, args });
    if (this.gone) {
      if (isActorRef(value)) value.kill('killed');
      throw new SupervisorGone(this.name);
    }
    return checkStartResult(value, this.name, spec.id);
  }

  /** Watches a started child: its exit comes back through our mailbox. Call before recording it. */
  protected watch(child: Child, ref: AnyActorRef): void {
    child.unlink = ref.onExit((signal) => {
      if (!this.gone) this.self.cast({ type: 'child_exit', signal });
    });
  }

  /**
   * Counts one restart; true when that is over the restart intensity and the supervisor must give
   * up (see {@link escalate}). Synchronous, so a restart within the budget begins in the same step.
   */
  protected countRestart(): boolean {
    return this.intensity.add(this.system.clock.now());
  }

  /** With a backoff, queues the restart of `child` (already restarting) after its delay and returns true. */
  protected delayRestart(child: Child): boolean {
    if (!this.backoff) return false;
    const delayMs = this.backoff.delay(this.system.clock.now());
    const message = { type: 'restart', ...this.keyOf(child), count: false, since: child.restartingSince } as EngineControlMsg<Key>;
    child.restartTimer = this.system.clock.setTimeout(() => {
      child.restartTimer = undefined;
      this.self.cast(message);
    }, delayMs);
    return true;
  }

  /**
   * A restart of `child` failed to start it: it stays `restarting` and a counted retry goes
   * through our own mailbox (OTP's `try_again_restart`), never a synchronous loop.
   */
  protected restartFailed(child: Child, error: unknown): void {
    this.markRestarting(child);
    this.report('child_exited', this.childName(child), `restart failed: ${formatReason(error)}`);
    this.self.cast({ type: 'restart', ...this.keyOf(child), count: true, since: child.restartingSince } as EngineControlMsg<Key>);
  }

  /** Begins a new restarting period for `child` (cancelling any pending backoff delay). */
  protected markRestarting(child: Child): void {
    this.cancelTimer(child);
    child.status = 'restarting';
    // Unique across the supervisor's children: a child deleted and added again never matches a
    // restart queued for the old one.
    this.restartPeriods += 1;
    child.restartingSince = this.restartPeriods;
  }

  protected cancelTimer(child: Child): void {
    if (child.restartTimer === undefined) return;
    this.system.clock.clearTimeout(child.restartTimer);
    child.restartTimer = undefined;
  }

  /** Stops a running child within its shutdown budget; its exit is reported, never treated as a crash. */
  protected async stopChild(child: Child): Promise<void> {
    const ref = child.ref;
    if (!ref) return;
    child.unlink?.();
    child.unlink = undefined;
    child.ref = undefined;
    // Still ours while it shuts down: if we die meanwhile, killChildren takes it along.
    this.stopping.add(ref);
    const signal = await shutdownChild(ref, child.spec.shutdown, this.system.clock);
    this.stopping.delete(ref);
    if (this.gone) throw new SupervisorGone(this.name);
    this.report('child_exited', this.childName(child), formatReason(signal.reason));
  }

  /** Kills `children` and those being shut down: the supervisor is gone (children are linked to it). */
  protected killChildren(children: Iterable<Child>): void {
    for (const child of children) {
      // Pending backoff delays die with the supervisor: none fires into a dead mailbox.
      this.cancelTimer(child);
      child.unlink?.();
      child.unlink = undefined;
      child.ref?.kill('killed');
      child.ref = undefined;
    }
    for (const ref of this.stopping) ref.kill('killed');
    this.stopping.clear();
  }

  /**
   * Gives up: stops every child, reports `supervisor_escalated` and throws what the supervisor
   * exits with (see {@link exitReason}).
   */
  protected async escalate(child: Child, reason: unknown): Promise<never> {
    const { maxRestarts, maxSeconds } = this.options;
    const restarts = this.intensity.count(this.system.clock.now());
    const name = this.childName(child);
    const error = new ThunderlineError(
      'ERR_RESTART_INTENSITY',
      `supervisor "${this.name}" gave up: ${restarts} restarts within ${maxSeconds} s exceed maxRestarts ${maxRestarts}; last exit: child "${name}": ${formatReason(reason)}`,
      { cause: reason },
    );
    await this.shutdownAll();
    this.report('supervisor_escalated', name, formatReason(error));
    throw this.exitReason(error);
  }

  /** The reason the supervisor exits with when it gives up: the intensity error itself. */
  protected exitReason(error: ThunderlineError): unknown {
    return error;
  }

  /** Publishes a supervisor event (report.ts), unless the supervisor is gone. */
  report(type: SupervisorEventType, child: string, reason: string): void {
    if (this.gone) return;
    reportSupervisorEvent(this.system, type, this.name, child, reason, this.intensity.count(this.system.clock.now()));
  }
}
