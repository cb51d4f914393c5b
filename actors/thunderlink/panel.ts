/**
 * Thunderlink's dashboard panel: this node's presence (id, up since, ticks seen).
 *
 * @example
 * presencePanel(await domain.presence());
 */
import type { DomainPanel } from '../../src/domain/domain-panel.ts';
import type { PresenceSnapshot } from './presence.ts';

/** The panel of a presence snapshot. */
export function presencePanel(presence: PresenceSnapshot): DomainPanel {
  return {
    summary: `node ${presence.nodeId} present for ${Math.round(presence.uptimeMs / 1000)} s, ${presence.ticksSeen} ticks seen`,
    views: [
      {
        kind: 'table',
        title: 'nodes present',
        columns: ['node', 'since', 'uptime s', 'ticks seen', 'last tick'],
        rows: [
          [
            presence.nodeId,
            new Date(presence.startedAt).toISOString(),
            Math.round(presence.uptimeMs / 1000),
            presence.ticksSeen,
            presence.lastTick,
          ],
        ],
      },
    ],
  };
}
