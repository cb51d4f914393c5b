/**
 * Thundergrid's dashboard panel: every zone's occupancy (active domains of those assigned) as bars.
 *
 * @example
 * zonesPanel(await domain.occupancy());
 */
import type { DomainPanel } from '../../src/domain/domain-panel.ts';
import type { ZoneOccupancy } from './zone-map.ts';

/** The panel of the zones' occupancy. */
export function zonesPanel(zones: readonly ZoneOccupancy[]): DomainPanel {
  const active = zones.reduce((sum, zone) => sum + zone.active, 0);
  const total = zones.reduce((sum, zone) => sum + zone.domains.length, 0);
  return {
    summary: `${zones.length} zones, ${active} of ${total} domains active`,
    views: [
      {
        kind: 'bars',
        title: 'zone occupancy (active / assigned)',
        bars: zones.map((zone) => ({
          label: `zone ${zone.zone}`,
          value: zone.active,
          max: Math.max(zone.domains.length, 1),
          text: `${zone.active}/${zone.domains.length}: ${zone.domains.join(', ') || '(empty)'}`,
        })),
      },
    ],
  };
}
