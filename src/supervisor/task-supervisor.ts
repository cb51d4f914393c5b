/**
 * Task supervisors (Elixir's `Task.Supervisor`): a dynamic supervisor whose children are tasks,
 * started with {@link TaskSupervisorRef.async} (linked to an owner), {@link
 * TaskSupervisorRef.asyncNolink} (monitored by it) or {@link TaskSupervisorRef.startChild} (fire
 * and forget), read with `await` / `yield` / `shutdown`, and {@link TaskSupervisorRef.asyncStream}
 * to map a function over many items (task-stream.ts).
 *
 * @example
 * const tasks = await startTaskSupervisor(system, { name: 'tasks', maxChildren: 100 });
 * const task = await tasks.async((signal) => fetch(url, { signal }).then((response) => response.json()));
 * const body = await tasks.await(task, 10_000);
 */
import os from 'node:os';
import type { ActorRef } from '../actor/actor-ref.ts';
import type { ActorSystem } from '../actor/actor-system.ts';
import { cellOf } from '../actor/exit-links.ts';
import type { ViaName } from '../actor/naming.ts';
import { ThunderlineError } from '../errors.ts';
import { DelegatingRef } from './delegating-ref.ts';
import {
  type DynamicChildSpec,
  type DynamicSupervisorMsg,
  type DynamicSupervisorRef,
  spawnDynamicSupervisor,
  validateDynamicSupervisorOptions,
} from './dynamic-supervisor.ts';
import { nestedSupervisorSpec } from './nested-spec.ts';
import { optionError, quoteAll } from './options.ts';
import { type ChildSpec, RESTARTS, type RestartType } from './spec.ts';
import type { ChildCounts, SupervisorTree } from './supervisor-ref.ts';
import { attachTask, awaitTask, shutdownTask, spawnTask, Task, type TaskJob, type TaskResult, taskBehaviour, yieldTask } from './task.ts';
import { type AsyncStreamOptions, asyncStream } from './task-stream.ts';

/**
 * Options of {@link startTaskSupervisor}.
 *
 * @example
 * const options: TaskSupervisorOptions = { name: 'tasks', maxChildren: 100 };
 */
export interface TaskSupervisorOptions {
  /** Name used in events and errors (default `'task_supervisor'`), or a via name to register it under. */
  name?: string | ViaName;
  /** Tasks (stream workers included) allowed at once; beyond it a start rejects `ERR_MAX_CHILDREN`. Default unlimited. */
  maxChildren?: number;
  /** As for a dynamic supervisor; they matter only for tasks started with `restart` other than temporary. */
  maxRestarts?: number;
  maxSeconds?: number;
}

/**
 * Options of {@link TaskSupervisorRef.async} and {@link TaskSupervisorRef.asyncNolink}.
 *
 * @example
 * await tasks.async(() => work(), { owner: ctx.self, shutdown: 'brutal_kill' });
 */
export interface AsyncOptions {
  /** The actor the task belongs to: linked to it (`async`) or monitoring it (`asyncNolink`). */
  owner?: ActorRef<never>;
  /** How the supervisor stops the task at shutdown: ms (default 5000) or `'brutal_kill'`. */
  shutdown?: number | 'brutal_kill';
}

/**
 * Options of {@link TaskSupervisorRef.startChild}.
 *
 * @example
 * await tasks.startChild(() => pollForever(), { restart: 'permanent' });
 */
export interface StartTaskOptions {
  /** Default `'temporary'`; a permanent or transient task runs `fn` again after it exits. */
  restart?: RestartType;
  shutdown?: number | 'brutal_kill';
}

type TaskFn<T> = (signal: AbortSignal) => T | PromiseLike<T>;

function checkFn(what: string, fn: unknown): void {
  if (typeof fn !== 'function') throw optionError(`${what}: fn`, 'must be a function', fn, 'ERR_INVALID_OPTION');
}

/** A task's `shutdown` option: checked here, so the error names the option the caller wrote. */
function checkShutdown(what: string, shutdown: unknown): void {
  if (shutdown === 'brutal_kill' || (Number.isInteger(shutdown) && (shutdown as number) >= 0)) return;
  throw optionError(`${what}: options.shutdown`, 'must be an integer number of ms >= 0 or "brutal_kill"', shutdown, 'ERR_INVALID_OPTION');
}

/**
 * The options a task supervisor takes, in the order an unknown option's error lists them.
 *
 * @example
 * TASK_SUPERVISOR_OPTIONS.includes('maxChildren'); // true
 */
const TASK_SUPERVISOR_OPTIONS: readonly (keyof TaskSupervisorOptions)[] = ['name', 'maxChildren', 'maxRestarts', 'maxSeconds'];

/**
 * A running task supervisor: an actor ref plus Elixir's `Task.Supervisor` and `Task` API.
 *
 * @example
 * const tasks: TaskSupervisorRef = await startTaskSupervisor(system);
 * tasks.supervisor.restartBudget(); // the dynamic supervisor underneath
 */
export class TaskSupervisorRef extends DelegatingRef<DynamicSupervisorMsg> {
  /** @internal */
  constructor(
    /** The dynamic supervisor the tasks run under (its `whichChildren`, `restartBudget`, ...). */
    readonly supervisor: DynamicSupervisorRef,
    /** @internal */ readonly system: ActorSystem,
  ) {
    super(supervisor);
  }

  get name(): string {
    return this.supervisor.name;
  }

  /**
   * Runs `fn(signal)` in a new task under this supervisor. With `owner`, the task is linked to it
   * before it runs: a crash of either takes the other (an owner that traps exits gets an `EXIT`
   * instead). `signal` aborts when the task is stopped. Rejects `ERR_MAX_CHILDREN` when full,
   * `ERR_NOPROC` when `owner` is dead, `ERR_INVALID_OPTION` when `fn` is not a function.
   *
   * @example
   * const task = await tasks.async(() => compute(input), { owner: ctx.self });
   */
  async<T>(fn: TaskFn<T>, options: AsyncOptions = {}): Promise<Task<Awaited<T>>> {
    return this.startTask(fn, options, 'link');
  }

  /**
   * Runs `fn(signal)` in a new task that is not linked to anyone: its crash takes nobody along.
   * With `owner`, the owner monitors the task and gets a `DOWN` (`task.monitor`) when it ends;
   * `await` and `yield` remove that `DOWN` once they have the result, as Elixir's do.
   *
   * @example
   * const task = await tasks.asyncNolink((signal) => risky(signal), { owner: ctx.self });
   */
  asyncNolink<T>(fn: TaskFn<T>, options: AsyncOptions = {}): Promise<Task<Awaited<T>>> {
    return this.startTask(fn, options, 'nolink');
  }

  /**
   * Starts a task nobody awaits (Elixir's `Task.Supervisor.start_child/3`) and resolves with its
   * actor; `restart` `'permanent'` or `'transient'` runs `fn` again after it exits.
   *
   * @example
   * await tasks.startChild(() => sendWelcomeMail(user));
   */
  async startChild(fn: TaskFn<unknown>, options: StartTaskOptions = {}): Promise<ActorRef<never>> {
    checkFn('startChild', fn);
    const { restart = 'temporary', shutdown = 5000 } = options;
    if (!RESTARTS.includes(restart)) {
      throw optionError('startChild: options.restart', `must be ${quoteAll(RESTARTS)}`, restart, 'ERR_INVALID_OPTION');
    }
    checkShutdown('startChild', shutdown);
    const job: TaskJob = { fn, task: undefined };
    const spec: DynamicChildSpec = {
      id: 'task',
      restart,
      shutdown,
      start: ({ system }) => spawnTask(system, taskBehaviour, job),
    };
    return (await this.supervisor.startChild(spec)) as ActorRef<never>;
  }

  /**
   * Stops the task `ref` and forgets it. Rejects `ERR_CHILD_NOT_FOUND` for a ref that is not one.
   *
   * @example
   * await tasks.terminateChild(task.ref);
   */
  terminateChild(ref: ActorRef<never>): Promise<void> {
    return this.supervisor.terminateChild(ref);
  }

  /**
   * The running tasks (Elixir's `Task.Supervisor.children/1`: restarting ones left out).
   *
   * @example
   * tasks.children().length; // 2
   */
  children(): ActorRef<never>[] {
    const refs: ActorRef<never>[] = [];
    for (const child of this.supervisor.whichChildren()) if (child.ref) refs.push(child.ref);
    return refs;
  }

  /**
   * Counts as `DynamicSupervisorRef.countChildren()`.
   *
   * @example
   * tasks.countChildren(); // { specs: 1, active: 1, supervisors: 0, workers: 1 }
   */
  countChildren(): ChildCounts {
    return this.supervisor.countChildren();
  }

  /**
   * The supervisor and its tasks in `SupervisorRef.tree()` shape, for the dashboard.
   *
   * @example
   * tasks.tree().children.length; // tasks running now
   */
  tree(): SupervisorTree {
    return this.supervisor.tree();
  }

  /**
   * The task's value (see `awaitTask` in task.ts): rejects `ERR_TASK_FAILED` or, after
   * `timeoutMs` (default 5000) of system-clock time, `ERR_TASK_TIMEOUT` and the task is killed.
   *
   * @example
   * const value = await tasks.await(task, 1000);
   */
  await<T>(task: Task<T>, timeoutMs = 5000): Promise<T> {
    return awaitTask(task, timeoutMs);
  }

  /**
   * `{ ok: value }` or `{ exit: reason }` if the task ends within `timeoutMs` (default 5000), else
   * `undefined` and the task keeps running (see `yieldTask` in task.ts).
   *
   * @example
   * const result = await tasks.yield(task, 100);
   */
  yield<T>(task: Task<T>, timeoutMs = 5000): Promise<TaskResult<T> | undefined> {
    return yieldTask(task, timeoutMs);
  }

  /**
   * Stops the task (stop, killed after `shutdown` ms, or `'brutal_kill'`) and resolves with its
   * result if it finished first, `{ exit: reason }` if it had exited on its own, else `undefined`.
   *
   * @example
   * const result = (await tasks.yield(task, 100)) ?? (await tasks.shutdown(task));
   */
  shutdown<T>(task: Task<T>, shutdown: number | 'brutal_kill' = 5000): Promise<TaskResult<T> | undefined> {
    return shutdownTask(task, shutdown);
  }

  /**
   * Maps `fn(item, signal)` over `items` (an iterable or async iterable, read lazily) with at most
   * `maxConcurrency` items in flight, yielding `{ ok: value }` or `{ exit: reason }` per item, in
   * input order unless `ordered: false`. Each item may run `timeout` ms (default 5000): then the
   * iteration rejects `ERR_TASK_TIMEOUT` and stops its tasks (`onTimeout: 'exit'`, the default),
   * or that item yields `{ exit: 'timeout' }` and the stream goes on (`'kill_task'`). `break`
   * stops the running tasks. Throws `ERR_INVALID_OPTION` at once for bad options.
   *
   * The items run on up to `maxConcurrency` worker tasks that each take item after item, so
   * `signal` belongs to the worker running the item: it aborts when that task is stopped (the
   * item timed out with `'kill_task'`, the stream ended early or failed, the supervisor shut
   * down). Remove the listeners you add to it once your item is done (`fetch` does).
   *
   * Consume every iteration to its end, or leave it with `break` (the iterator's `return()`): an
   * iterator dropped half-way is never told, so its workers can stay alive, parked for a consumer
   * that never comes back, and keep counting toward `maxChildren` until the supervisor stops.
   *
   * @example
   * for await (const result of tasks.asyncStream(ids, (id) => load(id), { maxConcurrency: 8, ordered: false })) {
   *   if ('exit' in result) console.warn('failed', result.exit);
   * }
   */
  asyncStream<T, R>(
    items: Iterable<T> | AsyncIterable<T>,
    fn: (item: T, signal: AbortSignal) => R | PromiseLike<R>,
    options: AsyncStreamOptions = {},
  ): AsyncIterable<TaskResult<R>> {
    return asyncStream(
      { system: this.system, startChild: (spec) => this.supervisor.startChild(spec) },
      items,
      fn,
      options,
      os.availableParallelism(),
    );
  }

  /** @internal the start behind `async` and `asyncNolink` */
  private async startTask<T>(fn: TaskFn<T>, options: AsyncOptions, mode: 'link' | 'nolink'): Promise<Task<Awaited<T>>> {
    const { owner, shutdown = 5000 } = options;
    const what = mode === 'link' ? 'async' : 'asyncNolink';
    checkFn(what, fn);
    checkShutdown(what, shutdown);
    if (owner !== undefined && !cellOf(owner, `${what}: options.owner`).alive) {
      throw new ThunderlineError('ERR_NOPROC', `${what}: options.owner names ${owner.id}, which is not alive`);
    }
    const task = new Task<Awaited<T>>(this.system, owner);
    const job: TaskJob = { fn, task: task as Task<unknown> };
    const spec: DynamicChildSpec = {
      id: 'task',
      restart: 'temporary',
      shutdown,
      start: ({ system }) =>
        spawnTask(system, taskBehaviour, job, { link: mode === 'link' ? owner : undefined }, (cell) =>
          attachTask(task as Task<unknown>, cell, mode),
        ),
    };
    await this.supervisor.startChild(spec);
    return task;
  }
}

/**
 * Starts a task supervisor (a dynamic supervisor for tasks). Rejects with
 * `ERR_INVALID_SUPERVISOR_OPTIONS` for bad options.
 *
 * @example
 * const tasks = await startTaskSupervisor(system, { name: 'tasks' });
 */
export async function startTaskSupervisor(system: ActorSystem, options: TaskSupervisorOptions = {}): Promise<TaskSupervisorRef> {
  if (typeof options !== 'object' || options === null) throw optionError('task supervisor options', 'must be an object', options);
  const normalized = validateDynamicSupervisorOptions({ ...options, name: options.name ?? 'task_supervisor' }, TASK_SUPERVISOR_OPTIONS);
  let taskRef: TaskSupervisorRef | undefined;
  const { started } = spawnDynamicSupervisor(system, normalized, (dynamic) => {
    dynamic.kind = 'task'; // what its tree() (the dashboard) calls it
    taskRef = new TaskSupervisorRef(dynamic, system);
    return taskRef;
  });
  await started;
  return taskRef as TaskSupervisorRef;
}

/**
 * A child spec that starts a task supervisor under a `startSupervisor` tree (type
 * `'supervisor'`); it is named `id` unless `options.name` says otherwise.
 *
 * @example
 * await startSupervisor(system, { name: 'app', children: [taskSupervisorSpec('tasks', { maxChildren: 50 })] });
 */
export function taskSupervisorSpec(id: string, options: TaskSupervisorOptions & { restart?: RestartType } = {}): ChildSpec {
  return nestedSupervisorSpec(id, options, startTaskSupervisor);
}
