/**
 * Thundercrown's dashboard panel: the activation policy's decisions, refusals per domain and the
 * latest refusals.
 *
 * @example
 * governancePanel(await domain.ledger());
 */
import type { DomainPanel } from '../../src/domain/domain-panel.ts';
import type { LedgerSnapshot } from './refusal-ledger.ts';

/** The panel of the refusal ledger. */
export function governancePanel(ledger: LedgerSnapshot): DomainPanel {
  const byDomain = Object.entries(ledger.byDomain).sort((a, b) => b[1] - a[1]);
  const most = byDomain[0]?.[1] ?? 0;
  return {
    summary:
      ledger.total === 0
        ? 'every activation allowed so far (0 refusals)'
        : `${ledger.total} activations refused; latest at tick ${ledger.lastTick}: ${ledger.refusedAtLastTick.join(', ') || '-'}`,
    views: [
      {
        kind: 'facts',
        title: 'decisions',
        facts: [
          { label: 'refused', value: ledger.total },
          { label: 'domains refused', value: byDomain.length },
          { label: 'last refusal tick', value: ledger.lastTick },
        ],
      },
      {
        kind: 'bars',
        title: 'refusals per domain',
        bars: byDomain.map(([domain, count]) => ({ label: domain, value: count, max: Math.max(most, 1), text: String(count) })),
      },
      {
        kind: 'table',
        title: 'latest refusals',
        columns: ['tick', 'domain', 'reason'],
        rows: [...ledger.recent].reverse().map((refusal) => [refusal.tick, refusal.domain, refusal.reason]),
      },
    ],
  };
}
