/**
 * The child spec of a supervisor nested under a `startSupervisor` tree, whatever its kind
 * (`supervisorSpec`, `dynamicSupervisorSpec`, `taskSupervisorSpec`): type `'supervisor'` (so its
 * shutdown defaults to `'infinity'`), named `id` unless its options name it, with `restart` and
 * `significant` kept for its slot in the parent and every other option passed to its start.
 *
 * @example
 * const spec = nestedSupervisorSpec('rooms', { maxChildren: 10, restart: 'transient' }, startDynamicSupervisor);
 */
import type { ActorSystem } from '../actor/actor-system.ts';
import type { ViaName } from '../actor/naming.ts';
import type { AnyActorRef, ChildSpec, RestartType } from './spec.ts';

/**
 * The slot options of a nested supervisor's spec: how its parent restarts it, and whether its
 * exit may shut the parent down.
 *
 * @example
 * const slot: SlotOptions = { restart: 'transient', significant: true };
 */
export interface SlotOptions {
  restart?: RestartType;
  significant?: boolean;
}

/**
 * A child spec that runs `start(system, options)` with `options.name` defaulting to `id`.
 *
 * @example
 * nestedSupervisorSpec('tasks', { maxChildren: 50 }, startTaskSupervisor);
 */
export function nestedSupervisorSpec<O extends { name?: string | ViaName }>(
  id: string,
  options: O & SlotOptions,
  start: (system: ActorSystem, options: O) => Promise<AnyActorRef>,
): ChildSpec {
  const { restart, significant, ...own } = options;
  const named = { ...own, name: own.name ?? id } as unknown as O;
  const spec: ChildSpec = { id, type: 'supervisor', start: ({ system }) => start(system, named) };
  if (restart) spec.restart = restart;
  if (significant !== undefined) spec.significant = significant;
  return spec;
}
