/**
 * `startRuntime` options: their types, defaults and validation. A bad value is refused before
 * anything starts, with an error naming the option, what is allowed and what was given.
 *
 * @example
 * const options = validateRuntimeOptions({ tickInterval: 'manual', database: ':memory:' });
 * options.activationTimeout; // 30000
 */

import type { Clock } from '../clock.ts';
import { type ClusterOptions, validateClusterOptions } from '../cluster/node.ts';
import type { DomainDefinition } from '../domain/define-domain.ts';
import { describeValue, ThunderlineError } from '../errors.ts';
import { parseRetentionRule, type RetentionRule } from '../store/retention.ts';

/** Where the HTTP/WebSocket server listens. */
export interface ServerOptions {
  /** Default `127.0.0.1`. Any other address requires `token`. */
  host?: string;
  /** Default 4100; 0 picks a free port. */
  port?: number;
  /** Bearer token required by `/events` and `/api/*`. */
  token?: string;
  /** Extra browser origins allowed besides the server's own. */
  allowOrigins?: string[];
}

/** Options of `startRuntime`. */
export interface RuntimeOptions {
  /** The domains to run, started in this order. Default none. */
  domains?: DomainDefinition[];
  /** ms between ticks, or `'manual'` (ticks only through `runtime.tick()`). Default 1000. */
  tickInterval?: number | 'manual';
  /** SQLite file path or `':memory:'`. Default `'./thunderline.db'`. */
  database?: string;
  /** ms a domain waits for its first tick before it crashes. Default 30000. */
  activationTimeout?: number;
  /** ms a domain's `activate` may take before the domain crashes (`ERR_ACTIVATE_TIMEOUT`). Default 15000. */
  activateTimeout?: number;
  /** `false` (default for embedding) or where to serve the dashboard and event stream. */
  server?: false | ServerOptions;
  /** Time source; default the real clock. Tests pass a `ManualClock`. */
  clock?: Clock;
  /** Restart intensity of the domains supervisor; default 3 restarts in 5 s. */
  domainRestarts?: { maxRestarts?: number; maxSeconds?: number };
  /**
   * Stop after this tick: ticks 1..maxTicks are emitted (timed or requested) and none after; once
   * every domain has handled tick `maxTicks`, the runtime stops as `stop('shutdown')` does. Default
   * none.
   */
  maxTicks?: number;
  /**
   * Run as one node of a cluster (`docs/cluster.md`): the ledger is PostgreSQL, ticks and events
   * travel on NATS JetStream, and each domain runs on exactly one node. Default: a single process
   * on SQLite (`database`).
   */
  cluster?: ClusterOptions;
  /**
   * What `domain_activation_history`, the audit log, keeps: `'all'` (the default), `'<n>d'` (the
   * last n days) or `'<n>rows'` (the newest n rows). Pruned in small batches while the runtime
   * runs, each prune recorded in `ledger_prunes` (docs/operations.md, "Retention").
   */
  retainHistory?: string;
}

/** Options with every default filled in. */
export interface NormalizedRuntimeOptions {
  domains: DomainDefinition[];
  tickInterval: number | 'manual';
  database: string;
  activationTimeout: number;
  activateTimeout: number;
  server: false | ServerOptions;
  clock: Clock | undefined;
  domainRestarts: { maxRestarts?: number; maxSeconds?: number };
  maxTicks: number | undefined;
  cluster: ClusterOptions | undefined;
  retainHistory: RetentionRule;
}

/** Defaults of {@link RuntimeOptions}. */
export const RUNTIME_DEFAULTS = {
  tickInterval: 1000,
  database: './thunderline.db',
  activationTimeout: 30_000,
  activateTimeout: 15_000,
} as const;

function invalid(option: string, rule: string, got: unknown): ThunderlineError {
  return new ThunderlineError('ERR_INVALID_OPTION', `${option} must be ${rule}, got ${describeValue(got)}`);
}

/** Validates `startRuntime` options; throws `ERR_INVALID_OPTION` / `ERR_INVALID_DOMAIN`. */
export function validateRuntimeOptions(options: RuntimeOptions = {}): NormalizedRuntimeOptions {
  const {
    domains = [],
    tickInterval = RUNTIME_DEFAULTS.tickInterval,
    database = RUNTIME_DEFAULTS.database,
    activationTimeout = RUNTIME_DEFAULTS.activationTimeout,
    activateTimeout = RUNTIME_DEFAULTS.activateTimeout,
    server = false,
    domainRestarts = {},
  } = options;
  if (tickInterval !== 'manual' && !(Number.isInteger(tickInterval) && tickInterval >= 1)) {
    throw invalid('tickInterval', 'an integer number of ms >= 1 or "manual"', tickInterval);
  }
  if (typeof database !== 'string' || database.length === 0) throw invalid('database', 'a file path or ":memory:"', database);
  if (!(Number.isInteger(activationTimeout) && activationTimeout >= 1)) {
    throw invalid('activationTimeout', 'an integer number of ms >= 1', activationTimeout);
  }
  if (!(Number.isInteger(activateTimeout) && activateTimeout >= 1)) {
    throw invalid('activateTimeout', 'an integer number of ms >= 1', activateTimeout);
  }
  if (!Array.isArray(domains)) throw invalid('domains', 'an array of defineDomain(...) results', domains);
  const seen = new Set<string>();
  domains.forEach((domain, index) => {
    if (typeof domain !== 'object' || domain === null || domain.kind !== 'domain') {
      throw new ThunderlineError(
        'ERR_INVALID_DOMAIN',
        `domains[${index}] must be the result of defineDomain(...), got ${describeValue(domain)}`,
      );
    }
    if (seen.has(domain.name)) {
      throw new ThunderlineError(
        'ERR_INVALID_DOMAIN',
        `domains[${index}]: domain name "${domain.name}" is used twice; names must be unique`,
      );
    }
    seen.add(domain.name);
  });
  if (server !== false && (typeof server !== 'object' || server === null))
    throw invalid('server', 'false or { host, port, token }', server);
  // Checked here, not when the domains supervisor starts, so a bad value creates no file and no run.
  if (typeof domainRestarts !== 'object' || domainRestarts === null)
    throw invalid('domainRestarts', 'an object { maxRestarts, maxSeconds }', domainRestarts);
  const { maxRestarts, maxSeconds } = domainRestarts;
  if (maxRestarts !== undefined && !(Number.isInteger(maxRestarts) && maxRestarts >= 0)) {
    throw invalid('domainRestarts.maxRestarts', 'an integer >= 0', maxRestarts);
  }
  if (maxSeconds !== undefined && !(typeof maxSeconds === 'number' && maxSeconds > 0 && Number.isFinite(maxSeconds))) {
    throw invalid('domainRestarts.maxSeconds', 'a finite number of seconds > 0', maxSeconds);
  }
  const { maxTicks } = options;
  if (maxTicks !== undefined && !(Number.isSafeInteger(maxTicks) && maxTicks >= 1)) throw invalid('maxTicks', 'an integer >= 1', maxTicks);
  const cluster = options.cluster === undefined ? undefined : validateClusterOptions(options.cluster);
  if (cluster && tickInterval === 'manual') {
    throw invalid(
      'tickInterval',
      "an integer number of ms >= 1 in cluster mode (the cluster's tick leader ticks on a schedule)",
      tickInterval,
    );
  }
  if (cluster && maxTicks !== undefined)
    throw invalid('maxTicks', "unset in cluster mode (every node would stop the cluster's ticks)", maxTicks);
  const retainHistory = parseRetentionRule(options.retainHistory ?? 'all', 'retainHistory');
  if (cluster && retainHistory.keep !== 'all') {
    throw invalid(
      'retainHistory',
      '"all" in cluster mode (the ledger is PostgreSQL\'s; retention prunes the SQLite file)',
      options.retainHistory,
    );
  }
  return {
    domains,
    tickInterval,
    database,
    activationTimeout,
    activateTimeout,
    server,
    clock: options.clock,
    domainRestarts,
    maxTicks,
    cluster,
    retainHistory,
  };
}
