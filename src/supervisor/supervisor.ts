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
import { type ExitSignal, isCleanExit } from '../actor/behaviour.ts';
import { formatReason, ThunderlineError } from '../errors.ts';
import { endsSupervisor } from './auto-shutdown.ts';
import { EngineBase, type EngineChild, type EngineControlMsg, SupervisorGone } from './engine-base.ts';
import { type AnyActorRef, IGNORE, type NormalizedChildSpec, type NormalizedSupervisorOptions } from './spec.ts';
import { StartResultError } from './start-result.ts';
import { affectedChildren } from './strategies.ts';

export type { ChildInfo, ChildStatus, RestartBudget } from './engine-base.ts';

const NO_ARGS: readonly unknown[] = Object.freeze([]);

/** One supervised child. The supervisor keeps its records in start order. */
export interface ChildRecord extends EngineChild {
  /**
   * Taken down by a one_for_all / rest_for_one restart that has not finished (a failed start
   * waiting for its retry, or a backoff delay): started again with its group. Its status is
   * `terminated` meanwhile, as OTP shows such a child as `undefined`.
   */
  pending: boolean;
}

/** @internal the mutable state of one supervisor actor */
export class SupervisorEngine extends EngineBase<ChildRecord, { id: string }, NormalizedSupervisorOptions> {
  /** Children in start order. */
  readonly children: ChildRecord[] = [];
  readonly byId = new Map<string, ChildRecord>();
  private readonly byRef = new Map<AnyActorRef, ChildRecord>();

  protected childName(record: ChildRecord): string {
    return record.spec.id;
  }

  protected keyOf(record: ChildRecord): { id: string } {
    return { id: record.spec.id };
  }

  protected queued({ id }: { id: string }): ChildRecord | undefined {
    return this.byId.get(id);
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
    const ref = await this.runStart(spec, NO_ARGS);
    if (ref === IGNORE) {
      record.status = 'terminated';
      record.pending = false;
      return undefined;
    }
    // Watched first, recorded after: nothing is kept for a ref that cannot be watched.
    this.watch(record, ref);
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
    record.status = 'terminated';
    if (record.ref) this.byRef.delete(record.ref);
    await this.stopChild(record);
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
    this.killChildren(this.children);
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
    if (this.countRestart()) await this.escalate(record, reason);
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
    if (!this.delayRestart(record)) await this.restartNow(record);
  }

  /**
   * Starts `record` and the members of its group waiting with it, in start order. On the first
   * failed start the failed child becomes `restarting`, the members after it keep waiting, and a
   * retry goes through our own mailbox (erlang `try_again_restart`), never a synchronous loop.
   */
  protected async restartNow(record: ChildRecord): Promise<void> {
    const group = affectedChildren(this.options.strategy, this.children, record);
    for (const member of group) {
      if (member !== record && !member.pending) continue;
      try {
        await this.startRecord(member, true);
      } catch (error) {
        if (error instanceof SupervisorGone) throw error;
        // A retry (`count`) is OTP's try_again_restart: a full, counted restart of the group.
        this.restartFailed(member, error);
        return;
      }
    }
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

  protected override markRestarting(record: ChildRecord): void {
    super.markRestarting(record);
    record.pending = false;
  }

  /** `escalation: 'shutdown'` exits with `{ shutdown: error }`, a clean exit as in OTP. */
  protected override exitReason(error: ThunderlineError): unknown {
    return this.options.escalation === 'shutdown' ? { shutdown: error } : error;
  }
}

/** Messages the supervisor sends itself. */
export type SupervisorControlMsg = EngineControlMsg<{ id: string }>;
