import { type DomainDefinition, defineDomain } from '../../src/domain/define-domain.ts';
import { trackedChild } from '../../src/domain/tracked-child.ts';
import { ActivationPolicy, type ActivationPolicyOptions } from './activation-policy.ts';
import { governancePanel } from './panel.ts';
import { type LedgerSnapshot, type RefusalLedgerMsg, spawnRefusalLedger } from './refusal-ledger.ts';

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
  const ledger = trackedChild<RefusalLedgerMsg>('thundercrown', 'refusal_ledger', 'the refusal ledger', ({ system }) =>
    spawnRefusalLedger(system, policy),
  );
  const definition = defineDomain({
    name: 'thundercrown',
    children: [ledger.spec],
    inspect: async () => governancePanel(await ledger.running().call<LedgerSnapshot>({ type: 'ledger' })),
  });
  return {
    ...definition,
    policy,
    ledger: async () => ledger.running().call<LedgerSnapshot>({ type: 'ledger' }),
  };
}
