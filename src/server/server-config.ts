/**
 * The server's options: defaults, validation, and the security rule that a non-loopback
 * address needs a token. Checked before the runtime starts anything.
 *
 * @example
 * const config = resolveServerConfig({ port: 0 });
 * config.host; // '127.0.0.1'
 * resolveServerConfig({ host: '0.0.0.0' }); // throws ERR_SERVER: needs a token
 */
import net from 'node:net';
import { describeValue, ThunderlineError } from '../errors.ts';
import type { ServerOptions } from '../runtime/options.ts';

/** {@link ServerOptions} plus the stream's tuning knobs (each has a default). */
export interface EventServerOptions extends ServerOptions {
  /** Largest frame a client may send, bytes; default 65536 (bigger closes with 1009). */
  maxPayload?: number;
  /** Events kept for `?since=` resumes; default 10000. */
  replayBufferSize?: number;
  /** Events of this many ms go out as one frame; default 5. */
  coalesceMs?: number;
  /** Most events in one frame; default 1000. */
  maxBatchEvents?: number;
  /** A client whose unsent bytes exceed this gets no more frames until it drains; default 1 MiB. */
  highWaterBytes?: number;
  /** A client over `highWaterBytes` this long (runtime clock) is closed with 1013; default 30000. */
  stallTimeoutMs?: number;
  /** Ping every this many ms (runtime clock); a client silent for one round is dropped; default 30000. */
  heartbeatMs?: number;
  /** Bad client frames tolerated; the next closes with 1008; default 3 (the 3rd closes). */
  maxBadFrames?: number;
}

/** Every server option with its default filled in. */
export interface ServerConfig {
  host: string;
  port: number;
  token: string | undefined;
  allowOrigins: string[];
  maxPayload: number;
  replayBufferSize: number;
  coalesceMs: number;
  maxBatchEvents: number;
  highWaterBytes: number;
  stallTimeoutMs: number;
  heartbeatMs: number;
  maxBadFrames: number;
}

/** The server's defaults. */
export const SERVER_DEFAULTS = {
  host: '127.0.0.1',
  port: 4100,
  maxPayload: 64 * 1024,
  replayBufferSize: 10_000,
  coalesceMs: 5,
  maxBatchEvents: 1000,
  highWaterBytes: 1024 * 1024,
  stallTimeoutMs: 30_000,
  heartbeatMs: 30_000,
  maxBadFrames: 3,
} as const;

/** True for `127.x.x.x`, `::1` and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare === 'localhost' || bare === '::1') return true;
  return net.isIPv4(bare) && bare.startsWith('127.');
}

function invalid(option: string, rule: string, got: unknown): ThunderlineError {
  return new ThunderlineError('ERR_INVALID_OPTION', `server.${option} must be ${rule}, got ${describeValue(got)}`);
}

function positiveInt(options: EventServerOptions, key: keyof typeof SERVER_DEFAULTS & keyof EventServerOptions, min = 1): number {
  const value = options[key] ?? SERVER_DEFAULTS[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw invalid(key, `an integer >= ${min}`, value);
  return value;
}

/**
 * Validates server options. Throws `ERR_INVALID_OPTION` for a malformed value and `ERR_SERVER`
 * for a non-loopback host without a token (the CLI exits 2 on either).
 */
export function resolveServerConfig(options: EventServerOptions): ServerConfig {
  const host = options.host ?? SERVER_DEFAULTS.host;
  if (typeof host !== 'string' || host.length === 0) throw invalid('host', 'an IP address or host name', host);
  const port = options.port ?? SERVER_DEFAULTS.port;
  if (!(Number.isInteger(port) && port >= 0 && port <= 65_535))
    throw invalid('port', 'an integer from 0 to 65535 (0 picks a free port)', port);
  const token = options.token;
  if (token !== undefined && (typeof token !== 'string' || token.length === 0)) throw invalid('token', 'a non-empty string', token);
  const allowOrigins = options.allowOrigins ?? [];
  if (!Array.isArray(allowOrigins)) throw invalid('allowOrigins', 'an array of origins such as "http://localhost:3000"', allowOrigins);
  allowOrigins.forEach((origin, index) => {
    let parsed: string | undefined;
    try {
      parsed = new URL(origin).origin;
    } catch {
      parsed = undefined;
    }
    if (parsed !== origin) throw invalid(`allowOrigins[${index}]`, 'an origin: scheme://host[:port], no path or trailing slash', origin);
  });
  if (!isLoopbackHost(host) && token === undefined) {
    throw new ThunderlineError(
      'ERR_SERVER',
      `server.host "${host}" is not a loopback address: serving the event stream there without a token would let anyone on the network read it; set a token (--token or THUNDERLINE_TOKEN) or use --host 127.0.0.1`,
    );
  }
  return {
    host,
    port,
    token,
    allowOrigins,
    maxPayload: positiveInt(options, 'maxPayload', 64),
    replayBufferSize: positiveInt(options, 'replayBufferSize'),
    coalesceMs: positiveInt(options, 'coalesceMs', 0),
    maxBatchEvents: positiveInt(options, 'maxBatchEvents'),
    highWaterBytes: positiveInt(options, 'highWaterBytes'),
    stallTimeoutMs: positiveInt(options, 'stallTimeoutMs'),
    heartbeatMs: positiveInt(options, 'heartbeatMs'),
    maxBadFrames: positiveInt(options, 'maxBadFrames'),
  };
}
