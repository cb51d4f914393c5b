/**
 * The HTTP + WebSocket server of one runtime: one `node:http` server for the dashboard, the
 * JSON API, `/metrics`, and the `/events` stream. Started and stopped by the web-server actor.
 *
 * @example
 * const server = await EventServer.start(config, deps);
 * server.url; // 'http://127.0.0.1:4100/'
 * await server.close();
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Clock } from '../clock.ts';
import type { ClusterHealth, ClusterSnapshot } from '../cluster/node.ts';
import { ThunderlineError } from '../errors.ts';
import type { ActorObserver } from '../observer/actor-observer.ts';
import type { LoadSampler } from '../observer/load-sampler.ts';
import type { RegistryView } from '../runtime/registry-view.ts';
import type { RegistryStore } from '../store/registry-store.ts';
import type { SupervisorTree } from '../supervisor/supervisor-ref.ts';
import { AccessPolicy } from './access.ts';
import type { EventHub } from './event-hub.ts';
import { type ClientStats, EventStream } from './event-stream.ts';
import type { HelloFrame } from './frames.ts';
import { HttpRoutes } from './http-routes.ts';
import { createServerMetrics, type ServerMetrics } from './metrics.ts';
import { ObserverRoutes, type PanelSource } from './observer-routes.ts';
import type { ServerConfig } from './server-config.ts';
import { loadDashboardAssets } from './static-assets.ts';

/** What the server reads from the runtime. */
export interface EventServerDeps {
  hub: EventHub;
  clock: Clock;
  registry: RegistryView;
  store: RegistryStore;
  runId: string;
  version: string;
  tickInterval: number | 'manual';
  /** The supervision tree, or null while it is starting. */
  tree(): SupervisorTree | null;
  /** Every live actor, and the operator's kill and restart (`/api/actors`); default none. */
  observer?: ActorObserver | undefined;
  /** Load over time (`/api/load`); default none. */
  load?: LoadSampler | undefined;
  /** The domains' panels (`/api/panels`); default none. */
  panels?: PanelSource | undefined;
  /** The token `POST /api/actors/action` requires when the server has none of its own. */
  operatorToken?: string | undefined;
  /** Cluster mode: this node's view of the cluster, for `hello` and `/health`. */
  cluster?: (() => ClusterHealth) | undefined;
  /** Cluster mode: the members and the lease table (`/api/cluster`). */
  clusterSnapshot?: (() => ClusterSnapshot) | undefined;
}

/** A listening server. */
export class EventServer {
  /** `http://host:port/` as bound (the real port when 0 was asked for). */
  readonly url: string;
  readonly metrics: ServerMetrics;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly http: http.Server,
    private readonly stream: EventStream,
    private readonly deps: EventServerDeps,
    metrics: ServerMetrics,
    url: string,
  ) {
    this.metrics = metrics;
    this.url = url;
    deps.hub.attach(stream.sink);
  }

  /** Binds and resolves once listening; rejects with `ERR_SERVER` (e.g. the port is taken). */
  static async start(config: ServerConfig, deps: EventServerDeps): Promise<EventServer> {
    const access = new AccessPolicy({ ...config, operatorToken: deps.operatorToken });
    const assets = loadDashboardAssets();
    const hello = (): HelloFrame => ({
      type: 'hello',
      runId: deps.runId,
      version: deps.version,
      tick: deps.registry.currentTick(),
      lateMs: deps.hub.lateMs,
      tickInterval: deps.tickInterval,
      seq: deps.hub.lastSeq,
      oldestSeq: deps.hub.buffer.oldestSeq ?? deps.hub.lastSeq + 1,
      domains: deps.registry.statuses(),
      tree: deps.tree(),
      ...(deps.cluster ? { cluster: deps.cluster() } : {}),
    });
    let stream: EventStream | undefined;
    const metrics = createServerMetrics({
      currentTick: () => deps.registry.currentTick(),
      lateMs: () => deps.hub.lateMs,
      statuses: () => deps.registry.statuses(),
      eventCounts: () => deps.hub.countsByType,
      clients: () => stream?.size ?? 0,
      bufferedBytes: () => (stream?.stats() ?? []).reduce((sum, client) => sum + client.bufferedAmount, 0),
    });
    stream = new EventStream(deps.hub, config, {
      clock: deps.clock,
      snapshot: hello,
      onDropped: (count) => metrics.dropped.inc(count),
    });
    const routes = new HttpRoutes({
      access,
      assets,
      metrics,
      registry: deps.registry,
      store: deps.store,
      runId: deps.runId,
      tree: deps.tree,
      lateMs: () => deps.hub.lateMs,
      ...(deps.cluster ? { cluster: deps.cluster } : {}),
      ...(deps.clusterSnapshot ? { clusterSnapshot: deps.clusterSnapshot } : {}),
      observer: new ObserverRoutes({
        registry: deps.registry,
        store: deps.store,
        runId: deps.runId,
        clockWallNow: () => deps.clock.wallNow(),
        observer: deps.observer,
        load: deps.load,
        panels: deps.panels,
      }),
    });
    const server = http.createServer({ maxHeaderSize: 16 * 1024 }, (req, res) => routes.handle(req, res));
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    const events = stream;
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== '/events') return rejectUpgrade(socket, 404, `no WebSocket endpoint ${url.pathname}; use /events`);
      const refusal = access.check(req, url, { token: true, origin: true });
      if (refusal) return rejectUpgrade(socket, refusal.status, refusal.message);
      const sinceText = url.searchParams.get('since');
      const since = sinceText === null || sinceText === '' ? undefined : Number(sinceText);
      if (since !== undefined && !(Number.isInteger(since) && since >= 0)) {
        return rejectUpgrade(socket, 400, `since must be an integer seq >= 0, got ${JSON.stringify(sinceText)}`);
      }
      const typesText = url.searchParams.get('types');
      const types = typesText ? typesText.split(',').filter((type) => type.length > 0) : null;
      events.upgrade(req, socket, head, { since, types });
    });
    server.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        reject(
          new ThunderlineError(
            'ERR_SERVER',
            `cannot listen on ${config.host}:${config.port}: ${error.code ?? error.message}${error.code === 'EADDRINUSE' ? ' (the port is taken: pick another with --port, or 0 for a free one)' : ''}`,
            { cause: error },
          ),
        );
      };
      server.once('error', onError);
      server.listen(config.port, config.host, () => {
        server.off('error', onError);
        resolve();
      });
    }).catch((error: unknown) => {
      events.terminate();
      throw error;
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    access.bound(port);
    const hostForUrl = config.host.includes(':') && !config.host.startsWith('[') ? `[${config.host}]` : config.host;
    return new EventServer(server, stream, deps, metrics, `http://${hostForUrl}:${port}/`);
  }

  /** The `/events` URL, `ws://host:port/events`. */
  get eventsUrl(): string {
    return `${this.url.replace(/^http/, 'ws')}events`;
  }

  /** Connected WebSocket clients. */
  get clients(): number {
    return this.stream.size;
  }

  /** Per-client counters (unsent bytes, last seq, pending dropped count). */
  clientStats(): ClientStats[] {
    return this.stream.stats();
  }

  /** Events dropped for slow clients so far. */
  get droppedTotal(): number {
    return this.stream.droppedTotal;
  }

  /** Calls `listener` if the listening socket fails after start. */
  onError(listener: (error: Error) => void): void {
    this.http.on('error', listener);
  }

  /** Closes clients with 1001, stops listening, and resolves once every connection is gone. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.deps.hub.detach(this.stream.sink);
      this.stream.close();
      this.http.close(() => resolve());
      this.http.closeIdleConnections();
      // A client that does not answer our close frame must not hold the shutdown.
      const force = setTimeout(() => {
        this.stream.terminate();
        this.http.closeAllConnections();
      }, 1000);
      force.unref();
    });
    return this.closing;
  }

  /** Drops everything at once (the actor was killed, so there is no graceful stop). */
  closeNow(): void {
    this.deps.hub.detach(this.stream.sink);
    this.stream.terminate();
    this.http.close();
    this.http.closeAllConnections();
  }
}

function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  const reason = http.STATUS_CODES[status] ?? 'Error';
  const body = JSON.stringify({ error: message });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
