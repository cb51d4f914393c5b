/**
 * Thunderflow's dashboard panel: the event buffer's fill and the latest events it holds.
 *
 * @example
 * bufferPanel(await domain.stats(), await domain.latest(8));
 */
import type { DomainPanel } from '../../src/domain/domain-panel.ts';
import type { BufferedEvent, EventBufferStats } from './event-buffer.ts';

/** The panel of the event buffer. */
export function bufferPanel(stats: EventBufferStats, latest: readonly BufferedEvent[]): DomainPanel {
  const percent = Math.round((stats.size / stats.capacity) * 100);
  return {
    summary: `buffer ${stats.size}/${stats.capacity} (${percent} %), ${stats.lastSeq} events seen, ${stats.dropped} pushed out`,
    views: [
      {
        kind: 'bars',
        title: 'buffer fill',
        bars: [{ label: 'events', value: stats.size, max: stats.capacity, text: `${stats.size}/${stats.capacity} (${percent} %)` }],
      },
      {
        kind: 'table',
        title: 'latest buffered events',
        columns: ['seq', 'type'],
        rows: [...latest].reverse().map((entry) => [entry.seq, entry.event.type]),
      },
    ],
  };
}
