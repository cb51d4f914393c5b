/**
 * Thunderbolt, the compute domain (seed §1.3): its automata child runs Conway's Life on a small
 * torus, one generation per tick. It reaches cerebros only through `cerebros-bridge.ts`.
 *
 * @example
 * const thunderbolt = thunderboltDomain({ width: 16, height: 16 });
 * const runtime = await startRuntime({ domains: [thunderbolt], tickInterval: 'manual', database: ':memory:' });
 * await runtime.tick(); await runtime.tick();
 * (await thunderbolt.snapshot()).generation; // 1
 */
import type { ActorRef } from '../../src/actor/actor-ref.ts';
import { type DomainDefinition, defineDomain } from '../../src/domain/define-domain.ts';
import { ThunderlineError } from '../../src/errors.ts';
import { type AutomatonMsg, type AutomatonOptions, type AutomatonSnapshot, spawnAutomaton } from './automaton.ts';
import { trackedChild } from '../../src/domain/tracked-child.ts';

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
  const automaton = trackedChild<AutomatonMsg>('thunderbolt', 'automaton', 'the automaton', ({ system }) => spawnAutomaton(system, options));
  const definition = defineDomain({ name: 'thunderbolt', children: [automaton.spec] });
  return {
    ...definition,
    snapshot: async () => automaton.running().call<AutomatonSnapshot>({ type: 'snapshot' }),
  };
}
