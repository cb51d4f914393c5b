/**
 * Thunderlink, communication and networking (seed §1.2). Its tick generator is the runtime's
 * own (`actors/tick-generator.ts`, in the tick system); this domain adds node presence.
 *
 * @example
 * const thunderlink = thunderlinkDomain({ nodeId: 'node-a' });
 * const runtime = await startRuntime({ domains: [thunderlink], tickInterval: 'manual', database: ':memory:' });
 * await runtime.tick(); await runtime.tick();
 * (await thunderlink.presence()).ticksSeen; // 1
 */
import type { ActorRef } from '../../src/actor/actor-ref.ts';
import { type DomainDefinition, defineDomain } from '../../src/domain/define-domain.ts';
import { ThunderlineError } from '../../src/errors.ts';
import { type PresenceMsg, type PresenceOptions, type PresenceSnapshot, spawnPresence } from './presence.ts';
import { trackedChild } from '../../src/domain/tracked-child.ts';

export type { PresenceOptions, PresenceSnapshot } from './presence.ts';

/** The thunderlink domain, with a query of its presence. */
export interface ThunderlinkDomain extends DomainDefinition {
  /** Node id, start time, uptime, ticks seen; rejects `ERR_UNKNOWN_ACTOR` until the domain is active. */
  presence(): Promise<PresenceSnapshot>;
}

/** Defines the thunderlink domain. */
export function thunderlinkDomain(options: PresenceOptions = {}): ThunderlinkDomain {
  const presence = trackedChild<PresenceMsg>('thunderlink', 'presence', 'presence', ({ system }) => spawnPresence(system, options));
  const definition = defineDomain({ name: 'thunderlink', children: [presence.spec] });
  return {
    ...definition,
    presence: async () => presence.running().call<PresenceSnapshot>({ type: 'presence' }),
  };
}
