/**
 * The composition root of the embedding API: `startRuntime` opens the store, builds the actor
 * system, the registry table and the tick bus, and starts the application tree. It lives here,
 * above the kernel, because it puts the kernel (`src/`), the actors (`actors/`) and the trees
 * together; the package entry (`index.ts`) exports it beside the kernel.
 *
 * @example
 * import { startRuntime, defineDomain } from 'thunderline';
 * const runtime = await startRuntime({ domains: [defineDomain({ name: 'billing' })], tickInterval: 'manual', database: ':memory:' });
 * await runtime.tick();
 * await runtime.stop();
 */
import { randomUUID } from 'node:crypto';
import { DomainRegistryTable } from '../actors/domain-registry.ts';
import type { TickGeneratorMsg } from '../actors/tick-generator.ts';
import { TickCounter } from '../actors/tick-generator.ts';
import type { ActorRef } from '../src/actor/actor-ref.ts';
import { type ActorSystem, createActorSystem } from '../src/actor/actor-system.ts';
import { ClusterRegistry } from '../src/cluster/cluster-registry.ts';
import { ClusterStore } from '../src/cluster/cluster-store.ts';
import { ClusterNode } from '../src/cluster/node.ts';
import { ShardHost, shardSupervisorNames } from '../src/cluster/shard-host.ts';
import { shardOf } from '../src/cluster/shards.ts';
import type { DomainDefinition } from '../src/domain/define-domain.ts';
import type { DomainPanel } from '../src/domain/domain-panel.ts';
import { type DomainDeps, TickBus } from '../src/domain/index.ts';
import { ThunderlineError } from '../src/errors.ts';
import type { ThunderlineEvent } from '../src/events.ts';
import { ActorObserver } from '../src/observer/actor-observer.ts';
import { LoadSampler } from '../src/observer/load-sampler.ts';
import { PubSub } from '../src/pubsub/index.ts';
import { type RuntimeOptions, validateRuntimeOptions } from '../src/runtime/options.ts';
import type { RegistryView } from '../src/runtime/registry-view.ts';
import { Runtime, type RuntimeParts } from '../src/runtime/runtime.ts';
import { resolveServerConfig, serverChild } from '../src/server/index.ts';
import { type Checkpointer, startCheckpointer } from '../src/store/checkpointer.ts';
import { startHistoryRetention } from '../src/store/history-retention.ts';
import { MEMORY_PATH, openStore } from '../src/store/open-store.ts';
import type { RegistryStore } from '../src/store/registry-store.ts';
import { SqliteRegistryStore } from '../src/store/sqlite-store.ts';
import { type DynamicSupervisorRef, dynamicSupervisorSpec } from '../src/supervisor/dynamic-supervisor.ts';
import type { SupervisorRef } from '../src/supervisor/supervisor-ref.ts';
import { VERSION } from '../src/version.ts';
import { type ApplicationTreeInput, findChild, startApplicationTree as wireRuntime } from './application.ts';

/**
 * Starts a runtime: opens (and migrates) the database, records the run, and starts the tree in
 * order — tick system (registry, then generator), then the domains (each `waiting` until the
 * first tick) — and resolves once every domain's start is applied and written. Rejects with a
 * `ThunderlineError` for bad options, a refused database file, or a child that fails to start;
 * nothing is left running then.
 *
 * @param options every option is optional (docs/api.md, `startRuntime(options)`):
 *   `domains` (default `[]`), `tickInterval` (ms or `'manual'`, default 1000), `database` (a
 *   path or `':memory:'`, default `'./thunderline.db'`), `activationTimeout` (ms waiting for the
 *   first tick, default 30000), `activateTimeout` (ms `activate` may take, default 15000),
 *   `server` (`false`, the default, or `{ host, port, token, allowOrigins }`), `clock` (default
 *   the real clock), `domainRestarts` (default `{ maxRestarts: 3, maxSeconds: 5 }`).
 * @example
 * const runtime = await startRuntime({ domains: [billing], tickInterval: 'manual', database: ':memory:' });
 */
export function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  return bootRuntime(options);
}

/** What a composition root (the CLI's Thunderline tree) adds around the embedding tree. */
export interface RuntimeExtras {
  /** Builds the infrastructure and web children once the system, registry and deps exist. */
  infrastructure?: (
    context: InfrastructureContext,
  ) => Pick<ApplicationTreeInput, 'earlyInfrastructure' | 'lateInfrastructure' | 'web' | 'beforeClose'>;
  /** Consulted before each domain activates; see `DomainDeps.activationPolicy`. Default: allow all. */
  activationPolicy?: (domain: string, tick: number) => boolean;
  /**
   * The supervisors the infrastructure puts domains under (besides `domains`): when one gives up,
   * the crashed domain it held is recorded `failed`.
   */
  domainSupervisors?: readonly string[];
  /** Domains the infrastructure runs besides `domains`, for their panels (`inspect`). */
  moreDomains?: readonly DomainDefinition[];
}

/** What {@link RuntimeExtras.infrastructure} receives. */
export interface InfrastructureContext {
  system: ActorSystem;
  registry: RegistryView;
  store: RegistryStore;
  runId: string;
  deps: DomainDeps;
  /** The root supervisor, once started (for dashboards). */
  root(): SupervisorRef | undefined;
}

/** @internal `startRuntime` with extra infrastructure; used by the CLI. */
export async function bootRuntime(options: RuntimeOptions, extras: RuntimeExtras = {}): Promise<Runtime> {
  const config = validateRuntimeOptions(options);
  // Checked before anything opens: a non-loopback host without a token is refused (ERR_SERVER).
  const serverConfig = config.server ? resolveServerConfig(config.server) : undefined;
  const system = createActorSystem(config.clock ? { clock: config.clock } : {});
  let node: ClusterNode | undefined;
  let store: RegistryStore;
  let clusterStore: ClusterStore | undefined;
  if (config.cluster) {
    try {
      node = await ClusterNode.open(config.cluster, { intervalMs: config.tickInterval as number, clock: system.clock });
    } catch (error) {
      system.stop();
      throw error;
    }
    const cluster = node;
    // A change is written under the epoch this node holds its domain's shard at when it is queued.
    store = clusterStore = new ClusterStore({
      ledger: cluster.ledger,
      placement: { shardOf: (domain) => shardOf(domain), epochOf: (shard) => cluster.coordinator?.owns(shard) },
      onError: (error) => cluster.storageFailed(error),
    });
  } else store = openStore(config.database);
  // Before the tree opens its writers: their log checkpoints run on a worker thread, not in a commit.
  const checkpointer: Checkpointer | undefined =
    store instanceof SqliteRegistryStore && store.path !== MEMORY_PATH
      ? startCheckpointer({
          path: store.path,
          db: store.connection,
          clock: system.clock,
          onError: (error) => system.reportFailure('checkpoint', 'runtime', error),
        })
      : undefined;
  const runId = randomUUID();
  const startedAtMs = system.clock.now();
  let runtime: Runtime | undefined;
  let web: ReturnType<typeof serverChild> | undefined;
  try {
    store.beginRun({
      runId,
      startedAt: system.clock.wallNow(),
      tickIntervalMs: config.tickInterval === 'manual' ? null : config.tickInterval,
      version: VERSION,
    });
    const domainSupervisors = ['domains', ...(node ? shardSupervisorNames() : []), ...(extras.domainSupervisors ?? [])];
    const table = new DomainRegistryTable({ store, runId, clock: system.clock, domainSupervisors });
    const tickBus = new TickBus();
    const deps: DomainDeps = {
      tickBus,
      activationTimeoutMs: config.activationTimeout,
      activateTimeoutMs: config.activateTimeout,
      currentTick: () => table.currentTick(),
      ...(extras.activationPolicy ? { activationPolicy: extras.activationPolicy } : {}),
    };
    let root: SupervisorRef | undefined;
    // Cluster mode: the domains run in shards, started and stopped as this node's leases come and go.
    const host = node
      ? new ShardHost({
          definitions: config.domains,
          deps,
          nodeId: node.nodeId,
          supervisor: () => (root ? (findChild(root, ['domains']) as DynamicSupervisorRef | undefined) : undefined),
          restarts: config.domainRestarts,
        })
      : undefined;
    // Cluster mode: lookups answer for every domain of the cluster (`src/cluster/cluster-registry.ts`).
    const clusterRegistry = host ? new ClusterRegistry({ local: table, runsHere: (name) => host.runsHere(name) }) : undefined;
    const registry: RegistryView = clusterRegistry ?? table;
    // ...and the dashboard's stream serves every node's events, in the cluster stream's one order.
    const feed = node ? new PubSub<ThunderlineEvent>(() => system.clock.wallNow()) : undefined;
    const infrastructure = extras.infrastructure?.({ system, registry, store, runId, deps, root: () => root }) ?? {};
    const panels = new Map<string, () => DomainPanel | Promise<DomainPanel>>();
    for (const definition of [...config.domains, ...(extras.moreDomains ?? [])]) {
      if (definition.inspect) panels.set(definition.name, definition.inspect);
    }
    let stopRetention = (): void => {};
    let closing = false;
    web = serverConfig
      ? serverChild({
          config: serverConfig,
          system,
          registry,
          ...(feed ? { events: feed } : {}),
          ...(node ? { cluster: () => (node as ClusterNode).health(), clusterSnapshot: () => (node as ClusterNode).snapshot() } : {}),
          store,
          runId,
          version: VERSION,
          tickInterval: config.tickInterval,
          tree: () => root?.tree() ?? null,
          observer: new ActorObserver(
            system,
            () => root,
            (name) => table.domainStatus(name) !== undefined,
          ),
          load: new LoadSampler({ system, tickBus }),
          panels: {
            names: () => [...panels.keys()],
            inspect: async (name) => (panels.get(name) as () => DomainPanel | Promise<DomainPanel>)(),
          },
        })
      : undefined;
    const parts = await wireRuntime({
      ...infrastructure,
      beforeClose: async () => {
        closing = true;
        stopRetention();
        web?.close();
        try {
          await infrastructure.beforeClose?.();
        } finally {
          await checkpointer?.stop();
        }
      },
      web: [...(infrastructure.web ?? []), ...(web ? [web.spec] : [])],
      system,
      store,
      table,
      runId,
      version: VERSION,
      tickInterval: config.tickInterval,
      ...(host ? { domainsSpec: dynamicSupervisorSpec('domains', {}) } : {}),
      generator: {
        // Cluster mode: no local schedule; the tick leader's ticks are delivered to it.
        interval: node ? 'manual' : config.tickInterval,
        tickBus,
        ticks: new TickCounter(),
        activeCount: () => table.activeCount(),
        startedAtMs,
        maxTicks: config.maxTicks,
      },
      domains: config.domains,
      deps,
      domainRestarts: config.domainRestarts,
    });
    root = parts.root;
    const server = web;
    if (server) {
      parts.serverUrl = server.url;
      parts.operatorToken = () => server.operatorToken;
    }
    parts.panels = panels;
    if (node && host && clusterRegistry && feed && clusterStore) {
      parts.registry = Object.assign(clusterRegistry, { flush: () => table.flush(), close: () => table.close?.() });
      wireCluster(node, host, parts, {
        system,
        store: clusterStore,
        runId,
        registry: clusterRegistry,
        feed,
        httpUrl: () => web?.url() ?? null,
      });
    }
    runtime = new Runtime(parts);
    await node?.start();
    // Resolve with every domain's start applied and on disk: lookups right after startRuntime
    // are exact, and the first tick does not pay for writing the `waiting` rows.
    await parts.flushRegistry();
    // Off the hot path: small batches between ticks, from the first pass on (docs/operations.md, "Retention").
    if (!closing)
      stopRetention = startHistoryRetention({
        store,
        rule: config.retainHistory,
        clock: system.clock,
        runId,
        onError: (error) => system.reportFailure('retention', 'runtime', error),
      });
    return runtime;
  } catch (error) {
    web?.close();
    // The tree is up (the first write failed): stop it as a run does, which closes the store.
    if (runtime) {
      await runtime.stop(`start failed: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
    // The first failure is the one to report: closing the run may fail for the same cause
    // (a read-only or full disk), and must not hide it.
    try {
      store.endRun(runId, system.clock.wallNow(), `start failed: ${error instanceof Error ? error.message : String(error)}`);
    } catch {
      // The run stays open; the next runtime on the file closes it as unclean.
    }
    await checkpointer?.stop();
    try {
      await store.close();
    } catch {
      // Closing releases the lock whatever SQLite says; the first failure is reported below.
    }
    await node?.close();
    system.stop();
    throw error;
  }
}

/** Cluster mode: the node drives the shards and the ticks; the runtime's stop hands off first. */
function wireCluster(
  node: ClusterNode,
  host: ShardHost,
  parts: RuntimeParts,
  context: {
    system: ActorSystem;
    store: ClusterStore;
    runId: string;
    registry: ClusterRegistry;
    feed: PubSub<ThunderlineEvent>;
    httpUrl: () => string | null;
  },
): void {
  const root = parts.root;
  node.attach({
    ...context,
    host,
    deliverTick: (tick, lateMs) =>
      (findChild(root, ['tick_system', 'tick_generator']) as ActorRef<TickGeneratorMsg> | undefined)?.cast({
        type: 'deliver',
        tick,
        lateMs,
      }),
    flushRegistry: () => parts.flushRegistry(),
  });
  parts.findDomain = (name) => host.find(name);
  parts.killRemote = (domain, reason) => node.killAnywhere(domain, reason);
  parts.cluster = () => node.health();
  parts.beforeStop = () => node.leave();
  parts.afterClose = () => node.close();
  parts.requestTick = () =>
    Promise.reject(
      new ThunderlineError(
        'ERR_INVALID_OPTION',
        "runtime.tick(): in cluster mode ticks come only from the cluster's tick leader, on its schedule",
      ),
    );
}
