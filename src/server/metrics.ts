/**
 * `/metrics`: Prometheus text from a private prom-client `Registry` (never the global one, so
 * two runtimes in one process do not mix). Values are read from the registry, the hub and the
 * stream at scrape time.
 *
 * @example
 * const metrics = createServerMetrics(source);
 * const text = await metrics.registry.metrics();
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { DomainStatus } from '../runtime/registry-view.ts';
import { DOMAIN_STATUSES } from '../store/status-names.ts';

/** Where the metrics read their values. */
export interface MetricsSource {
  currentTick(): number;
  lateMs(): number;
  statuses(): DomainStatus[];
  eventCounts(): ReadonlyMap<string, number>;
  clients(): number;
  /** Bytes queued for clients and not yet sent, summed. */
  bufferedBytes(): number;
}

/** The server's metrics and their registry. */
export interface ServerMetrics {
  registry: Registry;
  /** Counts events dropped for slow clients. */
  dropped: Counter;
}

/** Builds the metric set on a fresh private registry. */
export function createServerMetrics(source: MetricsSource): ServerMetrics {
  const registry = new Registry();
  new Gauge({
    name: 'thunderline_ticks_total',
    help: 'Ticks emitted in this run (the current tick number).',
    registers: [registry],
    collect() {
      this.set(source.currentTick());
    },
  });
  new Gauge({
    name: 'thunderline_tick_lateness_ms',
    help: 'How late the latest tick fired against its deadline, ms.',
    registers: [registry],
    collect() {
      this.set(source.lateMs());
    },
  });
  new Gauge({
    name: 'thunderline_active_domains',
    help: 'Domains currently active.',
    registers: [registry],
    collect() {
      this.set(source.statuses().filter((domain) => domain.status === 'active').length);
    },
  });
  new Gauge({
    name: 'thunderline_domain_status',
    help: "1 for each domain's current status, 0 for the others.",
    labelNames: ['domain', 'status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const domain of source.statuses()) {
        for (const status of DOMAIN_STATUSES) this.set({ domain: domain.name, status }, domain.status === status ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'thunderline_domain_restarts',
    help: 'Times each domain has been restarted in this run.',
    labelNames: ['domain'],
    registers: [registry],
    collect() {
      this.reset();
      for (const domain of source.statuses()) this.set({ domain: domain.name }, domain.restarts);
    },
  });
  new Gauge({
    name: 'thunderline_events_total',
    help: 'Events published on the runtime bus, by type.',
    labelNames: ['type'],
    registers: [registry],
    collect() {
      for (const [type, count] of source.eventCounts()) this.set({ type }, count);
    },
  });
  new Gauge({
    name: 'thunderline_ws_clients',
    help: 'Connected /events WebSocket clients.',
    registers: [registry],
    collect() {
      this.set(source.clients());
    },
  });
  new Gauge({
    name: 'thunderline_ws_buffered_bytes',
    help: 'Bytes queued for WebSocket clients and not yet sent (bounded per client by highWaterBytes plus one frame).',
    registers: [registry],
    collect() {
      this.set(source.bufferedBytes());
    },
  });
  const dropped = new Counter({
    name: 'thunderline_ws_dropped_events_total',
    help: 'Events not sent to slow WebSocket clients (each was told with a "dropped" frame).',
    registers: [registry],
  });
  return { registry, dropped };
}
