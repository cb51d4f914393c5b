/**
 * Thunderprism, the ML decision trail (seed §7.1): cerebros' trials as DAG nodes, and edges
 * from each best to the trial that beat it. It listens to cerebros' events on the pubsub.
 *
 * @example
 * const thunderprism = thunderprismDomain();
 * // ... with cerebros running:
 * (await thunderprism.dag()).nodes.length; // trials so far
 */
import type { ActorRef } from '../../src/actor/actor-ref.ts';
import { type DomainDefinition, defineDomain } from '../../src/domain/define-domain.ts';
import { ThunderlineError } from '../../src/errors.ts';
import { type DecisionDag, type DecisionTrailMsg, spawnDecisionTrail } from './decision-trail.ts';
import { trackedChild } from '../../src/domain/tracked-child.ts';

export type { DecisionDag, PrismEdge, PrismNode } from './decision-trail.ts';

/** The thunderprism domain, with a query of its DAG. */
export interface ThunderprismDomain extends DomainDefinition {
  /** Nodes, edges and best per run; rejects `ERR_UNKNOWN_ACTOR` until the domain is active. */
  dag(): Promise<DecisionDag>;
}

/** Defines the thunderprism domain. */
export function thunderprismDomain(): ThunderprismDomain {
  const trail = trackedChild<DecisionTrailMsg>('thunderprism', 'decision_trail', 'the decision trail', ({ system }) => spawnDecisionTrail(system));
  const definition = defineDomain({ name: 'thunderprism', children: [trail.spec] });
  return {
    ...definition,
    dag: async () => trail.running().call<DecisionDag>({ type: 'dag' }),
  };
}
