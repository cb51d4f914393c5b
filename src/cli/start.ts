/**
 * `thunderline start`: runs the Thunderline application tree on an embedded SQLite file, prints
 * the viewer URL once listening, logs lifecycle events from the first (and each round once it is
 * on disk), and shuts down gracefully (reverse start order, exit 0) on SIGINT/SIGTERM or once
 * tick `--max-ticks` is handled.
 *
 * @example
 * thunderline start --tick-interval 500 --db ./thunderline.db --port 4100
 * thunderline start --no-server --max-ticks 20 --json-logs
 */
import diagnostics from 'node:diagnostics_channel';
import { isIP } from 'node:net';
import { startThunderline, THUNDERLINE_DOMAINS, THUNDERLINE_RETAINED_TABLES, validateDisable } from '../../supervisors/thunderline.ts';
import type { ActorSystem } from '../actor/actor-system.ts';
import { redactUrl } from '../cluster/ledger.ts';
import { type ClusterOptions, validateClusterOptions } from '../cluster/node.ts';
import type { ThunderlineEvent } from '../events.ts';
import type { ServerOptions } from '../runtime/options.ts';
import type { Runtime, RuntimeExit } from '../runtime/runtime.ts';
import { VERSION } from '../version.ts';
import { formatEvent } from './format-event.ts';
import { parseFlags } from './parse.ts';
import { parseRetainHistory, type RetainHistoryFlags, retainHistoryHelp } from './retain-flag.ts';
import { type CliIo, EXIT, parseIntegerFlag, usageError } from './usage-error.ts';

/** Help text of `start`. */
export const START_HELP = `Usage: thunderline start [flags]

Runs the Thunderline application tree: every domain waits for the first tick, then activates.

  --tick-interval <ms>        ms between ticks (default 1000)
  --db <path>                 SQLite file (default ./thunderline.db; ":memory:" allowed)
  --host <addr>               dashboard/stream address (default 127.0.0.1; others need --token)
  --port <n>                  port (default 4100; 0 picks a free port)
  --no-server                 run without the HTTP/WebSocket server
  --token <t>                 require this bearer token (or env THUNDERLINE_TOKEN)
  --allow-origin <origin>     also accept this browser origin (repeatable)
  --activation-timeout <ms>   ms a domain waits for its first tick (default 30000)
  --activate-timeout <ms>     ms a domain's activate may take before it crashes (default 15000)
  --disable <a,b,...>         domains to leave out (known: ${THUNDERLINE_DOMAINS.join(', ')})
  --max-ticks <n>             stop cleanly once tick n is handled; no tick after it
  --json-logs                 log every event as one JSON line, from the first
${retainHistoryHelp(THUNDERLINE_RETAINED_TABLES)}

Cluster mode (docs/cluster.md): run as one node of a cluster; both URLs together.
  --postgres <url>            the cluster ledger, e.g. postgres://127.0.0.1:5432/thunderline
  --nats <url>                NATS with JetStream, e.g. nats://127.0.0.1:4222
  --node-id <id>              this node's id (default <host>-<pid>-<random>)
  --lease-ttl <ms>            shard lease time to live (default 6000): a killed node's domains
                              move after about this long; renewals every third of it
  With --postgres, --db is only this node's local file for domain data (default ":memory:").`;

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Parsed `start` flags. */
export interface StartConfig {
  tickInterval: number;
  database: string;
  server: false | ServerOptions;
  activationTimeout: number;
  activateTimeout: number;
  disable: string[];
  maxTicks: number | undefined;
  jsonLogs: boolean;
  /** Cluster mode: both URLs, and the node id and lease TTL if given. */
  cluster?: ClusterOptions;
  retainHistory: RetainHistoryFlags;
}

/** Parses and validates `start` flags; throws usage errors naming the flag and value. */
export function parseStartFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): StartConfig | 'help' {
  const { values } = parseFlags('start', argv, {
    'tick-interval': { type: 'string' },
    db: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    'no-server': { type: 'boolean' },
    token: { type: 'string' },
    'allow-origin': { type: 'string', multiple: true },
    'activation-timeout': { type: 'string' },
    'activate-timeout': { type: 'string' },
    disable: { type: 'string' },
    'max-ticks': { type: 'string' },
    'json-logs': { type: 'boolean' },
    postgres: { type: 'string' },
    nats: { type: 'string' },
    'node-id': { type: 'string' },
    'lease-ttl': { type: 'string' },
    'retain-history': { type: 'string', multiple: true },
  });
  if (values.help) return 'help';
  const tickInterval = parseIntegerFlag('--tick-interval', values['tick-interval'], 1) ?? 1000;
  const activationTimeout = parseIntegerFlag('--activation-timeout', values['activation-timeout'], 1) ?? 30_000;
  const activateTimeout = parseIntegerFlag('--activate-timeout', values['activate-timeout'], 1) ?? 15_000;
  const maxTicks = parseIntegerFlag('--max-ticks', values['max-ticks'], 1);
  const port = parseIntegerFlag('--port', values.port, 0, 65_535) ?? 4100;
  const host = values.host ?? '127.0.0.1';
  if (host !== 'localhost' && isIP(host) === 0)
    throw usageError(`--host must be an IP address or "localhost", got ${JSON.stringify(host)}`);
  const token = values.token ?? env.THUNDERLINE_TOKEN;
  if (token !== undefined && token.length < 8) throw usageError('--token must be at least 8 characters');
  if (!values['no-server'] && !LOOPBACK.has(host) && token === undefined) {
    throw usageError(`--host ${host} is not a loopback address: binding it requires --token (or THUNDERLINE_TOKEN)`);
  }
  const disable = (values.disable ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  validateDisable(disable);
  const server: false | ServerOptions = values['no-server']
    ? false
    : {
        host,
        port,
        ...(token === undefined ? {} : { token }),
        ...(values['allow-origin'] ? { allowOrigins: values['allow-origin'] } : {}),
      };
  const leaseTtl = parseIntegerFlag('--lease-ttl', values['lease-ttl'], 300);
  const cluster = parseClusterFlags(values.postgres, values.nats, values['node-id'], maxTicks, leaseTtl);
  if (cluster && values['retain-history'] !== undefined) {
    throw usageError("--retain-history is not available in cluster mode (retention prunes a SQLite ledger; the cluster's is PostgreSQL's)");
  }
  return {
    ...(cluster ? { cluster } : {}),
    tickInterval,
    database: values.db ?? (cluster ? ':memory:' : './thunderline.db'),
    server,
    activationTimeout,
    activateTimeout,
    disable,
    maxTicks,
    jsonLogs: values['json-logs'] ?? false,
    retainHistory: parseRetainHistory(values['retain-history'], THUNDERLINE_RETAINED_TABLES),
  };
}

/** `--postgres`, `--nats`, `--node-id`: both URLs or neither; each checked before anything starts. */
function parseClusterFlags(
  postgres: string | undefined,
  nats: string | undefined,
  nodeId: string | undefined,
  maxTicks: number | undefined,
  leaseTtl: number | undefined,
): StartConfig['cluster'] {
  if (postgres === undefined && nats === undefined) {
    if (nodeId !== undefined) throw usageError('--node-id needs --postgres and --nats (cluster mode)');
    if (leaseTtl !== undefined) throw usageError('--lease-ttl needs --postgres and --nats (cluster mode)');
    return undefined;
  }
  if (postgres === undefined || nats === undefined) {
    throw usageError(
      `${postgres === undefined ? '--nats' : '--postgres'} needs ${postgres === undefined ? '--postgres' : '--nats'}: cluster mode takes both URLs`,
    );
  }
  if (maxTicks !== undefined) throw usageError("--max-ticks is not available in cluster mode (it would stop the whole cluster's ticks)");
  try {
    return validateClusterOptions({
      postgres,
      nats,
      ...(nodeId === undefined ? {} : { nodeId }),
      ...(leaseTtl === undefined ? {} : { leaseTtlMs: leaseTtl }),
    });
  } catch (error) {
    // `cluster.postgres must be …` reads as the flag it came from.
    throw usageError(
      (error as Error).message.replace(/^cluster\.(\w+)/, (_match, key: string) => `--${key === 'nodeId' ? 'node-id' : key}`),
    );
  }
}

/** What `start` logs (without `--json-logs`): lifecycle events, failures, the first and late ticks. */
function worthLogging(event: ThunderlineEvent): boolean {
  switch (event.type) {
    case 'tick':
      return event.tick === 1 || event.lateMs > 50;
    case 'domain_waiting':
    case 'domain_activated':
    case 'domain_deactivated':
    case 'domain_crashed':
    case 'domain_restarting':
    case 'domain_failed':
      return true;
    case 'child_exited':
    case 'child_restarted':
    case 'supervisor_escalated':
      return event.reason !== 'shutdown';
    case 'operation_failed':
    case 'subscriber_failed':
      return true;
    case 'shard_acquired':
    case 'shard_released':
    case 'member_joined':
    case 'member_left':
    case 'member_dead':
    case 'leader_changed':
    case 'shard_fenced':
    case 'tick_gap':
    case 'lease_storage_failed':
      return true;
    default:
      return false;
  }
}

/** What the registry reports on `thunderline:registry_flush` after each write. */
interface FlushReport {
  rows: number;
  durationMs: number;
  /** The newest tick whose completed round the write holds; 0 for other writes. */
  round: number;
}

/** Runs `thunderline start` until it stops; resolves with the exit code. */
export async function runStart(argv: string[], io: CliIo, signals: NodeJS.Process = process): Promise<number> {
  const config = parseStartFlags(argv);
  if (config === 'help') {
    io.out(START_HELP);
    return EXIT.ok;
  }
  const log = (event: ThunderlineEvent): void => {
    if (config.jsonLogs) io.out(JSON.stringify(event));
    else if (worthLogging(event)) io.out(formatEvent(event));
  };
  let system: ActorSystem | undefined;
  // A round's changes are on disk when this line is printed: a kill after it loses none of them.
  const onFlush = (message: unknown): void => {
    const { rows, durationMs, round } = message as FlushReport;
    if (config.jsonLogs || round === 0 || !system) return;
    io.out(
      `${system.isoNow()}  tick ${round} round complete: ${rows} status change${rows === 1 ? '' : 's'} on disk (${durationMs.toFixed(2)} ms)`,
    );
  };
  diagnostics.subscribe('thunderline:registry_flush', onFlush);
  try {
    return await run(config, io, signals, (run) => {
      // Before the tree starts, so the log holds every event from the first.
      system = run.system;
      const where = config.cluster ? `cluster ledger ${redactUrl(config.cluster.postgres)} via ${config.cluster.nats}` : config.database;
      io.out(`thunderline ${VERSION}: run ${run.runId} on ${where}, tick every ${config.tickInterval} ms`);
      run.system.pubsub.subscribe('*', log);
    });
  } finally {
    diagnostics.unsubscribe('thunderline:registry_flush', onFlush);
  }
}

async function run(
  config: StartConfig,
  io: CliIo,
  signals: NodeJS.Process,
  beforeStart: (run: { runId: string; system: ActorSystem }) => void,
): Promise<number> {
  const runtime: Runtime = await startThunderline(
    {
      tickInterval: config.tickInterval,
      database: config.database,
      activationTimeout: config.activationTimeout,
      activateTimeout: config.activateTimeout,
      server: config.server,
      ...(config.maxTicks === undefined ? {} : { maxTicks: config.maxTicks }),
      ...(config.cluster ? { cluster: config.cluster } : {}),
      ...(config.retainHistory.history === undefined ? {} : { retainHistory: config.retainHistory.history }),
    },
    {
      disable: config.disable,
      beforeStart,
      ...(config.retainHistory.tables.cerebros_trials === undefined
        ? {}
        : { cerebros: { retainTrials: config.retainHistory.tables.cerebros_trials } }),
    },
  );
  if (runtime.serverUrl) io.out(`viewer: ${runtime.serverUrl}`);
  const cluster = runtime.cluster();
  if (cluster) io.out(`node ${cluster.node}: member of ${cluster.members.length} node(s), holding ${cluster.shards.length} of 256 shards`);
  // The dashboard's kill and restart buttons need the token; only whoever started the runtime sees it.
  if (runtime.operatorUrl) io.out(`operator: ${runtime.operatorUrl}`);
  const onSignal = (signal: string) => {
    io.err(`thunderline: ${signal} received, shutting down`);
    // stop() never rejects: a failure while stopping is the exit below (reported, exit 1).
    void runtime.stop('shutdown');
  };
  signals.once('SIGINT', onSignal);
  signals.once('SIGTERM', onSignal);
  const exit: RuntimeExit = await runtime.stopped;
  signals.removeListener('SIGINT', onSignal);
  signals.removeListener('SIGTERM', onSignal);
  if (!exit.clean) {
    io.err(`thunderline: runtime failed: ${exit.reason}`);
    return EXIT.failed;
  }
  io.out(`thunderline: stopped (${exit.reason})`);
  return EXIT.ok;
}
