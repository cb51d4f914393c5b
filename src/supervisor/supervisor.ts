/**
 * The supervisor engine: starts children in order, watches their exits, restarts them by
 * strategy and restart type within the restart intensity, and shuts them down in reverse order.
 * It runs as the state of a supervisor actor, so every decision happens in its mailbox order.
 * After every `await` it checks that its actor is still alive: a supervisor that was killed
 * meanwhile starts nothing more, and a child whose start finishes after that is killed at once
 * (in Erlang, `start_link` ties the two together).
 *
 * @example
 * const sup = await startSupervisor(system, { name: 'app', strategy: 'one_for_one', children: [worker] });
 * sup.restartBudget(); // { restarts: 0, maxRestarts: 3, maxSeconds: 5 }
 */
import type { ActorRef } from '../actor/actor-ref.ts';
import type { ActorSystem } from '../actor/actor-system.ts';
import { type ExitSignal, isCleanExit } from '../actor/behaviour.ts';
import type { TimerHandle } from '../clock.ts';
import { formatReason, ThunderlineError } from '../errors.ts';
import { type SupervisorEventType, topicOf } from '../events.ts';
import { emitTelemetry } from '../telemetry/index.ts';
import { endsSupervisor } from './auto-shutdown.ts';
import { RestartBackoff, RestartIntensity } from './intensity.ts';
import { shutdownChild } from './shutdown.ts';
import {
  type AnyActorRef,
  type ChildType,
  IGNORE,
  type NormalizedChildSpec,
  type NormalizedSupervisorOptions,
  type RestartType,
} from './spec.ts';
import { checkStartResult, isActorRef, StartResultError } from './start-result.ts';
import { affectedChildren } from './strategies.ts';

const NO_ARGS: readonly unknown[] = Object.freeze([]);

/** A child's state as the supervisor sees it. */
export type ChildStatus = 'running' | 'restarting' | 'terminated';

/** One supervised child. The supervisor keeps its records in start order. */
export interface ChildRecord {
  readonly spec: NormalizedChildSpec;
  ref: AnyActorRef | undefined;
  unlink: (() => void) | undefined;
  status: ChildStatus;
  /**
   * Taken down by a one_for_all / rest_for_one restart that has not finished (a failed start
   * waiting for its retry, or a backoff delay): started again with its group. Its status is
   * `terminated` meanwhile, as OTP shows such a child as `undefined`.
   */
  pending: boolean;
  /** Times this child has been restarted by the supervisor. */
  restarts: number;
  /**
   * The number of this child's current (or last) `restarting` period. A queued restart (a retry,
   * the end of a backoff delay) carries the period it was queued for, so one left over from an
   * earlier period (cancelled by `terminateChild`, then restarted and crashed again) is ignored.
   */
  restartingSince: number;
  /** The backoff delay pending for this child, if any. */
  restartTimer: TimerHandle | undefined;
}

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

/** Thrown to unwind a start or restart whose supervisor died while it awaited. */
class SupervisorGone extends Error {
  constructor(readonly supervisor: string) {
    super(`supervisor "${supervisor}" exited`);
  }
}

/** @internal the mutable state of one supervisor actor */
export class SupervisorEngine {
  /** Children in start order. */
  readonly children: ChildRecord[] = [];
  readonly byId = new Map<string, ChildRecord>();
  private readonly byRef = new Map<AnyActorRef, ChildRecord>();
  private readonly intensity: RestartIntensity;
  private readonly backoff: RestartBackoff | undefined;
  /** Restarting periods begun so far; each one's number tags the restarts queued for it. */
  private restartPeriods = 0;
  /** Children being shut down (their records already cleared): killed too if we exit meanwhile. */
  private readonly stopping = new Set<AnyActorRef>();

  constructor(
    readonly options: NormalizedSupervisorOptions,
    readonly system: ActorSystem,
    private readonly self: ActorRef<SupervisorControlMsg>,
  ) {
    this.intensity = new RestartIntensity(options.maxRestarts, options.maxSeconds);
    const backoff = options.backoff;
    this.backoff = backoff ? new RestartBackoff(backoff.minMs, backoff.maxMs, backoff.jitter) : undefined;
  }

  get name(): string {
    return this.options.name;
  }

  /** The supervisor's actor has exited: nothing may be started or reported any more. */
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

  info(record: ChildRecord): ChildInfo {
    const { spec } = record;
    return { id: spec.id, ref: record.ref, status: record.status, type: spec.type, restart: spec.restart, restarts: record.restarts };
  }

  /** Starts every child in list order; on a failure, stops those started and throws. */
  async startAll(): Promise<void> {
    for (const spec of this.options.children) {
      const record = this.add(spec);
      try {
        await this.startAdded(record);
      } catch (error) {
        if (error instanceof SupervisorGone) throw error;
        this.remove(record);
        await this.shutdownAll();
        throw this.startError(spec.id, error);
      }
    }
  }

  startError(id: string, cause: unknown): ThunderlineError {
    if (cause instanceof StartResultError) return cause;
    return new ThunderlineError(
      'ERR_CHILD_START_FAILED',
      `supervisor "${this.name}": child "${id}" failed to start: ${formatReason(cause)}`,
      { cause },
    );
  }

  add(spec: NormalizedChildSpec): ChildRecord {
    const record: ChildRecord = {
      spec,
      ref: undefined,
      unlink: undefined,
      status: 'terminated',
      pending: false,
      restarts: 0,
      restartingSince: 0,
      restartTimer: undefined,
    };
    this.children.push(record);
    this.byId.set(spec.id, record);
    return record;
  }

  /**
   * The first start of a child just added (at supervisor start, `startChild`): a temporary child
   * whose start answers {@link IGNORE} is not kept (erlang `start_children`, `handle_start_child`).
   */
  async startAdded(record: ChildRecord): Promise<AnyActorRef | undefined> {
    const ref = await this.startRecord(record, false);
    if (ref === undefined && record.spec.restart === 'temporary') this.remove(record);
    return ref;
  }

  remove(record: ChildRecord): void {
    const index = this.children.indexOf(record);
    if (index >= 0) this.children.splice(index, 1);
    this.byId.delete(record.spec.id);
  }

  /**
   * Starts one child and links to it; throws what its `start` threw. A child whose start
   * finishes after this supervisor died is killed at once and never recorded. A start that
   * answers {@link IGNORE} leaves the child `terminated` with no ref (OTP's pid `undefined`),
   * also in a restart: nothing is retried, the rest of its group starts on.
   */
  async startRecord(record: ChildRecord, isRestart: boolean): Promise<AnyActorRef | undefined> {
    const { spec } = record;
    if (this.gone) throw new SupervisorGone(this.name);
    const value: unknown = await spec.start({ system: this.system, supervisor: this.name, id: spec.id, args: NO_ARGS });
    if (this.gone) {
      if (isActorRef(value)) value.kill('killed');
      throw new SupervisorGone(this.name);
    }
    const ref = checkStartResult(value, this.name, spec.id);
    if (ref === IGNORE) {
      record.status = 'terminated';
      record.pending = false;
      return undefined;
    }
    // Watched first, recorded after: nothing is kept for a ref that cannot be watched.
    record.unlink = ref.onExit((signal) => {
      if (!this.gone) this.self.cast({ type: 'child_exit', signal });
    });
    record.ref = ref;
    record.status = 'running';
    record.pending = false;
    this.byRef.set(ref, record);
    if (isRestart) record.restarts += 1;
    this.report(isRestart ? 'child_restarted' : 'child_started', spec.id, isRestart ? 'restart' : 'start');
    return ref;
  }

  /** Stops one child within its shutdown budget; its exit is reported, never treated as a crash. */
  async terminateRecord(record: ChildRecord): Promise<void> {
    const ref = record.ref;
    record.status = 'terminated';
    if (!ref) return;
    record.unlink?.();
    record.unlink = undefined;
    record.ref = undefined;
    this.byRef.delete(ref);
    // Still ours while it shuts down: if we die meanwhile, killAll takes it along.
    this.stopping.add(ref);
    const signal = await shutdownChild(ref, record.spec.shutdown, this.system.clock);
    this.stopping.delete(ref);
    if (this.gone) throw new SupervisorGone(this.name);
    this.report('child_exited', record.spec.id, formatReason(signal.reason));
  }

  /** Stops every child in reverse start order. */
  async shutdownAll(): Promise<void> {
    for (let index = this.children.length - 1; index >= 0; index -= 1) {
      const record = this.children[index];
      if (!record) continue;
      record.pending = false;
      await this.terminateRecord(record);
    }
  }

  /** Kills whatever is still running: the supervisor itself is gone (children are linked to it). */
  killAll(): void {
    for (const record of this.children) {
      // Pending backoff delays die with the supervisor: none fires into a dead mailbox.
      this.cancelTimer(record);
      record.unlink?.();
      record.unlink = undefined;
      record.ref?.kill('killed');
      record.ref = undefined;
    }
    for (const ref of this.stopping) ref.kill('killed');
    this.stopping.clear();
  }

  /**
   * A child exited on its own: decide by restart type, then by strategy. An exit that is not
   * restarted may shut the supervisor down (see `auto-shutdown.ts`): it then throws `'shutdown'`,
   * so its actor exits with that reason and `terminate` stops the children in reverse order.
   */
  async handleExit(signal: ExitSignal): Promise<void> {
    const record = this.byRef.get(signal.actor);
    if (!record || record.ref !== signal.actor) return; // a child we already let go of
    this.byRef.delete(signal.actor);
    record.ref = undefined;
    record.unlink = undefined;
    record.status = 'terminated';
    this.report('child_exited', record.spec.id, formatReason(signal.reason));
    const { restart } = record.spec;
    if (restart === 'permanent' || (restart === 'transient' && !isCleanExit(signal.reason))) {
      await this.restart(record, signal.reason);
      return;
    }
    if (restart === 'temporary') this.remove(record);
    if (endsSupervisor(this.options.autoShutdown, record, this.children)) throw 'shutdown';
  }

  /**
   * Restarts `record` (it crashed, or its restart failed and this is the retry) and the group its
   * strategy takes along (erlang `restart/2`): counts one restart (which may escalate), stops the
   * group's running members in reverse start order, then starts the group in start order, at once
   * or after the backoff delay.
   */
  async restart(record: ChildRecord, reason: unknown): Promise<void> {
    if (this.intensity.add(this.system.clock.now())) await this.escalate(record, reason);
    const group = affectedChildren(this.options.strategy, this.children, record);
    const reviveAll = this.options.groupRestart === 'all';
    for (let index = group.length - 1; index >= 0; index -= 1) {
      const member = group[index] as ChildRecord;
      if (member === record) continue;
      const comesBack = member.status !== 'terminated' || member.pending || reviveAll;
      this.cancelTimer(member); // a member with its own pending restart now waits with this group
      if (member.ref) await this.terminateRecord(member);
      if (member.spec.restart === 'temporary') {
        // OTP's temporary_bystander: taken down with the group, never started again.
        this.remove(member);
        continue;
      }
      member.status = 'terminated';
      member.pending = comesBack;
    }
    this.markRestarting(record);
    if (this.backoff) {
      const delayMs = this.backoff.delay(this.system.clock.now());
      const { id } = record.spec;
      const since = record.restartingSince;
      record.restartTimer = this.system.clock.setTimeout(() => {
        record.restartTimer = undefined;
        this.self.cast({ type: 'restart', id, count: false, since });
      }, delayMs);
      return;
    }
    await this.startGroup(record);
  }

  /**
   * Starts `record` and the members of its group waiting with it, in start order. On the first
   * failed start the failed child becomes `restarting`, the members after it keep waiting, and a
   * retry goes through our own mailbox (erlang `try_again_restart`), never a synchronous loop.
   */
  private async startGroup(record: ChildRecord): Promise<void> {
    const group = affectedChildren(this.options.strategy, this.children, record);
    for (const member of group) {
      if (member !== record && !member.pending) continue;
      try {
        await this.startRecord(member, true);
      } catch (error) {
        if (error instanceof SupervisorGone) throw error;
        this.markRestarting(member);
        this.report('child_exited', member.spec.id, `restart failed: ${formatReason(error)}`);
        this.self.cast({ type: 'restart', id: member.spec.id, count: true, since: member.restartingSince });
        return;
      }
    }
  }

  /**
   * A queued restart: a retry after a failed start (`count`: OTP's try_again_restart, a full,
   * counted restart of the failed child's group) or the end of a backoff delay. A child that is no
   * longer `restarting` (terminated, deleted, restarted meanwhile) is left alone.
   */
  async handleRestartMessage(id: string, count: boolean, since: number): Promise<void> {
    const record = this.byId.get(id);
    if (record?.status !== 'restarting' || record.restartingSince !== since) return;
    if (count) await this.restart(record, 'restart failed');
    else await this.startGroup(record);
  }

  /**
   * `terminateChild`: stops the child if it runs; a child waiting to be restarted stops waiting.
   * Terminating the `restarting` child cancels its pending restart and the group waiting with it
   * (OTP: the retry finds the child `undefined` and does nothing).
   */
  async terminateChild(record: ChildRecord): Promise<void> {
    if (record.status === 'restarting') {
      for (const member of affectedChildren(this.options.strategy, this.children, record)) member.pending = false;
    }
    record.pending = false;
    this.cancelTimer(record);
    await this.terminateRecord(record);
    if (record.spec.restart === 'temporary') this.remove(record);
  }

  private markRestarting(record: ChildRecord): void {
    this.cancelTimer(record);
    record.status = 'restarting';
    record.pending = false;
    // Unique across the supervisor's children: a record deleted and re-added under the same id
    // never matches a restart queued for the old one.
    this.restartPeriods += 1;
    record.restartingSince = this.restartPeriods;
  }

  private cancelTimer(record: ChildRecord): void {
    if (record.restartTimer === undefined) return;
    this.system.clock.clearTimeout(record.restartTimer);
    record.restartTimer = undefined;
  }

  private async escalate(record: ChildRecord, reason: unknown): Promise<never> {
    const restarts = this.intensity.count(this.system.clock.now());
    const error = new ThunderlineError(
      'ERR_RESTART_INTENSITY',
      `supervisor "${this.name}" gave up: ${restarts} restarts within ${this.options.maxSeconds} s exceed maxRestarts ${this.options.maxRestarts}; last exit: child "${record.spec.id}": ${formatReason(reason)}`,
      { cause: reason },
    );
    await this.shutdownAll();
    this.report('supervisor_escalated', record.spec.id, formatReason(error));
    throw this.options.escalation === 'shutdown' ? { shutdown: error } : error;
  }

  report(type: SupervisorEventType, child: string, reason: string): void {
    if (this.gone) return;
    const event = {
      type,
      supervisor: this.name,
      child,
      time: this.system.isoNow(),
      reason,
      restarts: this.intensity.count(this.system.clock.now()),
    };
    emitTelemetry(type, event);
    this.system.pubsub.publish(topicOf(event), event);
  }
}

/** Messages the supervisor sends itself. */
export type SupervisorControlMsg =
  | { type: 'child_exit'; signal: ExitSignal }
  | { type: 'restart'; id: string; count: boolean; since: number };
