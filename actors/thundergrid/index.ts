import { type DomainDefinition, defineDomain } from '../../src/domain/define-domain.ts';
import { trackedChild } from '../../src/domain/tracked-child.ts';
import { describeValue, ThunderlineError } from '../../src/errors.ts';
import { zonesPanel } from './panel.ts';
import { spawnZoneMap, type ZoneMapMsg, type ZoneMapOptions, type ZoneOccupancy } from './zone-map.ts';

export { computeOccupancy, OCCUPANCY, type ZoneMapOptions, type ZoneOccupancy, zoneOf } from './zone-map.ts';

/** The thundergrid domain, with a query of its zone map. */
export interface ThundergridDomain extends DomainDefinition {
  /** Every zone's domains and active count; rejects `ERR_UNKNOWN_ACTOR` until the domain is active. */
  occupancy(): Promise<ZoneOccupancy[]>;
}

/**
 * Defines the thundergrid domain.
 * @param options `registry` (required), `zones` (default 4)
 * @throws ThunderlineError `ERR_INVALID_OPTION` when `zones` is not an integer >= 1
 */
export function thundergridDomain(options: ZoneMapOptions): ThundergridDomain {
  if (options.zones !== undefined && !(Number.isInteger(options.zones) && options.zones >= 1)) {
    throw new ThunderlineError('ERR_INVALID_OPTION', `thundergrid: zones must be an integer >= 1, got ${describeValue(options.zones)}`);
  }
  const zoneMap = trackedChild<ZoneMapMsg>('thundergrid', 'zone_map', 'the zone map', ({ system }) => spawnZoneMap(system, options));
  const definition = defineDomain({
    name: 'thundergrid',
    children: [zoneMap.spec],
    inspect: async () => zonesPanel(await zoneMap.running().call<ZoneOccupancy[]>({ type: 'occupancy' })),
  });
  return {
    ...definition,
    occupancy: async () => zoneMap.running().call<ZoneOccupancy[]>({ type: 'occupancy' }),
  };
}
