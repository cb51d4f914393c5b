/**
 * Thundergate's dashboard panel: the health monitor's latest report and its findings.
 *
 * @example
 * healthPanel(await domain.health());
 */
import type { DomainPanel } from '../../src/domain/domain-panel.ts';
import type { HealthReport } from './health-monitor.ts';

/** The panel of a health report. */
export function healthPanel(report: HealthReport): DomainPanel {
  return {
    summary: `${report.status} at tick ${report.tick}${report.reasons.length > 0 ? `: ${report.reasons.join('; ')}` : ''}`,
    views: [
      {
        kind: 'facts',
        title: 'health',
        facts: [
          { label: 'status', value: report.status },
          { label: 'tick', value: report.tick },
          { label: 'late', value: `${report.lateMs} ms` },
          { label: 'stuck', value: report.stuck.join(', ') || '-' },
          { label: 'crash loops', value: report.crashLoops.join(', ') || '-' },
        ],
      },
    ],
  };
}
