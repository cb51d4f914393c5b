import { type DomainDefinition, defineDomain } from '../../src/domain/define-domain.ts';
import { trackedChild } from '../../src/domain/tracked-child.ts';
import { type DecisionDag, type DecisionTrailMsg, type DecisionTrailOptions, spawnDecisionTrail } from './decision-trail.ts';
import { trailPanel } from './panel.ts';

export { DECISION_TRAIL_DEFAULTS, type DecisionDag, type DecisionTrailOptions, type PrismEdge, type PrismNode } from './decision-trail.ts';

/** The thunderprism domain, with a query of its DAG. */
export interface ThunderprismDomain extends DomainDefinition {
  /** Nodes, edges and best per run; rejects `ERR_UNKNOWN_ACTOR` until the domain is active. */
  dag(): Promise<DecisionDag>;
}

/**
 * Defines the thunderprism domain.
 * @param options the trail's bounds: `keepNodes` (1000), `keepRuns` (16), `keepPath` (1000)
 */
export function thunderprismDomain(options: DecisionTrailOptions = {}): ThunderprismDomain {
  const trail = trackedChild<DecisionTrailMsg>('thunderprism', 'decision_trail', 'the decision trail', ({ system }) =>
    spawnDecisionTrail(system, options),
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
