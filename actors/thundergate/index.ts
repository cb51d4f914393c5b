import { type DomainDefinition, defineDomain } from '../../src/domain/define-domain.ts';
import { trackedChild } from '../../src/domain/tracked-child.ts';
import { type HealthMonitorMsg, type HealthMonitorOptions, type HealthReport, spawnHealthMonitor } from './health-monitor.ts';
import { healthPanel } from './panel.ts';

export { evaluateHealth, HEALTH, type HealthMonitorOptions, type HealthReport, type HealthStatus } from './health-monitor.ts';

/** The thundergate domain, with a query of its health monitor. */
export interface ThundergateDomain extends DomainDefinition {
  /** The latest health report; rejects `ERR_UNKNOWN_ACTOR` until the domain is active. */
  health(): Promise<HealthReport>;
}

/**
 * Defines the thundergate domain.
 * @param options `registry` (required: the runtime's {@link RegistryView}), `stuckAfterTicks` (3),
 *   `lateThresholdMs` (250), `crashLoop` (3 crashes in 10 ticks)
 */
export function thundergateDomain(options: HealthMonitorOptions): ThundergateDomain {
  const monitor = trackedChild<HealthMonitorMsg>('thundergate', 'health_monitor', 'the health monitor', ({ system }) =>
    spawnHealthMonitor(system, options),
  );
  const definition = defineDomain({
    name: 'thundergate',
    children: [monitor.spec],
    inspect: async () => healthPanel(await monitor.running().call<HealthReport>({ type: 'health' })),
  });
  return {
    ...definition,
    health: async () => monitor.running().call<HealthReport>({ type: 'health' }),
  };
}
