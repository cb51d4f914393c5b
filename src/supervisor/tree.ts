/**
 * The shape a supervisor shows of itself and its subtree, for the dashboard and `/api/tree`: its
 * kind, strategy and restart budget, the names its actor is registered under, and each child's
 * row (with that child's names, and its own subtree when the child is a supervisor of any kind).
 *
 * @example
 * const tree = buildTree({ self: ref, name: 'app', kind: 'supervisor', strategy: 'one_for_one', budget }, rows);
 * tree.children[0]?.names; // ['rooms:lobby']
 */
import type { ActorRef } from '../actor/actor-ref.ts';
import { CELL, type ExitLinks } from '../actor/exit-links.ts';
import type { AnyActorRef, Strategy } from './spec.ts';
import type { ChildInfo, RestartBudget } from './supervisor.ts';

/** Which supervisor: a `Supervisor`, a `DynamicSupervisor` or a `TaskSupervisor`. */
export type SupervisorKind = 'supervisor' | 'dynamic' | 'task';

/** One child in a {@link SupervisorTree}. */
export type SupervisorTreeChild = Omit<ChildInfo, 'ref'> & {
  /** The child's actor id, while it has one. */
  actor: string | undefined;
  /** The names its actor is registered under, as `registry:key`. */
  names: string[];
  /** The child's own subtree, when it is a supervisor. */
  tree?: SupervisorTree;
};

/**
 * A supervisor and its subtree. A child whose ref has a `tree()` method (a `SupervisorRef`, a
 * dynamic or task supervisor's ref) shows its subtree; that method must return this shape.
 */
export interface SupervisorTree {
  name: string;
  kind: SupervisorKind;
  strategy: Strategy;
  budget: RestartBudget;
  /** The names the supervisor itself is registered under, as `registry:key`. */
  names: string[];
  children: SupervisorTreeChild[];
}

/** The names `ref`'s actor is registered under (none for a ref that is not an actor's). */
export function namesOf(ref: ActorRef<never> | undefined): string[] {
  if (ref === undefined) return [];
  const cell = (ref as unknown as { [CELL]?: ExitLinks })[CELL] ?? (ref as unknown as ExitLinks);
  return typeof cell.registeredNames === 'function' ? cell.registeredNames() : [];
}

function hasTree(ref: AnyActorRef | undefined): ref is AnyActorRef & { tree(): SupervisorTree } {
  return typeof (ref as { tree?: unknown } | undefined)?.tree === 'function';
}

/** Builds a {@link SupervisorTree} from a supervisor's header and its children's rows. */
export function buildTree(
  head: { self: ActorRef<never>; name: string; kind: SupervisorKind; strategy: Strategy; budget: RestartBudget },
  rows: readonly ChildInfo[],
): SupervisorTree {
  return {
    name: head.name,
    kind: head.kind,
    strategy: head.strategy,
    budget: head.budget,
    names: namesOf(head.self),
    children: rows.map(({ ref, ...info }) => {
      const row: SupervisorTreeChild = { ...info, actor: ref?.id, names: namesOf(ref) };
      if (hasTree(ref)) row.tree = ref.tree();
      return row;
    }),
  };
}
