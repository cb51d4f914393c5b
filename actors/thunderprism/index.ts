import { type DomainDefinition, defineDomain } from '../../src/domain/define-domain.ts';
import { trackedChild } from '../../src/domain/tracked-child.ts';
import { type DecisionDag, type DecisionTrailMsg, spawnDecisionTrail } from './decision-trail.ts';
import { trailPanel } from './panel.ts';

export type { DecisionDag, PrismEdge, PrismNode } from './decision-trail.ts';

/** The thunderprism domain, with a query of its DAG. */
export interface ThunderprismDomain extends DomainDefinition {
  /** Nodes, edges and best per run; rejects `ERR_UNKNOWN_ACTOR` until the domain is active. */
  dag(): Promise<DecisionDag>;
}

/** Defines the thunderprism domain. */
export function thunderprismDomain(): ThunderprismDomain {
  const trail = trackedChild<DecisionTrailMsg>('thunderprism', 'decision_trail', 'the decision trail', ({ system }) =>
    spawnDecisionTrail(system),
  );
  const definition = defineDomain({
    name: 'thunderprism',
    children: [trail.spec],
    inspect: async () => trailPanel(await trail.running().call<DecisionDag>({ type: 'dag' })),
  });
  return {
    ...definition,
    dag: async () => trail.running().call<DecisionDag>({ type: 'dag' }),
  };
}
