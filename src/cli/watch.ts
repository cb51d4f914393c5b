/**
 * `thunderline watch`: prints the live event stream of a running `thunderline start` as
 * readable lines (or JSON lines with `--json`), and reconnects with `?since=` so no event is
 * silently lost; exits 1 with one clear line when it cannot connect.
 *
 * @example
 * thunderline watch
 * thunderline watch --url ws://127.0.0.1:4100/events --token s3cret --json
 */
import { WebSocket } from 'ws';
import type { SequencedEvent, ServerFrame } from '../server/frames.ts';
import { formatEvent } from './format-event.ts';
import { parseFlags } from './parse.ts';
import { type CliIo, EXIT, usageError } from './usage-error.ts';

const DEFAULT_URL = 'ws://127.0.0.1:4100/events';

/** Help text of `watch`. */
export const WATCH_HELP = `Usage: thunderline watch [--url <ws-url>] [--token <t>] [--json]

Prints the live events of a running "thunderline start": ticks, activations, crashes and
restarts. Reconnects by itself and resumes where it left off (missed events are reported).

  --url <ws-url>   the event stream (default ${DEFAULT_URL})
  --token <t>      the server's token (default: env THUNDERLINE_TOKEN)
  --json           print one JSON object per line: the hello frame, each event, gap/dropped notices`;

/** Test and embedding hooks of {@link runWatch}. */
export interface WatchOptions {
  /** Stops watching (exit 0); default: SIGINT or SIGTERM. */
  signal?: AbortSignal;
  /** Environment for `THUNDERLINE_TOKEN`; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** First reconnect delay, ms (doubles up to 5000); default 250. */
  retryDelayMs?: number;
  /** Consecutive failed reconnects before giving up (exit 1); default 10. */
  maxRetries?: number;
}

/** Runs `thunderline watch`; resolves with the exit code. */
export async function runWatch(argv: string[], io: CliIo, options: WatchOptions = {}): Promise<number> {
  const { values } = parseFlags('watch', argv, {
    url: { type: 'string' },
    token: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    io.out(WATCH_HELP);
    return EXIT.ok;
  }
  const url = parseUrl(values.url ?? DEFAULT_URL);
  const token = values.token ?? (options.env ?? process.env).THUNDERLINE_TOKEN;
  if (token !== undefined && token.length === 0) throw usageError('watch: --token must not be empty');
  const watcher = new Watcher(url, token, values.json === true, io, options);
  return watcher.run();
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(`watch: --url must be a ws:// or wss:// URL such as ${DEFAULT_URL}, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw usageError(`watch: --url must be a ws:// or wss:// URL such as ${DEFAULT_URL}, got ${JSON.stringify(text)}`);
  }
  return url;
}

class Watcher {
  private lastSeq: number | undefined;
  private runId: string | undefined;
  private connectedOnce = false;
  private failures = 0;
  private socket: WebSocket | undefined;
  private finish!: (code: number) => void;
  private done = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: URL,
    private readonly token: string | undefined,
    private readonly json: boolean,
    private readonly io: CliIo,
    private readonly options: WatchOptions,
  ) {}

  run(): Promise<number> {
    return new Promise<number>((resolve) => {
      const stop = (): void => this.end(EXIT.ok);
      const cleanups: Array<() => void> = [];
      this.finish = (code) => {
        for (const cleanup of cleanups) cleanup();
        resolve(code);
      };
      if (this.options.signal) {
        if (this.options.signal.aborted) return this.end(EXIT.ok);
        this.options.signal.addEventListener('abort', stop, { once: true });
        cleanups.push(() => this.options.signal?.removeEventListener('abort', stop));
      } else {
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        cleanups.push(() => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        });
      }
      this.connect();
    });
  }

  private end(code: number): void {
    if (this.done) return;
    this.done = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.socket?.terminate();
    this.finish(code);
  }

  private connect(): void {
    const target = new URL(this.url);
    if (this.lastSeq !== undefined) target.searchParams.set('since', String(this.lastSeq));
    const headers: Record<string, string> = this.token ? { authorization: `Bearer ${this.token}` } : {};
    const socket = new WebSocket(target, { headers, handshakeTimeout: 5000 });
    this.socket = socket;
    socket.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 2000) body += chunk;
      });
      res.on('end', () => {
        const detail = errorText(body);
        this.io.err(
          `thunderline: watch: ${this.url.href} refused the connection: HTTP ${res.statusCode ?? '?'}${detail ? ` (${detail})` : ''}`,
        );
        this.end(EXIT.failed);
      });
    });
    socket.on('open', () => {
      this.failures = 0;
      this.connectedOnce = true;
    });
    socket.on('message', (data) => this.receive(String(data)));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (this.done || this.connectedOnce) return; // the close handler decides
      this.io.err(
        `thunderline: watch: cannot connect to ${this.url.href}: ${error.code ?? error.message} (is "thunderline start" running?)`,
      );
      this.end(EXIT.failed);
    });
    socket.on('close', (code, reason) => {
      if (this.done || !this.connectedOnce) return;
      this.retry(code, String(reason));
    });
  }

  private retry(code: number, reason: string): void {
    this.failures += 1;
    const maxRetries = this.options.maxRetries ?? 10;
    if (this.failures > maxRetries) {
      this.io.err(`thunderline: watch: lost the connection to ${this.url.href} and could not reconnect after ${maxRetries} attempts`);
      this.end(EXIT.failed);
      return;
    }
    if (this.failures === 1) {
      const why = code === 1001 ? 'the server is stopping' : `closed with ${code}${reason ? ` ${reason}` : ''}`;
      this.notice({ type: 'disconnected', code, reason }, `-- disconnected (${why}); reconnecting from seq ${this.lastSeq ?? 0}`);
    }
    const delay = Math.min(5000, (this.options.retryDelayMs ?? 250) * 2 ** (this.failures - 1));
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private receive(text: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (Array.isArray(frame)) {
      for (const event of frame as SequencedEvent[]) {
        if (this.lastSeq !== undefined && event.seq <= this.lastSeq) continue;
        this.lastSeq = event.seq;
        this.io.out(this.json ? JSON.stringify(event) : formatEvent(event));
      }
      return;
    }
    const control = frame as ServerFrame;
    switch (control.type) {
      case 'hello': {
        if (this.runId !== undefined && this.runId !== control.runId) this.lastSeq = undefined;
        this.runId = control.runId;
        if (this.lastSeq === undefined) this.lastSeq = control.seq;
        const domains = control.domains.map((domain) => `${domain.name}=${domain.status}`).join(' ');
        this.notice(
          control,
          `-- connected to run ${control.runId} (thunderline ${control.version}), tick ${control.tick}${domains ? `: ${domains}` : ''}`,
        );
        return;
      }
      case 'gap':
        this.notice(
          control,
          `-- gap: ${control.missed === null ? `the server does not know seq ${control.since} (new run?)` : `${control.missed} events were lost`}; resuming at seq ${control.oldestSeq}`,
        );
        return;
      case 'dropped':
        this.notice(
          control,
          `-- dropped: ${control.count} events (seq ${control.fromSeq}..${control.toSeq}) were not sent, this viewer was too slow`,
        );
        return;
      case 'error':
        this.notice(control, `-- server error frame: ${control.code}: ${control.message}`);
        return;
      case 'subscribed':
        return;
      default:
        return;
    }
  }

  private notice(frame: object, line: string): void {
    this.io.out(this.json ? JSON.stringify(frame) : line);
  }
}

function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    return typeof parsed.error === 'string' ? parsed.error : '';
  } catch {
    return body.trim().slice(0, 200);
  }
}
