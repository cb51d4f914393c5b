/**
 * Helpers of the server tests: a fresh runtime with a server on port 0, a recording `ws`
 * client that awaits frames instead of sleeping, and `within` to bound every await.
 *
 * @example
 * const probe = await WsProbe.open(eventsUrl(runtime));
 * const hello = await probe.next((frame) => frame.type === 'hello', 'hello');
 */
import { type ClientOptions, WebSocket } from 'ws';
import { type Runtime, startRuntime } from '../../../index.ts';
import { ManualClock } from '../../../src/clock.ts';
import { type DomainDefinition, defineDomain } from '../../../src/domain/index.ts';
import type { EventServerOptions } from '../../../src/server/index.ts';
import { within } from '../../support/within.ts';

export { within };

/** Two plain domains. */
export function testDomains(): DomainDefinition[] {
  return [defineDomain({ name: 'alpha', async activate() {} }), defineDomain({ name: 'beta', async activate() {} })];
}

/** A runtime on `:memory:` with manual ticks, a ManualClock and a server on port 0. */
export async function startServerRuntime(
  server: EventServerOptions = {},
  domains = testDomains(),
): Promise<{ runtime: Runtime; clock: ManualClock }> {
  const clock = new ManualClock(0, Date.now());
  const options: EventServerOptions = { port: 0, ...server };
  const runtime = await startRuntime({
    tickInterval: 'manual',
    database: ':memory:',
    server: options,
    domains,
    clock,
  });
  return { runtime, clock };
}

/** `ws://host:port/events` of a runtime's server, with an optional query. */
export function eventsUrl(runtime: Runtime, query = ''): string {
  const base = runtime.serverUrl;
  if (!base) throw new Error('the runtime has no server');
  return `${base.replace(/^http/, 'ws')}events${query ? `?${query}` : ''}`;
}

/** A parsed frame: a control object or an array of events. */
export type Frame = { type: string; [key: string]: unknown } | Array<{ seq: number; type: string; [key: string]: unknown }>;

/** A `ws` client that records every frame and lets a test await the next matching one. */
export class WsProbe {
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private cursor = 0;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as Frame);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  /** Connects; rejects with the HTTP status when the upgrade is refused. */
  static open(url: string, options: ClientOptions = {}): Promise<WsProbe> {
    const ws = new WebSocket(url, options);
    const probe = new WsProbe(ws);
    return within(
      new Promise<WsProbe>((resolve, reject) => {
        ws.once('open', () => resolve(probe));
        ws.once('unexpected-response', (_req, res) => {
          res.resume();
          reject(
            Object.assign(new Error(`HTTP ${res.statusCode}`), {
              status: res.statusCode,
            }),
          );
        });
        ws.once('error', reject);
      }),
      `connecting to ${url}`,
    );
  }

  /** Every event received so far, in arrival order. */
  events(): Array<{ seq: number; type: string; [key: string]: unknown }> {
    return this.frames.flatMap((frame) => (Array.isArray(frame) ? frame : []));
  }

  /** Resolves with the next frame (after those already consumed) that matches. */
  next<T = Frame>(match: (frame: Frame) => boolean, what: string, ms = 3000): Promise<T> {
    const look = (): Frame | undefined => {
      while (this.cursor < this.frames.length) {
        const frame = this.frames[this.cursor++] as Frame;
        if (match(frame)) return frame;
      }
      return undefined;
    };
    return within(
      new Promise<T>((resolve) => {
        const check = (): void => {
          const found = look();
          if (found) resolve(found as T);
          else this.waiters.push(check);
        };
        check();
      }),
      what,
      ms,
    );
  }

  /** Resolves once an event matching `match` has arrived (anywhere in the stream so far). */
  async waitForEvent(
    match: (event: { seq: number; type: string; [key: string]: unknown }) => boolean,
    what: string,
    ms = 3000,
  ): Promise<void> {
    if (this.events().some(match)) return;
    await this.next((frame) => Array.isArray(frame) && frame.some(match), what, ms);
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Frames that are control objects of `type`. */
export function isControl(type: string): (frame: Frame) => boolean {
  return (frame) => !Array.isArray(frame) && frame.type === type;
}

/** An HTTP GET against the runtime's server. */
export function get(runtime: Runtime, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return within(fetch(new URL(path, runtime.serverUrl), { headers }), `GET ${path}`);
}
