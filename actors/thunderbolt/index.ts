import { type DomainDefinition, defineDomain } from '../../src/domain/define-domain.ts';
import { trackedChild } from '../../src/domain/tracked-child.ts';
import { type AutomatonMsg, type AutomatonOptions, type AutomatonSnapshot, spawnAutomaton } from './automaton.ts';
import { automatonPanel } from './panel.ts';

export type { AutomatonMsg, AutomatonOptions, AutomatonSnapshot } from './automaton.ts';
export { TRIAL_REQUESTED, TRIAL_REQUESTED_TOPIC, type TrialRequest } from './cerebros-bridge.ts';
export { type Cell, GLIDER } from './life.ts';

/** The thunderbolt domain, with a query of its automaton. */
export interface ThunderboltDomain extends DomainDefinition {
  /** The automaton's generation and live cells; rejects `ERR_UNKNOWN_ACTOR` until the domain is active. */
  snapshot(): Promise<AutomatonSnapshot>;
}

/**
 * Defines the thunderbolt domain.
 * @param options grid size (default 16×16), seed (default a glider), `trialEvery` (default 8)
 */
export function thunderboltDomain(options: AutomatonOptions = {}): ThunderboltDomain {
  const automaton = trackedChild<AutomatonMsg>('thunderbolt', 'automaton', 'the automaton', ({ system }) =>
    spawnAutomaton(system, options),
  );
  const definition = defineDomain({
    name: 'thunderbolt',
    children: [automaton.spec],
    inspect: async () => automatonPanel(await automaton.running().call<AutomatonSnapshot>({ type: 'snapshot' })),
  });
  return {
    ...definition,
    snapshot: async () => automaton.running().call<AutomatonSnapshot>({ type: 'snapshot' }),
  };
}
