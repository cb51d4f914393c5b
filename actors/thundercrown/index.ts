/**
 * Thundercrown, governance (seed §1.6, §4): an activation policy every domain consults before
 * it activates, and a ledger of the refusals. The policy must reach the domain actors, so the
 * composition root passes `thundercrown.policy.decide` to `bootRuntime` as `activationPolicy`
 * and binds it to the runtime's pubsub.
 *
 * @example
 * const thundercrown = thundercrownDomain({ allow: ['thundercrown', 'thunderbolt'] });
 * const runtime = await bootRuntime(options, {
 *   activationPolicy: thundercrown.policy.decide,
 *   infrastructure: ({ system }) => (thundercrown.policy.bind(system.pubsub, () => system.isoNow()), {}),
 * });
 */
import type { ActorRef } from '../../src/actor/actor-ref.ts';
import { type DomainDefinition, defineDomain } from '../../src/domain/define-domain.ts';
import { ThunderlineError } from '../../src/errors.ts';
import { ActivationPolicy, type ActivationPolicyOptions } from './activation-policy.ts';
import { type LedgerSnapshot, type RefusalLedgerMsg, spawnRefusalLedger } from './refusal-ledger.ts';
import { trackedChild } from '../../src/domain/tracked-child.ts';

export { ActivationPolicy, type ActivationPolicyOptions, REFUSED, type Refusal } from './activation-policy.ts';
export type { LedgerSnapshot } from './refusal-ledger.ts';

/** The thundercrown domain, its policy and a query of its ledger. */
export interface ThundercrownDomain extends DomainDefinition {
  readonly policy: ActivationPolicy;
  /** Refusal counts and the latest refusals; rejects `ERR_UNKNOWN_ACTOR` until the domain is active. */
  ledger(): Promise<LedgerSnapshot>;
}

/** Defines the thundercrown domain; the default policy allows every domain. */
export function thundercrownDomain(options: ActivationPolicyOptions = {}): ThundercrownDomain {
  const policy = new ActivationPolicy(options);
  const ledger = trackedChild<RefusalLedgerMsg>('thundercrown', 'refusal_ledger', 'the refusal ledger', ({ system }) => spawnRefusalLedger(system, policy));
  const definition = defineDomain({ name: 'thundercrown', children: [ledger.spec] });
  return {
    ...definition,
    policy,
    ledger: async () => ledger.running().call<LedgerSnapshot>({ type: 'ledger' }),
  };
}
