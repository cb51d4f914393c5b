/**
 * Tasks (Elixir's `Task`): one function run in its own actor, its result kept in a {@link Task}
 * and read with {@link awaitTask}, {@link yieldTask} or {@link shutdownTask}. A task's actor does
 * not trap exits: `stop(reason)` ends it at once with that reason, as an exit signal ends an
 * Elixir task, so a supervisor shutting it down never waits for its function to finish.
 *
 * @example
 * const task = await tasks.async(async (signal) => fetchReport(signal));
 * const report = await awaitTask(task, 10_000);
 */
import type { ActorRef } from '../actor/actor-ref.ts';
import { ActorCell } from '../actor/actor-ref.ts';
import type { ActorSystem } from '../actor/actor-system.ts';
import type { Behaviour, ExitSignal, Message } from '../actor/behaviour.ts';
import { cellOf, demonitor, link, type MonitorRef, monitor, unlink } from '../actor/exit-links.ts';
import { formatReason, ThunderlineError } from '../errors.ts';
import { optionError } from './options.ts';
import { shutdownChild } from './shutdown.ts';

/**
 * How a task ended: `{ ok: value }` when its function returned, `{ exit: reason }` when it exited without.
 *
 * @example
 * const result: TaskResult<number> | undefined = await yieldTask(task, 100);
 * if (result && 'ok' in result) console.log(result.ok);
 */
export type TaskResult<T> = { ok: T } | { exit: unknown };

/**
 * The actor of a task: a stop is an immediate exit with the stop's reason (no `terminate`).
 *
 * @example
 * await taskRef.stop(); // the task has exited with 'shutdown', whatever its function was doing
 */
export class TaskCell<S, M extends Message, A> extends ActorCell<S, M, A> {
  override stop(reason: unknown = 'shutdown'): Promise<ExitSignal> {
    this.kill(reason);
    return this.whenExited();
  }
}

/**
 * How a new task is tied to its owner.
 *
 * @example
 * const ties: TaskTies = { link: ctx.self };
 */
export interface TaskTies {
  /** Linked both ways before the task runs (Elixir's `Task.Supervisor.async`). */
  link?: ActorRef<never> | undefined;
}

/**
 * Starts a task actor running `behaviour` with `args`, tied to its owner as `ties` says before
 * its `init` runs. Rejects with `ERR_NOPROC` when the actor to link to is dead.
 *
 * @example
 * const ref = await spawnTask(system, taskBehaviour, { fn, task }, { link: owner });
 */
export function spawnTask<S, M extends Message, A>(
  system: ActorSystem,
  behaviour: Behaviour<S, M, A>,
  args: A,
  ties: TaskTies = {},
  onCell?: (cell: TaskCell<S, M, A>) => void,
): Promise<ActorRef<M>> {
  const cell = new TaskCell<S, M, A>(system, behaviour, behaviour.name ?? 'task');
  const owner = ties.link;
  if (owner !== undefined) {
    if (!cellOf(owner, 'task owner').alive) {
      return Promise.reject(new ThunderlineError('ERR_NOPROC', `task: its owner ${owner.id} is not alive`));
    }
    link(cell, owner);
  }
  onCell?.(cell);
  return cell.start(args);
}

/**
 * A running (or finished) task, as `async` / `asyncNolink` return it (Elixir's `%Task{}`).
 *
 * @example
 * const task = await tasks.asyncNolink(() => work(), { owner: ctx.self });
 * task.ref; // its actor; task.monitor names the owner's DOWN
 */
export class Task<T> {
  private cell: ActorRef<never> | undefined;
  private held: MonitorRef | undefined;
  private outcome: TaskResult<T> | undefined;
  private waiters: Array<(result: TaskResult<T>) => void> | undefined;

  /** @internal */
  constructor(
    /** The system the task runs in: its clock times `await`, `yield` and `shutdown`. */
    readonly system: ActorSystem,
    /** The actor the task belongs to, if any (linked for `async`, monitoring for `asyncNolink`). */
    readonly owner: ActorRef<never> | undefined,
  ) {}

  /** The task's actor. */
  get ref(): ActorRef<never> {
    if (!this.cell) throw new Error('task: not started yet');
    return this.cell;
  }

  /** The owner's monitor on the task (`asyncNolink` with an owner): its `DOWN` names it. */
  get monitor(): MonitorRef | undefined {
    return this.held;
  }

  /** @internal ties the task to its actor; the first exit without a result settles it with `{ exit }` */
  attach(cell: ActorRef<never>, held: MonitorRef | undefined): void {
    this.cell = cell;
    this.held = held;
    cell.onExit((signal) => this.settle({ exit: signal.reason }));
  }

  /** @internal the first result counts */
  settle(result: TaskResult<T>): void {
    if (this.outcome) return;
    this.outcome = result;
    const waiters = this.waiters;
    this.waiters = undefined;
    if (waiters) for (const waiter of waiters) waiter(result);
  }

  /** @internal the result, or undefined once `timeoutMs` of clock time pass without one */
  wait(timeoutMs: number): Promise<TaskResult<T> | undefined> {
    const settled = this.outcome;
    if (settled) return Promise.resolve(settled);
    return new Promise((resolve) => {
      const clock = this.system.clock;
      this.waiters ??= [];
      const waiters = this.waiters;
      const timer =
        timeoutMs === Number.POSITIVE_INFINITY
          ? undefined
          : clock.setTimeout(() => {
              const index = waiters.indexOf(done);
              if (index >= 0) waiters.splice(index, 1);
              resolve(undefined);
            }, timeoutMs);
      const done = (result: TaskResult<T>): void => {
        clock.clearTimeout(timer);
        resolve(result);
      };
      waiters.push(done);
    });
  }

  /** @internal the result, if there is one yet */
  get result(): TaskResult<T> | undefined {
    return this.outcome;
  }

  /** @internal Elixir's `demonitor(ref, [:flush])` once the caller has the result */
  forget(): void {
    if (this.held) demonitor(this.held, { flush: true });
  }
}

function checkTimeout(what: string, timeoutMs: unknown): void {
  if (typeof timeoutMs === 'number' && timeoutMs >= 0) return;
  throw optionError(`${what}: timeoutMs`, 'must be a number >= 0 or Infinity', timeoutMs, 'ERR_INVALID_OPTION');
}

/**
 * Waits for the task's value (Elixir's `Task.await/2`). Rejects with `ERR_TASK_FAILED` when the
 * task exited without one (the cause is the thrown value or the exit reason), or with
 * `ERR_TASK_TIMEOUT` after `timeoutMs` of system-clock time; the task is then killed (unlinked
 * from its owner first, so only the task goes), as the caller's exit takes a linked task along.
 *
 * @example
 * const value = await awaitTask(task, 1000);
 */
export async function awaitTask<T>(task: Task<T>, timeoutMs = 5000): Promise<T> {
  checkTimeout('await', timeoutMs);
  const result = await task.wait(timeoutMs);
  if (result === undefined) {
    const error = new ThunderlineError('ERR_TASK_TIMEOUT', `task "${task.ref.id}" did not reply within ${timeoutMs} ms; it was killed`);
    if (task.owner) unlink(task.ref, task.owner);
    task.ref.kill(error);
    task.forget();
    throw error;
  }
  task.forget();
  if ('ok' in result) return result.ok;
  throw new ThunderlineError('ERR_TASK_FAILED', `task "${task.ref.id}" failed: ${formatReason(result.exit)}`, { cause: result.exit });
}

/**
 * The task's result if it ends within `timeoutMs` (Elixir's `Task.yield/2`), else `undefined`
 * and the task keeps running.
 *
 * @example
 * const result = (await yieldTask(task, 100)) ?? (await shutdownTask(task));
 */
export async function yieldTask<T>(task: Task<T>, timeoutMs = 5000): Promise<TaskResult<T> | undefined> {
  checkTimeout('yield', timeoutMs);
  const result = await task.wait(timeoutMs);
  if (result !== undefined) task.forget();
  return result;
}

/**
 * Stops the task (Elixir's `Task.shutdown/2`): unlinks it from its owner, then stops it with
 * `'shutdown'` (killed after `shutdown` ms if it is still alive) or kills it (`'brutal_kill'`).
 * Resolves with `{ ok: value }` if it finished first, `undefined` if it exited because of this
 * call (reason `'shutdown'`, or `'killed'` for `'brutal_kill'`), else `{ exit: reason }` (it had
 * exited on its own, or had to be killed after the timeout).
 *
 * @example
 * const late = await shutdownTask(task, 'brutal_kill'); // { ok: value } or undefined
 */
export async function shutdownTask<T>(task: Task<T>, shutdown: number | 'brutal_kill' = 5000): Promise<TaskResult<T> | undefined> {
  if (shutdown !== 'brutal_kill' && !(typeof shutdown === 'number' && shutdown >= 0)) {
    throw optionError(
      'shutdown: the shutdown argument',
      'must be a number of ms >= 0, Infinity or "brutal_kill"',
      shutdown,
      'ERR_INVALID_OPTION',
    );
  }
  if (task.owner) unlink(task.ref, task.owner);
  if (task.result === undefined) await shutdownChild(task.ref, shutdown, task.system.clock);
  task.forget();
  const result = task.result as TaskResult<T>;
  if ('ok' in result) return result;
  return result.exit === (shutdown === 'brutal_kill' ? 'killed' : 'shutdown') ? undefined : result;
}

/**
 * What a task actor runs: `fn`, and the task that keeps its result (none for `startChild`).
 *
 * @example
 * const job: TaskJob = { fn: () => sendMail(user), task: undefined };
 */
export interface TaskJob {
  readonly fn: (signal: AbortSignal) => unknown;
  readonly task: Task<unknown> | undefined;
}

type RunMsg = { readonly type: 'run' };
const RUN: RunMsg = { type: 'run' };

/**
 * A task actor: `init` queues the run, so the start returns at once and the function runs as the
 * actor's first message; its value settles the task, then the actor exits `'normal'`. A throw
 * crashes it with the thrown value (a linked owner goes too, unless it traps exits).
 *
 * @example
 * const ref = await spawnTask(system, taskBehaviour, { fn: () => 42, task: undefined });
 */
export const taskBehaviour: Behaviour<TaskJob, RunMsg, TaskJob> = {
  name: 'task',
  init(job, ctx) {
    ctx.self.cast(RUN);
    return job;
  },
  async handle(job, _message, ctx) {
    const value = await job.fn(ctx.signal);
    if (ctx.exiting) return job;
    job.task?.settle({ ok: value });
    void ctx.self.stop('normal');
    return job;
  },
};

/**
 * Ties a new task to its owner and its {@link Task}: the spawn options for the owner and the
 * callback that attaches the cell. Used by the task supervisor's start functions.
 *
 * @example
 * const ref = await spawnTask(system, taskBehaviour, job, ties, (cell) => attachTask(task, cell, 'nolink'));
 */
export function attachTask(task: Task<unknown>, cell: ActorRef<never>, mode: 'link' | 'nolink'): void {
  const owner = task.owner;
  task.attach(cell, owner !== undefined && mode === 'nolink' ? monitor(owner, cell) : undefined);
}
