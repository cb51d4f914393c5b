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
import { TickCounter } from '../actors/tick-generator.ts';
import { type ActorSystem, createActorSystem } from '../src/actor/actor-system.ts';
import { type DomainDeps, TickBus } from '../src/domain/index.ts';
import { type RuntimeOptions, validateRuntimeOptions } from '../src/runtime/options.ts';
import type { RegistryView } from '../src/runtime/registry-view.ts';
import { Runtime } from '../src/runtime/runtime.ts';
import { resolveServerConfig, serverChild } from '../src/server/index.ts';
import { startHistoryRetention } from '../src/store/history-retention.ts';
import { openStore } from '../src/store/open-store.ts';
import type { RegistryStore } from '../src/store/registry-store.ts';
import type { SupervisorRef } from '../src/supervisor/supervisor-ref.ts';
import { VERSION } from '../src/version.ts';
import { type ApplicationTreeInput, startApplicationTree as wireRuntime } from './application.ts';

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
  const store = openStore(config.database);
  const system = createActorSystem(config.clock ? { clock: config.clock } : {});
  const runId = randomUUID();
  const startedAtMs = system.clock.now();
  let runtime: Runtime | undefined;
  try {
    store.beginRun({
      runId,
      startedAt: system.clock.wallNow(),
      tickIntervalMs: config.tickInterval === 'manual' ? null : config.tickInterval,
      version: VERSION,
    });
    const domainSupervisors = ['domains', ...(extras.domainSupervisors ?? [])];
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
    const infrastructure = extras.infrastructure?.({ system, registry: table, store, runId, deps, root: () => root }) ?? {};
    let stopRetention = (): void => {};
    let closing = false;
    const web = serverConfig
      ? serverChild({
          config: serverConfig,
          system,
          registry: table,
          store,
          runId,
          version: VERSION,
          tickInterval: config.tickInterval,
          tree: () => root?.tree() ?? null,
        })
      : undefined;
    const parts = await wireRuntime({
      ...infrastructure,
      beforeClose: async () => {
        closing = true;
        stopRetention();
        await infrastructure.beforeClose?.();
      },
      web: [...(infrastructure.web ?? []), ...(web ? [web.spec] : [])],
      system,
      store,
      table,
      runId,
      version: VERSION,
      tickInterval: config.tickInterval,
      generator: {
        interval: config.tickInterval,
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
    if (web) parts.serverUrl = web.url;
    runtime = new Runtime(parts);
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
    try {
      store.close();
    } catch {
      // Closing releases the lock whatever SQLite says; the first failure is reported below.
    }
    system.stop();
    throw error;
  }
}
