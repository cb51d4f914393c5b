/**
 * The decision trail (Thunderprism's PrismNode/PrismEdge; `docs/domains.md`): every
 * `custom:cerebros.trial_completed` event becomes a DAG node, and every trial that became the
 * new best gets an edge from the best it replaced. Thunderprism knows cerebros only by that
 * event's type and fields.
 *
 * @example
 * const ref = await spawnDecisionTrail(system);
 * await ref.call<DecisionDag>({ type: 'dag' }); // { nodes: [...], edges: [...], best: 'run:3' }
 */
import type { ActorRef } from '../../src/actor/actor-ref.ts';
import { spawnActor } from '../../src/actor/actor-ref.ts';
import type { ActorSystem } from '../../src/actor/actor-system.ts';
import type { Behaviour } from '../../src/actor/behaviour.ts';
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

/** The DAG as the query answers it. */
export interface DecisionDag {
  nodes: PrismNode[];
  edges: PrismEdge[];
  /** The node id of the best trial so far, per cerebros run. */
  best: Record<string, string>;
}

/** Messages of the decision trail. */
export type DecisionTrailMsg = { type: 'trial'; node: PrismNode; improved: boolean } | { type: 'dag' };

interface TrailState {
  nodes: PrismNode[];
  edges: PrismEdge[];
  best: Map<string, PrismNode>;
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

function trailBehaviour(): Behaviour<TrailState, DecisionTrailMsg, undefined> {
  return {
    name: 'thunderprism.decision_trail',
    init(_args, ctx) {
      const off = ctx.system.pubsub.subscribe(topicOf({ type: TRIAL_COMPLETED }), (event) => {
        const trial = readTrial(event as unknown as Record<string, unknown>);
        if (trial) ctx.self.cast({ type: 'trial', ...trial });
      });
      ctx.self.onExit(off);
      return { nodes: [], edges: [], best: new Map() };
    },
    handle(state, message, ctx) {
      switch (message.type) {
        case 'trial': {
          const { node, improved } = message;
          state.nodes.push(node);
          if (improved) {
            const previous = state.best.get(node.runId);
            if (previous)
              state.edges.push({
                from: previous.id,
                to: node.id,
                kind: 'improved_on',
                delta: Math.round((node.score - previous.score) * 1e6) / 1e6,
              });
            state.best.set(node.runId, node);
          }
          return state;
        }
        case 'dag':
          ctx.reply({
            nodes: [...state.nodes],
            edges: [...state.edges],
            best: Object.fromEntries([...state.best].map(([run, node]) => [run, node.id])),
          } satisfies DecisionDag);
          return state;
        default: {
          const unreachable: never = message;
          throw new Error(`thunderprism.decision_trail: unknown message ${JSON.stringify(unreachable)}`);
        }
      }
    },
  };
}

/** Starts the decision trail. */
export function spawnDecisionTrail(system: ActorSystem): Promise<ActorRef<DecisionTrailMsg>> {
  return spawnActor(system, trailBehaviour(), undefined, { name: 'thunderprism.decision_trail' });
}
