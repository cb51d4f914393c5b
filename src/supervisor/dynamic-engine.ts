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
import { type ExitSignal, isCleanExit } from '../actor/behaviour.ts';
import type { ViaName } from '../actor/naming.ts';
import { formatReason, ThunderlineError } from '../errors.ts';
import { EngineBase, type EngineChild, type EngineControlMsg, type EngineOptions, SupervisorGone } from './engine-base.ts';
import { type AnyActorRef, IGNORE, type NormalizedChildSpec } from './spec.ts';
import { StartResultError } from './start-result.ts';

export { SupervisorGone } from './engine-base.ts';

/**
 * Dynamic supervisor options with every default filled in.
 *
 * @example
 * const options = validateDynamicSupervisorOptions({ name: 'rooms' }); // maxChildren: Infinity, extraArguments: []
 */
export interface NormalizedDynamicOptions extends EngineOptions {
  /** The registry name to register the supervisor under, if any. */
  readonly via: ViaName | undefined;
  /** `Infinity` when unlimited. */
  readonly maxChildren: number;
  readonly extraArguments: readonly unknown[];
}

/**
 * One child of a dynamic supervisor.
 *
 * @example
 * const child = engine.children.get(ref); // { key: ref, ref, status: 'running', restarts: 0, ... }
 */
export interface DynamicChild extends EngineChild {
  /**
   * The ref the child is known by: its running actor, or while it is restarting the actor that
   * exited (Elixir keeps a restarting child under its old pid, so `terminateChild` still finds it).
   */
  key: AnyActorRef;
  status: 'running' | 'restarting';
}

/**
 * Messages the dynamic supervisor sends itself.
 *
 * @example
 * self.cast({ type: 'restart', key: child.key, count: true, since: child.restartingSince });
 */
export type DynamicControlMsg = EngineControlMsg<{ key: AnyActorRef }>;

/**
 * @internal the mutable state of one dynamic supervisor actor
 *
 * @example
 * const engine = new DynamicEngine(validateDynamicSupervisorOptions({ name: 'rooms' }), system, cell);
 */
export class DynamicEngine extends EngineBase<DynamicChild, { key: AnyActorRef }, NormalizedDynamicOptions> {
  /** Children by the ref they are known by; insertion order is start (or last restart) order. */
  readonly children = new Map<AnyActorRef, DynamicChild>();

  /** A child is named by the actor id of its key. */
  protected childName(child: DynamicChild): string {
    return child.key.id;
  }

  protected keyOf(child: DynamicChild): { key: AnyActorRef } {
    return { key: child.key };
  }

  protected queued({ key }: { key: AnyActorRef }): DynamicChild | undefined {
    return this.children.get(key);
  }

  /**
   * Starts a new child and records it; throws what its `start` threw. A start that answers
   * `IGNORE` records nothing and resolves `undefined` (Elixir's `:ignore`).
   */
  async start(spec: NormalizedChildSpec): Promise<AnyActorRef | undefined> {
    const ref = await this.runStart(spec, this.options.extraArguments);
    if (ref === IGNORE) return undefined;
    const child: DynamicChild = {
      key: ref,
      spec,
      ref,
      status: 'running',
      restarts: 0,
      unlink: undefined,
      restartTimer: undefined,
      restartingSince: 0,
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
  protected async restart(child: DynamicChild, reason: unknown): Promise<void> {
    if (this.countRestart()) await this.escalate(child, reason);
    this.markRestarting(child);
    if (!this.delayRestart(child)) await this.restartNow(child);
  }

  /**
   * Starts a restarting child. A failed start keeps it `restarting` under its old key and queues a
   * counted retry through our own mailbox (Elixir's `{:"$gen_restart", pid}`); a start that
   * answers `IGNORE` drops the child.
   */
  protected async restartNow(child: DynamicChild): Promise<void> {
    let ref: AnyActorRef | typeof IGNORE;
    try {
      ref = await this.runStart(child.spec, this.options.extraArguments);
    } catch (error) {
      if (error instanceof SupervisorGone) throw error;
      this.restartFailed(child, error);
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

  /** Kills whatever is still running: the supervisor itself is gone. */
  killAll(): void {
    this.killChildren(this.children.values());
    this.children.clear();
  }
}
