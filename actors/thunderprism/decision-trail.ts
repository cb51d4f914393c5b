/**
 * The decision trail (Thunderprism's PrismNode/PrismEdge; `docs/domains.md`): every
 * `custom:cerebros.trial_completed` event becomes a DAG node, and every trial that became the
 * new best gets an edge from the best it replaced. It keeps the best path of each recent run and
 * the latest nodes, never every trial: its memory is bounded however long it runs. Thunderprism
 * knows cerebros only by that event's type and fields.
 *
 * @example
 * const ref = await spawnDecisionTrail(system);
 * await ref.call<DecisionDag>({ type: 'dag' }); // { nodes: [...], edges: [...], best: 'run:3' }
 */
import type { ActorRef } from '../../src/actor/actor-ref.ts';
import { spawnActor } from '../../src/actor/actor-ref.ts';
import type { ActorSystem } from '../../src/actor/actor-system.ts';
import type { Behaviour } from '../../src/actor/behaviour.ts';
import { describeValue, ThunderlineError } from '../../src/errors.ts';
import { topicOf } from '../../src/events.ts';

/** The cerebros event the trail listens to. */
export const TRIAL_COMPLETED = 'custom:cerebros.trial_completed';

/** A decision node: one trial. */
export interface PrismNode {
  /** `<runId>:<trialNo>` */
  id: string;
  runId: string;
  trialNo: number;
  score: number;
  tick: number;
  params: Record<string, unknown>;
}

/** An edge from the best it replaced to the new best. */
export interface PrismEdge {
  from: string;
  to: string;
  kind: 'improved_on';
  /** Score gained. */
  delta: number;
}

/**
 * The DAG as the query answers it: the best path of each kept run and the latest nodes, in the
 * order they arrived (see {@link DecisionTrailOptions} for the bounds).
 */
export interface DecisionDag {
  nodes: PrismNode[];
  /** The edges of the kept best paths, in the order their target arrived. */
  edges: PrismEdge[];
  /** The node id of the best trial so far, per kept cerebros run. */
  best: Record<string, string>;
  /** Nodes received since the trail started, including those no longer kept. */
  seen: number;
}

/** Messages of the decision trail. */
export type DecisionTrailMsg = { type: 'trial'; node: PrismNode; improved: boolean } | { type: 'dag' };

/** Options of {@link spawnDecisionTrail}: the trail's bounds. */
export interface DecisionTrailOptions {
  /** The latest nodes kept besides the best paths; default 1000. */
  keepNodes?: number;
  /** The cerebros runs whose best path is kept (the newest runs); default 16. */
  keepRuns?: number;
  /** The nodes of one run's best path kept (its newest steps); default 1000. */
  keepPath?: number;
}

/** Defaults of {@link DecisionTrailOptions}. */
export const DECISION_TRAIL_DEFAULTS = { keepNodes: 1000, keepRuns: 16, keepPath: 1000 } as const;

/** A node with the order it arrived in. */
interface Entry {
  node: PrismNode;
  seq: number;
}

/**
 * The trail's memory, bounded whatever the number of trials: the latest `keepNodes` nodes (a
 * ring), and for each of the latest `keepRuns` runs its best path (each node that became the best,
 * oldest first, at most `keepPath` of them). Edges are not stored: each joins two consecutive
 * nodes of a best path.
 */
interface TrailState {
  recent: Array<Entry | undefined>;
  /** Where the next node goes in `recent`. */
  next: number;
  /** Best paths by run, oldest run first (a Map keeps insertion order). */
  paths: Map<string, Entry[]>;
  /** Nodes received since the start, kept or not. */
  seen: number;
  keepRuns: number;
  keepPath: number;
}

function readTrial(event: Record<string, unknown>): { node: PrismNode; improved: boolean } | undefined {
  const { runId, trialNo, score, tick, params, improved } = event;
  if (typeof runId !== 'string' || typeof trialNo !== 'number' || typeof score !== 'number') return undefined;
  return {
    node: {
      id: `${runId}:${trialNo}`,
      runId,
      trialNo,
      score,
      tick: typeof tick === 'number' ? tick : 0,
      params: typeof params === 'object' && params !== null ? { ...(params as Record<string, unknown>) } : {},
    },
    improved: improved === true,
  };
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isSafeInteger(value) && value >= 1)) {
    throw new ThunderlineError('ERR_INVALID_OPTION', `thunderprism: ${name} must be an integer >= 1, got ${describeValue(value)}`);
  }
  return value;
}

function addTrial(state: TrailState, node: PrismNode, improved: boolean): void {
  state.seen += 1;
  const entry = { node, seq: state.seen };
  state.recent[state.next] = entry;
  state.next = (state.next + 1) % state.recent.length;
  if (!improved) return;
  let path = state.paths.get(node.runId);
  if (!path) {
    path = [];
    state.paths.set(node.runId, path);
    // The oldest run's path goes first; Map iteration is insertion order.
    if (state.paths.size > state.keepRuns) state.paths.delete(state.paths.keys().next().value as string);
  }
  path.push(entry);
  if (path.length > state.keepPath) path.shift();
}

function dagOf(state: TrailState): DecisionDag {
  const kept = new Map<string, Entry>();
  const edges: PrismEdge[] = [];
  const best: Record<string, string> = {};
  for (const [run, path] of state.paths) {
    for (let index = 0; index < path.length; index += 1) {
      const entry = path[index] as Entry;
      kept.set(entry.node.id, entry);
      const previous = path[index - 1];
      if (previous) {
        edges.push({
          from: previous.node.id,
          to: entry.node.id,
          kind: 'improved_on',
          delta: Math.round((entry.node.score - previous.node.score) * 1e6) / 1e6,
        });
      }
    }
    const last = path.at(-1);
    if (last) best[run] = last.node.id;
  }
  for (const entry of state.recent) if (entry) kept.set(entry.node.id, entry);
  const nodes = [...kept.values()].sort((a, b) => a.seq - b.seq).map((entry) => entry.node);
  edges.sort((a, b) => (kept.get(a.to) as Entry).seq - (kept.get(b.to) as Entry).seq);
  return { nodes, edges, best, seen: state.seen };
}

function trailBehaviour(options: DecisionTrailOptions): Behaviour<TrailState, DecisionTrailMsg, undefined> {
  const keepNodes = positiveInteger('keepNodes', options.keepNodes, DECISION_TRAIL_DEFAULTS.keepNodes);
  const keepRuns = positiveInteger('keepRuns', options.keepRuns, DECISION_TRAIL_DEFAULTS.keepRuns);
  const keepPath = positiveInteger('keepPath', options.keepPath, DECISION_TRAIL_DEFAULTS.keepPath);
  return {
    name: 'thunderprism.decision_trail',
    init(_args, ctx) {
      const off = ctx.system.pubsub.subscribe(topicOf({ type: TRIAL_COMPLETED }), (event) => {
        const trial = readTrial(event as unknown as Record<string, unknown>);
        if (trial) ctx.self.cast({ type: 'trial', ...trial });
      });
      ctx.self.onExit(off);
      return { recent: new Array<Entry | undefined>(keepNodes), next: 0, paths: new Map(), seen: 0, keepRuns, keepPath };
    },
    handle(state, message, ctx) {
      switch (message.type) {
        case 'trial':
          addTrial(state, message.node, message.improved);
          return state;
        case 'dag':
          ctx.reply(dagOf(state));
          return state;
        default: {
          const unreachable: never = message;
          throw new Error(`thunderprism.decision_trail: unknown message ${JSON.stringify(unreachable)}`);
        }
      }
    },
  };
}

/** Starts the decision trail; throws `ERR_INVALID_OPTION` for a bound that is not an integer >= 1. */
export function spawnDecisionTrail(system: ActorSystem, options: DecisionTrailOptions = {}): Promise<ActorRef<DecisionTrailMsg>> {
  const behaviour = trailBehaviour(options);
  return spawnActor(system, behaviour, undefined, { name: 'thunderprism.decision_trail' });
}
