/**
 * The actors view of the observer (Erlang's `observer` Processes tab): every live actor of a
 * system with its place in the tree, kind, status, mailbox, messages handled, time in handlers
 * and restarts; and the operator's kill and restart of one of them.
 *
 * @example
 * const observer = new ActorObserver(system, () => root, (name) => registry.domainStatus(name) !== undefined);
 * observer.actors(); // [{ id: 'application#1', path: 'application', kind: 'supervisor', ... }, ...]
 * await observer.act({ action: 'kill', actor: 'automaton#21', reason: 'operator' });
 */
import { ActorCell } from '../actor/actor-cell.ts';
import type { ActorRef } from '../actor/actor-ref.ts';
import type { ActorSystem } from '../actor/actor-system.ts';
import { cellOf } from '../actor/exit-links.ts';
import { formatReason, ThunderlineError } from '../errors.ts';
import { DynamicSupervisorRef } from '../supervisor/dynamic-supervisor.ts';
import type { ChildInfo } from '../supervisor/engine-base.ts';
import { SupervisorRef } from '../supervisor/supervisor-ref.ts';
import { TaskSupervisorRef } from '../supervisor/task-supervisor.ts';

/** What an actor is, as the actors view shows it. */
export type ActorKind = 'supervisor' | 'dynamic' | 'task' | 'domain' | 'worker';

/** One live actor. */
export interface ActorRow {
  /** The actor id (`automaton#21`): unique in a run. */
  id: string;
  name: string;
  /** Ids of the supervisors and spawners above it, joined by `/`, ending in this actor's own label. */
  path: string;
  /** The supervisor (or spawning actor) above it, if any. */
  parent: string | undefined;
  kind: ActorKind;
  /** `starting`, `running` or `stopping`. */
  status: string;
  /** Messages waiting in its mailbox. */
  mailbox: number;
  /** Messages handled by this incarnation. */
  handled: number;
  /** Time in its handlers (synchronous part), ms, estimated from every 64th turn. */
  busyMs: number;
  /** Restarts its supervisor has made of this child, when it has one. */
  restarts: number | undefined;
  /** The registry names it holds, as `registry:key`. */
  names: string[];
  /** `kill` always (except the root); `restart` when a static supervisor holds it. */
  actions: OperatorActionName[];
}

/** What an operator may do to an actor. */
export type OperatorActionName = 'kill' | 'restart';

/** An operator's request. */
export interface OperatorRequest {
  action: OperatorActionName;
  /** The actor id, as {@link ActorRow.id}. */
  actor: string;
  /** Recorded and passed on as the exit reason; default `'killed by operator'`. */
  reason?: string;
}

/** What an operator's request did. */
export interface OperatorOutcome {
  action: OperatorActionName;
  actor: string;
  path: string;
  reason: string;
}

interface Placement {
  supervisor: ActorRef<never>;
  supervisorId: string;
  child: ChildInfo;
}

type AnyCell = ActorCell<unknown, never, unknown>;

/** Reads a system's live actors; acts on one of them for an operator. */
export class ActorObserver {
  constructor(
    private readonly system: ActorSystem,
    private readonly root: () => ActorRef<never> | undefined,
    /** True for a child id that names a domain (the registry knows it). */
    private readonly isDomain: (name: string) => boolean,
  ) {}

  /** Every live actor, parents before their children. */
  actors(): ActorRow[] {
    const cells = this.cells();
    const placements = new Map<string, Placement>();
    const byId = new Map<string, AnyCell>();
    for (const cell of cells) {
      byId.set(cell.id, cell);
      const facade = cell.publicRef as unknown as { whichChildren?: () => ChildInfo[] };
      if (typeof facade.whichChildren !== 'function') continue;
      for (const child of facade.whichChildren()) {
        if (!child.ref) continue;
        const inner = safeCell(child.ref);
        if (inner) placements.set(inner.id, { supervisor: cell.publicRef, supervisorId: cell.id, child });
      }
    }
    const paths = new Map<string, string>();
    const pathOf = (cell: AnyCell, depth = 0): string => {
      const known = paths.get(cell.id);
      if (known !== undefined) return known;
      const placement = placements.get(cell.id);
      const parentId = placement?.supervisorId ?? cell.spawnedBy;
      const parent = parentId === undefined ? undefined : byId.get(parentId);
      const label = placement?.child.id ?? cell.name;
      const path = parent && depth < 64 ? `${pathOf(parent, depth + 1)}/${label}` : label;
      paths.set(cell.id, path);
      return path;
    };
    const rootCell = this.rootCell();
    const rows = cells.map((cell): ActorRow => {
      const placement = placements.get(cell.id);
      const parentId = placement?.supervisorId ?? cell.spawnedBy;
      const actions: OperatorActionName[] = cell === rootCell ? [] : ['kill'];
      if (placement && placement.supervisor instanceof SupervisorRef) actions.push('restart');
      return {
        id: cell.id,
        name: cell.name,
        path: pathOf(cell),
        parent: parentId !== undefined && byId.has(parentId) ? parentId : undefined,
        kind: kindOf(cell, placement, this.isDomain),
        status: cell.lifecycle,
        mailbox: cell.mailboxLength,
        handled: cell.handled,
        busyMs: Math.round(cell.busyMs * 1000) / 1000,
        restarts: placement?.child.restarts,
        names: cell.registeredNames(),
        actions,
      };
    });
    return rows.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /**
   * Kills an actor (its supervisor then does what its restart type says) or restarts a static
   * supervisor's child in order (`terminateChild`, then `restartChild`). Rejects with
   * `ERR_UNKNOWN_ACTOR` for an actor not alive, `ERR_INVALID_OPTION` for the root or an actor
   * that cannot be restarted.
   */
  async act(request: OperatorRequest): Promise<OperatorOutcome> {
    const cell = this.cells().find((candidate) => candidate.id === request.actor);
    if (!cell) {
      throw new ThunderlineError('ERR_UNKNOWN_ACTOR', `${request.action}: no live actor "${request.actor}"; GET /api/actors lists them`);
    }
    const row = this.actors().find((candidate) => candidate.id === cell.id);
    const path = row?.path ?? cell.name;
    const reason = request.reason ?? `${request.action === 'kill' ? 'killed' : 'restarted'} by operator`;
    if (!row?.actions.includes(request.action)) {
      throw new ThunderlineError(
        'ERR_INVALID_OPTION',
        `${request.action}: actor "${cell.id}" (${path}) allows ${row && row.actions.length > 0 ? row.actions.join(', ') : 'no operator action'}${cell === this.rootCell() ? ' (it is the root: stop the runtime instead)' : ''}`,
      );
    }
    if (request.action === 'kill') {
      cell.kill(reason);
    } else {
      const supervisorId = row.parent;
      const supervisor = this.cells().find((candidate) => candidate.id === supervisorId)?.publicRef;
      const childId = path.slice(path.lastIndexOf('/') + 1);
      if (!(supervisor instanceof SupervisorRef)) {
        throw new ThunderlineError('ERR_INVALID_OPTION', `restart: actor "${cell.id}" has no static supervisor`);
      }
      await supervisor.terminateChild(childId);
      await supervisor.restartChild(childId);
    }
    return { action: request.action, actor: cell.id, path, reason: formatReason(reason) };
  }

  private cells(): AnyCell[] {
    const cells: AnyCell[] = [];
    for (const cell of this.system.liveCells) if (cell instanceof ActorCell) cells.push(cell as AnyCell);
    return cells;
  }

  private rootCell(): AnyCell | undefined {
    const root = this.root();
    return root ? (safeCell(root) as AnyCell | undefined) : undefined;
  }
}

function safeCell(ref: ActorRef<never>): AnyCell | undefined {
  try {
    const cell = cellOf(ref);
    return cell instanceof ActorCell ? (cell as AnyCell) : undefined;
  } catch {
    return undefined; // a ref that is not an actor's (a test double, say): not observable
  }
}

function kindOf(cell: AnyCell, placement: Placement | undefined, isDomain: (name: string) => boolean): ActorKind {
  const facade = cell.publicRef;
  if (facade instanceof SupervisorRef) return 'supervisor';
  if (facade instanceof TaskSupervisorRef) return 'task';
  if (facade instanceof DynamicSupervisorRef) return 'dynamic';
  if (placement && placement.child.type === 'worker' && isDomain(placement.child.id)) return 'domain';
  return 'worker';
}
