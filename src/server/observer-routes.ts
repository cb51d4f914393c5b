/**
 * The observer's HTTP routes (`docs/protocol.md`, "HTTP routes"): the ledger's runs, every live
 * actor, load over time, the domains' panels, and the one route that changes the runtime, an
 * operator's kill or restart of an actor (`POST /api/actors/action`, token required, recorded in
 * `operator_actions`).
 *
 * @example
 * const observer = new ObserverRoutes(deps);
 * if (observer.handles(url.pathname)) return observer.handle(req, url, reply);
 */
import type { IncomingMessage } from 'node:http';
import type { DomainPanel } from '../domain/domain-panel.ts';
import { formatReason } from '../errors.ts';
import type { ActorObserver, OperatorActionName } from '../observer/actor-observer.ts';
import type { LoadSampler } from '../observer/load-sampler.ts';
import type { RegistryView } from '../runtime/registry-view.ts';
import type { RegistryStore } from '../store/registry-store.ts';

/** The domains that show a panel, and how to get one. */
export interface PanelSource {
  /** Names of the domains with an `inspect`, in start order. */
  names(): string[];
  /** The panel; rejects when the domain cannot answer now (not active, say). */
  inspect(name: string): Promise<DomainPanel>;
}

/** What the observer routes read. */
export interface ObserverDeps {
  registry: RegistryView;
  store: RegistryStore;
  runId: string;
  clockWallNow(): number;
  observer: ActorObserver | undefined;
  load: LoadSampler | undefined;
  panels: PanelSource | undefined;
}

/** A JSON answer: status, body, extra headers. */
export type Reply = (status: number, body: unknown, headers?: Record<string, string>) => void;

/** The largest operator request body, bytes. */
const MAX_BODY_BYTES = 4096;
/** How many runs `/api/runs` lists at most. */
const MAX_RUNS = 100;
const ACTIONS: readonly OperatorActionName[] = ['kill', 'restart'];

/** Serves `/api/runs`, `/api/actors`, `/api/actions`, `/api/load`, `/api/panels[/<domain>]` and `POST /api/actors/action`. */
export class ObserverRoutes {
  constructor(private readonly deps: ObserverDeps) {}

  /** True for a path these routes serve. */
  handles(pathname: string): boolean {
    return (
      pathname === '/api/runs' ||
      pathname === '/api/actors' ||
      pathname === '/api/actors/action' ||
      pathname === '/api/actions' ||
      pathname === '/api/load' ||
      pathname === '/api/panels' ||
      pathname.startsWith('/api/panels/')
    );
  }

  /** Answers a GET (access already checked). */
  get(url: URL, reply: Reply): void {
    const { pathname } = url;
    if (pathname === '/api/runs') {
      reply(200, { current: this.deps.runId, runs: this.deps.store.readRuns(MAX_RUNS) });
    } else if (pathname === '/api/actors') {
      if (this.deps.observer) reply(200, { at: this.deps.clockWallNow(), actors: this.deps.observer.actors() });
      else reply(404, { error: 'this server has no actor observer' });
    } else if (pathname === '/api/actions') {
      const run = url.searchParams.get('run') ?? this.deps.runId;
      reply(200, { run, actions: this.deps.store.readOperatorActions({ runId: run, limit: 100 }) });
    } else if (pathname === '/api/load') {
      this.load(url, reply);
    } else if (pathname === '/api/panels') {
      const names = this.deps.panels?.names() ?? [];
      reply(200, { panels: names.map((domain) => ({ domain, status: this.deps.registry.domainStatus(domain)?.status ?? null })) });
    } else if (pathname.startsWith('/api/panels/')) {
      void this.panel(decodeURIComponent(pathname.slice('/api/panels/'.length)), reply);
    } else {
      reply(405, { error: `${pathname} takes POST` }, { allow: 'POST' });
    }
  }

  /** Answers `POST /api/actors/action` (token and origin already checked). */
  async post(req: IncomingMessage, url: URL, reply: Reply): Promise<void> {
    if (url.pathname !== '/api/actors/action') {
      reply(
        405,
        { error: `method POST not allowed on ${url.pathname}; only POST /api/actors/action changes the runtime` },
        { allow: 'GET, HEAD' },
      );
      return;
    }
    const observer = this.deps.observer;
    if (!observer) return reply(404, { error: 'this server has no actor observer' });
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (error) {
      return reply(400, { error: `the body must be JSON {"action":"kill"|"restart","actor":"<actor id>"}: ${formatReason(error)}` });
    }
    const request = body as { action?: unknown; actor?: unknown; reason?: unknown } | null;
    if (typeof request !== 'object' || request === null)
      return reply(400, { error: `the body must be a JSON object, got ${JSON.stringify(body)}` });
    const { action, actor, reason } = request;
    if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action)) {
      return reply(400, { error: `action must be "kill" or "restart", got ${JSON.stringify(action ?? null)}` });
    }
    if (typeof actor !== 'string' || actor.length === 0 || actor.length > 200) {
      return reply(400, {
        error: `actor must be an actor id such as "automaton#21" (GET /api/actors), got ${JSON.stringify(actor ?? null)}`,
      });
    }
    if (reason !== undefined && (typeof reason !== 'string' || reason.length > 500)) {
      return reply(400, { error: `reason must be a string of at most 500 characters, got ${JSON.stringify(reason)}` });
    }
    const name = action as OperatorActionName;
    const path = observer.actors().find((row) => row.id === actor)?.path ?? actor;
    try {
      const outcome = await observer.act({ action: name, actor, ...(reason === undefined ? {} : { reason }) });
      this.record({ action: name, actor, path: outcome.path, reason: outcome.reason, outcome: 'done', detail: null });
      reply(200, { ok: true, ...outcome });
    } catch (error) {
      const detail = formatReason(error);
      const code = (error as { code?: unknown }).code;
      if (code === 'ERR_UNKNOWN_ACTOR') return reply(404, { error: detail });
      this.record({ action: name, actor, path, reason: reason ?? `${name} by operator`, outcome: 'failed', detail });
      reply(code === 'ERR_INVALID_OPTION' ? 409 : 500, { error: detail });
    }
  }

  private record(entry: {
    action: OperatorActionName;
    actor: string;
    path: string;
    reason: string;
    outcome: 'done' | 'failed';
    detail: string | null;
  }): void {
    this.deps.store.recordOperatorAction({ runId: this.deps.runId, occurredAt: this.deps.clockWallNow(), ...entry });
  }

  private load(url: URL, reply: Reply): void {
    const load = this.deps.load;
    if (!load) {
      reply(404, { error: 'this server has no load sampler' });
      return;
    }
    const sinceText = url.searchParams.get('since');
    const since = sinceText === null || sinceText === '' ? undefined : Number(sinceText);
    if (since !== undefined && !Number.isFinite(since)) {
      reply(400, { error: `since must be a wall time in ms since the Unix epoch, got ${JSON.stringify(sinceText)}` });
      return;
    }
    const run = this.deps.store.readRuns(MAX_RUNS).find((candidate) => candidate.runId === this.deps.runId);
    reply(200, { intervalMs: load.interval, startedAt: run?.startedAt ?? null, samples: load.samples(since) });
  }

  private async panel(domain: string, reply: Reply): Promise<void> {
    const names = this.deps.panels?.names() ?? [];
    if (!names.includes(domain)) {
      reply(404, {
        error: `no panel for domain ${JSON.stringify(domain)}; domains with a panel: ${names.length > 0 ? names.join(', ') : '(none)'}`,
      });
      return;
    }
    const status = this.deps.registry.domainStatus(domain)?.status ?? null;
    try {
      const panel = await (this.deps.panels as PanelSource).inspect(domain);
      reply(200, { domain, status, panel });
    } catch (error) {
      // Not an error of the request: the domain cannot answer now (waiting, restarting).
      reply(200, { domain, status, panel: null, unavailable: formatReason(error) });
    }
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`the body is over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
