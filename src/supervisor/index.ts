/**
 * Supervisors with Erlang's semantics: strategies, restart intensity, restart types, ordered
 * start and reverse-order shutdown, and the dynamic-children API.
 *
 * @example
 * const sup = await startSupervisor(system, {
 *   name: 'app', strategy: 'one_for_one', maxRestarts: 3, maxSeconds: 5,
 *   children: [{ id: 'worker', start: ({ system }) => spawnActor(system, worker, undefined) }],
 * });
 */

export {
  createDynamicSupervisor,
  DEFAULT_DYNAMIC_CHILD_ID,
  type DynamicChildSpec,
  type DynamicSupervisorMsg,
  type DynamicSupervisorOptions,
  DynamicSupervisorRef,
  dynamicSupervisorSpec,
  startDynamicSupervisor,
} from './dynamic-supervisor.ts';
export { RestartBackoff, RestartIntensity } from './intensity.ts';
export { reportSupervisorEvent } from './report.ts';
export { shutdownChild } from './shutdown.ts';
export {
  type AnyActorRef,
  type AutoShutdown,
  type BackoffOptions,
  type ChildSpec,
  type ChildStart,
  type ChildType,
  DEFAULT_MAX_RESTARTS,
  DEFAULT_MAX_SECONDS,
  DEFAULT_WORKER_SHUTDOWN_MS,
  DuplicateChildError,
  IGNORE,
  type NormalizedChildSpec,
  type RestartType,
  type ShutdownValue,
  type StartContext,
  type Strategy,
  type SupervisorOptions,
  validateChildSpecs,
  validateSupervisorOptions,
} from './spec.ts';
export { affectedChildren } from './strategies.ts';
export type { ChildInfo, ChildStatus, RestartBudget } from './supervisor.ts';
export {
  type ChildCounts,
  type SupervisorMsg,
  SupervisorRef,
  type SupervisorTree,
  startSupervisor,
  supervisorSpec,
} from './supervisor-ref.ts';
export { awaitTask, shutdownTask, Task, type TaskResult, yieldTask } from './task.ts';
export type { AsyncStreamOptions } from './task-stream.ts';
export {
  type AsyncOptions,
  type StartTaskOptions,
  startTaskSupervisor,
  type TaskSupervisorOptions,
  TaskSupervisorRef,
  taskSupervisorSpec,
} from './task-supervisor.ts';
