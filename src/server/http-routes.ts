/**
 * The HTTP routes (`docs/protocol.md`, "HTTP routes"): `GET /` (dashboard), `/health`, `/metrics`, `/api/domains`,
 * `/api/history?domain=&limit=`, `/api/tree`. `/api/*` checks the origin and the token.
 *
 * @example
 * const routes = new HttpRoutes(deps);
 * server.on('request', (req, res) => routes.handle(req, res));
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClusterHealth, ClusterSnapshot } from '../cluster/node.ts';
import { type DomainStatus, type HistoryEntry, historyEntryOf, type RegistryView } from '../runtime/registry-view.ts';
import type { RegistryStore } from '../store/registry-store.ts';
import type { SupervisorTree } from '../supervisor/supervisor-ref.ts';
import type { AccessPolicy } from './access.ts';
import type { ServerMetrics } from './metrics.ts';
import type { ObserverRoutes } from './observer-routes.ts';
import type { StaticAsset } from './static-assets.ts';

/** What the routes read. */
export interface HttpRoutesDeps {
  access: AccessPolicy;
  assets: Map<string, StaticAsset>;
  metrics: ServerMetrics;
  registry: RegistryView;
  store: RegistryStore;
  runId: string;
  tree(): SupervisorTree | null;
  /** The latest tick's lateness, ms. */
  lateMs(): number;
  /** Cluster mode: this node's view of the cluster (`/health` then reports it). */
  cluster?: () => ClusterHealth;
  /** Cluster mode: the members and the lease table (`/api/cluster`). */
  clusterSnapshot?: () => ClusterSnapshot;
  /** Runs, actors, load, panels and the operator's actions. */
  observer: ObserverRoutes;
}

/** Overall health: `failing` when a domain has failed for good, `degraded` while any is down. */
export type HealthStatus = 'ok' | 'degraded' | 'failing';

/** The `/health` body. */
export interface HealthBody {
  status: HealthStatus;
  tick: number;
  activeDomains: number;
  domains: Record<string, DomainStatus['status']>;
  /**
   * Cluster mode only: membership, lease storage and tick flow of this node. The status is
   * `failing` (503: not ready) while the node is not a member or cannot trust its leases, and
   * `degraded` while no cluster tick has reached it for three intervals.
   */
  cluster?: ClusterHealth;
}

/** One `/api/history` item, newest first: the registry's own entry shape. */
export type HistoryItem = HistoryEntry;

function historyKey(item: HistoryItem): string {
  return `${item.domain}|${item.event}|${item.tick}|${item.occurredAt}`;
}

/** The largest `limit` `/api/history` accepts. */
export const MAX_HISTORY_LIMIT = 1000;
/** In-memory registry history covers this many of the latest changes. */
const MEMORY_HISTORY = 100;

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
} as const;

const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Computes `/health` from the registry. */
export function healthOf(registry: RegistryView, cluster?: ClusterHealth): HealthBody {
  const statuses = registry.statuses();
  const domains: Record<string, DomainStatus['status']> = {};
  for (const domain of statuses) domains[domain.name] = domain.status;
  const clusterFailing = cluster !== undefined && (cluster.leaseStorage !== 'ok' || !cluster.member);
  const failing = clusterFailing || statuses.some((domain) => domain.status === 'failed');
  const degraded = cluster?.ticks === 'starved' || statuses.some((domain) => domain.status === 'crashed' || domain.status === 'restarting');
  return {
    status: failing ? 'failing' : degraded ? 'degraded' : 'ok',
    tick: registry.currentTick(),
    activeDomains: registry.activeCount(),
    domains,
    ...(cluster ? { cluster } : {}),
  };
}

/** Serves every non-WebSocket request. */
export class HttpRoutes {
  constructor(private readonly deps: HttpRoutesDeps) {}

  handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'POST' && url.pathname === '/api/actors/action') {
      const refusal = this.deps.access.check(req, url, { token: false, origin: true }) ?? this.deps.access.checkOperator(req, url);
      if (refusal) {
        this.json(res, refusal.status, { error: refusal.message }, refusal.status === 401 ? { 'www-authenticate': 'Bearer' } : {});
        return;
      }
      void this.deps.observer.post(req, url, (status, body, headers) => this.json(res, status, body, headers));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      this.json(
        res,
        405,
        {
          error: `method ${req.method ?? ''} not allowed; GET only, except POST /api/actors/action`,
        },
        { allow: 'GET, HEAD, POST' },
      );
      return;
    }
    const isApi = url.pathname.startsWith('/api/');
    const refusal = this.deps.access.check(req, url, {
      token: isApi,
      origin: isApi,
    });
    if (refusal) {
      this.json(res, refusal.status, { error: refusal.message }, refusal.status === 401 ? { 'www-authenticate': 'Bearer' } : {});
      return;
    }
    switch (url.pathname) {
      case '/health': {
        const body = healthOf(this.deps.registry, this.deps.cluster?.());
        this.json(res, body.status === 'failing' ? 503 : 200, body);
        return;
      }
      case '/metrics':
        void this.metrics(res);
        return;
      case '/events':
        this.json(res, 426, { error: '/events is a WebSocket endpoint: connect with ws://' }, { upgrade: 'websocket' });
        return;
      case '/api/domains':
        this.json(res, 200, {
          tick: this.deps.registry.currentTick(),
          lateMs: this.deps.lateMs(),
          domains: this.deps.registry.statuses(),
        });
        return;
      case '/api/cluster':
        if (this.deps.clusterSnapshot) this.json(res, 200, this.deps.clusterSnapshot());
        else this.json(res, 404, { error: '/api/cluster answers on a cluster node (thunderline start --postgres URL --nats URL)' });
        return;
      case '/api/tree':
        this.json(res, 200, { tree: this.deps.tree() });
        return;
      case '/api/history':
        this.history(url, res);
        return;
      default:
        if (this.deps.observer.handles(url.pathname)) {
          this.deps.observer.get(url, (status, body, headers) => this.json(res, status, body, headers));
          return;
        }
        this.asset(url.pathname, res);
    }
  }

  private history(url: URL, res: ServerResponse): void {
    const rawLimit = url.searchParams.get('limit');
    const limit = rawLimit === null ? 100 : Number(rawLimit);
    if (!(Number.isInteger(limit) && limit >= 1 && limit <= MAX_HISTORY_LIMIT)) {
      this.json(res, 400, {
        error: `limit must be an integer from 1 to ${MAX_HISTORY_LIMIT}, got ${JSON.stringify(rawLimit)}`,
      });
      return;
    }
    const domain = url.searchParams.get('domain') || undefined;
    const run = url.searchParams.get('run');
    if (run !== null && run !== this.deps.runId) {
      this.pastHistory(run, domain, limit, res);
      return;
    }
    // The registry's memory is exact (it includes changes not flushed yet) but holds only the
    // latest 100; older rows of this run come from SQLite.
    const memory = this.deps.registry.history(
      domain === undefined ? { limit: Math.min(limit, MEMORY_HISTORY) } : { domain, limit: Math.min(limit, MEMORY_HISTORY) },
    );
    const history: HistoryItem[] = [...memory];
    if (history.length === MEMORY_HISTORY && limit > MEMORY_HISTORY) {
      try {
        const seen = new Set(history.map(historyKey));
        const oldest = history[history.length - 1]?.occurredAt ?? Number.POSITIVE_INFINITY;
        const rows = this.deps.store.readHistory(
          domain === undefined ? { limit, runId: this.deps.runId } : { domain, limit, runId: this.deps.runId },
        );
        for (const row of rows) {
          const item = historyEntryOf(row);
          if (item.occurredAt <= oldest && !seen.has(historyKey(item)) && history.length < limit) history.push(item);
        }
      } catch (error) {
        this.json(res, 503, {
          error: `history is unavailable: ${error instanceof Error ? error.message : String(error)}`,
        });
        return;
      }
    }
    this.json(res, 200, { history });
  }

  /** One run's history from SQLite, newest first; `run` must be a run of the ledger. */
  private pastHistory(run: string, domain: string | undefined, limit: number, res: ServerResponse): void {
    try {
      const runs = this.deps.store.readRuns(MAX_HISTORY_LIMIT);
      if (!runs.some((candidate) => candidate.runId === run)) {
        const known = runs.slice(0, 5).map((candidate) => candidate.runId);
        this.json(res, 400, {
          error: `run must be the id of a run in the ledger (GET /api/runs lists them), got ${JSON.stringify(run)}; latest: ${known.join(', ') || '(none)'}`,
        });
        return;
      }
      const rows = this.deps.store.readHistory(domain === undefined ? { limit, runId: run } : { domain, limit, runId: run });
      this.json(res, 200, { run, history: rows.map(historyEntryOf) });
    } catch (error) {
      this.json(res, 503, { error: `history is unavailable: ${error instanceof Error ? error.message : String(error)}` });
    }
  }

  private async metrics(res: ServerResponse): Promise<void> {
    try {
      const text = await this.deps.metrics.registry.metrics();
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': this.deps.metrics.registry.contentType,
      });
      res.end(text);
    } catch (error) {
      this.json(res, 500, {
        error: `metrics failed: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }

  private asset(pathname: string, res: ServerResponse): void {
    const asset = this.deps.assets.get(pathname);
    if (!asset) {
      this.json(res, 404, {
        error: `no route ${pathname}; try /, /health, /metrics, /api/domains, /api/history, /api/tree, /api/runs, /api/actors, /api/load, /api/panels, /api/cluster or ws /events`,
      });
      return;
    }
    const headers: Record<string, string> = {
      ...SECURITY_HEADERS,
      'content-type': asset.contentType,
    };
    if (asset.contentType.startsWith('text/html')) {
      headers['content-security-policy'] = DASHBOARD_CSP;
      headers['x-frame-options'] = 'DENY';
    }
    res.writeHead(200, headers);
    res.end(asset.body);
  }

  private json(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      'content-type': 'application/json; charset=utf-8',
      ...extra,
    });
    res.end(JSON.stringify(body));
  }
}
