/**
 * The domains tree: one child per domain, one_for_one, in the order given. A domain that crashes
 * is restarted fresh (`waiting`, then active on the next tick) within the restart intensity.
 *
 * @example
 * const spec = domainsTree([billing, shipping], deps);
 */
import type { DomainDefinition } from '../src/domain/define-domain.ts';
import { type DomainDeps, domainChildSpec } from '../src/domain/domain-actor.ts';
import type { ChildSpec } from '../src/supervisor/spec.ts';
import { supervisorSpec } from '../src/supervisor/supervisor-ref.ts';

/** The name of the domains supervisor; `runtime.kill` looks domains up under it. */
export const DOMAINS_SUPERVISOR = 'domains';

/** Restart intensity of the domains supervisor. */
export interface DomainsTreeOptions {
  maxRestarts?: number;
  maxSeconds?: number;
}

/** The `domains` supervisor spec. */
export function domainsTree(domains: readonly DomainDefinition[], deps: DomainDeps, options: DomainsTreeOptions = {}): ChildSpec {
  return supervisorSpec(DOMAINS_SUPERVISOR, {
    strategy: 'one_for_one',
    ...options,
    children: domains.map((domain) => domainChildSpec(domain, deps)),
  });
}
