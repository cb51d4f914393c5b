import { type DomainDefinition, defineDomain } from '../../src/domain/define-domain.ts';
import { trackedChild } from '../../src/domain/tracked-child.ts';
import { presencePanel } from './panel.ts';
import { type PresenceMsg, type PresenceOptions, type PresenceSnapshot, spawnPresence } from './presence.ts';

export type { PresenceOptions, PresenceSnapshot } from './presence.ts';

/** The thunderlink domain, with a query of its presence. */
export interface ThunderlinkDomain extends DomainDefinition {
  /** Node id, start time, uptime, ticks seen; rejects `ERR_UNKNOWN_ACTOR` until the domain is active. */
  presence(): Promise<PresenceSnapshot>;
}

/** Defines the thunderlink domain. */
export function thunderlinkDomain(options: PresenceOptions = {}): ThunderlinkDomain {
  const presence = trackedChild<PresenceMsg>('thunderlink', 'presence', 'presence', ({ system }) => spawnPresence(system, options));
  const definition = defineDomain({
    name: 'thunderlink',
    children: [presence.spec],
    inspect: async () => presencePanel(await presence.running().call<PresenceSnapshot>({ type: 'presence' })),
  });
  return {
    ...definition,
    presence: async () => presence.running().call<PresenceSnapshot>({ type: 'presence' }),
  };
}
