/**
 * The dynamic supervisor's engine (Elixir's `DynamicSupervisor`): children started on request
 * only, kept by actor ref in a map (no ids, no order), one_for_one restarts within the restart
 * intensity, and a shutdown that stops every child at once. Like `SupervisorEngine`
 * (supervisor.ts), it is the state of the supervisor's actor, so every decision happens in its
 * mailbox, and after every `await` it checks that its actor is still alive.
 *
 * @example
 * const engine = new DynamicEngine(options, system, cell);
 * const ref = await engine.start(validateChildSpec(spec));
 */
import type { ActorRef } from '../actor/actor-ref.ts';
import type { ActorSystem } from '../actor/actor-system.ts';
import { type ExitSignal, isCleanExit } from '../actor/behaviour.ts';
import type { ViaName } from '../actor/naming.ts';
import type { TimerHandle } from '../clock.ts';
import { formatReason, ThunderlineError } from '../errors.ts';
import type { SupervisorEventType } from '../events.ts';
import { RestartBackoff, RestartIntensity } from './intensity.ts';
import { reportSupervisorEvent } from './report.ts';
import { shutdownChild } from './shutdown.ts';
import { type AnyActorRef, type BackoffOptions, IGNORE, type NormalizedChildSpec } from './spec.ts';
import { checkStartResult, isActorRef, StartResultError } from './start-result.ts';
import type { ChildInfo, RestartBudget } from './supervisor.ts';

/**
 * Dynamic supervisor options with every default filled in.
 *
 * @example
 * const options = validateDynamicSupervisorOptions({ name: 'rooms' }); // maxChildren: Infinity, extraArguments: []
 */
export interface NormalizedDynamicOptions {
  /** The display name (a via name's key when it is a string). */
  readonly name: string;
  /** The registry name to register the supervisor under, if any. */
  readonly via: ViaName | undefined;
  readonly maxRestarts: number;
  readonly maxSeconds: number;
  /** `Infinity` when unlimited. */
  readonly maxChildren: number;
  readonly extraArguments: readonly unknown[];
  readonly backoff: Required<BackoffOptions> | undefined;
}

/**
 * One child of a dynamic supervisor.
 *
 * @example
 * const child = engine.children.get(ref); // { key: ref, ref, status: 'running', restarts: 0, ... }
 */
export interface DynamicChild {
  /**
   * The ref the child is known by: its running actor, or while it is restarting the actor that
   * exited (Elixir keeps a restarting child under its old pid, so `terminateChild` still finds it).
   */
  key: AnyActorRef;
  readonly spec: NormalizedChildSpec;
  ref: AnyActorRef | undefined;
  status: 'running' | 'restarting';
  restarts: number;
  unlink: (() => void) | undefined;
  /** The backoff delay pending for this child, if any. */
  restartTimer: TimerHandle | undefined;
  /** The number of its current restarting period: a queued restart from an earlier one is ignored. */
  since: number;
}

/**
 * Messages the dynamic supervisor sends itself.
 *
 * @example
 * self.cast({ type: 'restart', key: child.key, count: true, since: child.since });
 */
export type DynamicControlMsg =
  | { type: 'child_exit'; signal: ExitSignal }
  | { type: 'restart'; key: AnyActorRef; count: boolean; since: number };

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
 * @internal the mutable state of one dynamic supervisor actor
 *
 * @example
 * const engine = new DynamicEngine(validateDynamicSupervisorOptions({ name: 'rooms' }), system, cell);
 */
export class DynamicEngine {
  /** Children by the ref they are known by; insertion order is start (or last restart) order. */
  readonly children = new Map<AnyActorRef, DynamicChild>();
  private readonly intensity: RestartIntensity;
  private readonly backoff: RestartBackoff | undefined;
  private restartPeriods = 0;
  /** Children being shut down (their records already gone): killed too if we exit meanwhile. */
  private readonly stopping = new Set<AnyActorRef>();

  constructor(
    readonly options: NormalizedDynamicOptions,
    readonly system: ActorSystem,
    private readonly self: ActorRef<DynamicControlMsg>,
  ) {
    this.intensity = new RestartIntensity(options.maxRestarts, options.maxSeconds);
    const backoff = options.backoff;
    this.backoff = backoff ? new RestartBackoff(backoff.minMs, backoff.maxMs, backoff.jitter) : undefined;
  }

  get name(): string {
    return this.options.name;
  }

  private get gone(): boolean {
    return !this.self.alive;
  }

  budget(): RestartBudget {
    return {
      restarts: this.intensity.count(this.system.clock.now()),
      maxRestarts: this.options.maxRestarts,
      maxSeconds: this.options.maxSeconds,
    };
  }

  /** A `whichChildren()` row: the id is the actor id of the child's key. */
  info(child: DynamicChild): ChildInfo {
    const { spec } = child;
    return { id: child.key.id, ref: child.ref, status: child.status, type: spec.type, restart: spec.restart, restarts: child.restarts };
  }

  /**
   * Starts a new child and records it; throws what its `start` threw. A start that answers
   * `IGNORE` records nothing and resolves `undefined` (Elixir's `:ignore`).
   */
  async start(spec: NormalizedChildSpec): Promise<AnyActorRef | undefined> {
    const ref = await this.startRef(spec);
    if (ref === IGNORE) return undefined;
    const child: DynamicChild = {
      key: ref,
      spec,
      ref,
      status: 'running',
      restarts: 0,
      unlink: undefined,
      restartTimer: undefined,
      since: 0,
    };
    this.watch(child, ref);
    this.children.set(ref, child);
    this.report('child_started', ref.id, 'start');
    return ref;
  }

  startError(_id: string, cause: unknown): ThunderlineError {
    if (cause instanceof StartResultError) return cause;
    return new ThunderlineError('ERR_CHILD_START_FAILED', `supervisor "${this.name}": child failed to start: ${formatReason(cause)}`, {
      cause,
    });
  }

  /** Runs `spec.start` with the extra arguments; a child started after we died is killed at once. */
  private async startRef(spec: NormalizedChildSpec): Promise<AnyActorRef | typeof IGNORE> {
    if (this.gone) throw new SupervisorGone(this.name);
    const { system, options } = this;
    const value: unknown = await spec.start({ system, supervisor: options.name, id: spec.id, args: options.extraArguments });
    if (this.gone) {
      if (isActorRef(value)) value.kill('killed');
      throw new SupervisorGone(this.name);
    }
    return checkStartResult(value, this.name, spec.id);
  }

  private watch(child: DynamicChild, ref: AnyActorRef): void {
    child.unlink = ref.onExit((signal) => {
      if (!this.gone) this.self.cast({ type: 'child_exit', signal });
    });
  }

  /** A child exited on its own: forget it (temporary, or transient after a clean exit) or restart it. */
  async handleExit(signal: ExitSignal): Promise<void> {
    const child = this.children.get(signal.actor);
    if (!child || child.ref !== signal.actor) return; // one we already let go of
    child.ref = undefined;
    child.unlink = undefined;
    this.report('child_exited', signal.actor.id, formatReason(signal.reason));
    const { restart } = child.spec;
    if (restart === 'temporary' || (restart === 'transient' && isCleanExit(signal.reason))) {
      this.children.delete(child.key);
      return;
    }
    await this.restart(child, signal.reason);
  }

  /** Counts one restart (which may escalate), then starts the child again, at once or after the backoff delay. */
  private async restart(child: DynamicChild, reason: unknown): Promise<void> {
    if (this.intensity.add(this.system.clock.now())) await this.escalate(child, reason);
    this.markRestarting(child);
    if (this.backoff) {
      const delayMs = this.backoff.delay(this.system.clock.now());
      const { key, since } = child;
      child.restartTimer = this.system.clock.setTimeout(() => {
        child.restartTimer = undefined;
        this.self.cast({ type: 'restart', key, count: false, since });
      }, delayMs);
      return;
    }
    await this.restartNow(child);
  }

  /**
   * Starts a restarting child. A failed start keeps it `restarting` under its old key and queues a
   * counted retry through our own mailbox (Elixir's `{:"$gen_restart", pid}`); a start that
   * answers `IGNORE` drops the child.
   */
  private async restartNow(child: DynamicChild): Promise<void> {
    let ref: AnyActorRef | typeof IGNORE;
    try {
      ref = await this.startRef(child.spec);
    } catch (error) {
      if (error instanceof SupervisorGone) throw error;
      this.report('child_exited', child.key.id, `restart failed: ${formatReason(error)}`);
      this.markRestarting(child);
      this.self.cast({ type: 'restart', key: child.key, count: true, since: child.since });
      return;
    }
    this.children.delete(child.key);
    if (ref === IGNORE) return;
    child.key = ref;
    child.ref = ref;
    child.status = 'running';
    child.restarts += 1;
    this.watch(child, ref);
    this.children.set(ref, child);
    this.report('child_restarted', ref.id, 'restart');
  }

  /** A queued restart: a retry after a failed start (`count`) or the end of a backoff delay. */
  async handleRestartMessage(key: AnyActorRef, count: boolean, since: number): Promise<void> {
    const child = this.children.get(key);
    if (child?.status !== 'restarting' || child.since !== since) return;
    if (count) await this.restart(child, 'restart failed');
    else await this.restartNow(child);
  }

  /** `terminateChild`: stops the child within its shutdown budget (or cancels its restart) and forgets it. */
  async terminateChild(child: DynamicChild): Promise<void> {
    this.cancelTimer(child);
    this.children.delete(child.key);
    await this.stopChild(child);
  }

  /** Stops every child at once, each within its own shutdown budget (Elixir's `terminate_children/2`). */
  async shutdownAll(): Promise<void> {
    const children = [...this.children.values()];
    this.children.clear();
    for (const child of children) this.cancelTimer(child);
    await Promise.all(children.map((child) => this.stopChild(child)));
  }

  private async stopChild(child: DynamicChild): Promise<void> {
    const ref = child.ref;
    if (!ref) return;
    child.unlink?.();
    child.unlink = undefined;
    child.ref = undefined;
    this.stopping.add(ref);
    const signal = await shutdownChild(ref, child.spec.shutdown, this.system.clock);
    this.stopping.delete(ref);
    if (this.gone) throw new SupervisorGone(this.name);
    this.report('child_exited', ref.id, formatReason(signal.reason));
  }

  /** Kills whatever is still running: the supervisor itself is gone. */
  killAll(): void {
    for (const child of this.children.values()) {
      this.cancelTimer(child);
      child.unlink?.();
      child.unlink = undefined;
      child.ref?.kill('killed');
      child.ref = undefined;
    }
    this.children.clear();
    for (const ref of this.stopping) ref.kill('killed');
    this.stopping.clear();
  }

  private markRestarting(child: DynamicChild): void {
    this.cancelTimer(child);
    child.status = 'restarting';
    this.restartPeriods += 1;
    child.since = this.restartPeriods;
  }

  private cancelTimer(child: DynamicChild): void {
    if (child.restartTimer === undefined) return;
    this.system.clock.clearTimeout(child.restartTimer);
    child.restartTimer = undefined;
  }

  private async escalate(child: DynamicChild, reason: unknown): Promise<never> {
    const { maxRestarts, maxSeconds } = this.options;
    const restarts = this.intensity.count(this.system.clock.now());
    const error = new ThunderlineError(
      'ERR_RESTART_INTENSITY',
      `supervisor "${this.name}" gave up: ${restarts} restarts within ${maxSeconds} s exceed maxRestarts ${maxRestarts}; last exit: child "${child.key.id}": ${formatReason(reason)}`,
      { cause: reason },
    );
    this.children.delete(child.key);
    await this.shutdownAll();
    this.report('supervisor_escalated', child.key.id, formatReason(error));
    throw error;
  }

  private report(type: SupervisorEventType, child: string, reason: string): void {
    if (this.gone) return;
    reportSupervisorEvent(this.system, type, this.name, child, reason, this.intensity.count(this.system.clock.now()));
  }
}
