/**
 * Thunderline: an OTP-style actor runtime for Node.js. This is the public entry and a
 * composition root: `startRuntime` puts the kernel, the actors and the supervision trees together.
 *
 * @example
 * import { startRuntime, defineDomain } from 'thunderline';
 * const billing = defineDomain({ name: 'billing', async activate(tick) {} });
 * const runtime = await startRuntime({ domains: [billing], tickInterval: 'manual', database: ':memory:' });
 * await runtime.tick();
 * await runtime.stop();
 * @module
 */
import { randomUUID } from 'node:crypto';
import { DomainRegistryTable } from '../actors/domain-registry.ts';
import { TickCounter } from '../actors/tick-generator.ts';
import { type ApplicationTreeInput, startApplicationTree as wireRuntime } from '../supervisors/application.ts';
import { type ActorSystem, createActorSystem } from './actor/actor-system.ts';
import { type DomainDeps, TickBus } from './domain/index.ts';
import { type RuntimeOptions, validateRuntimeOptions } from './runtime/options.ts';
import type { RegistryView } from './runtime/registry-view.ts';
import { Runtime } from './runtime/runtime.ts';
import { resolveServerConfig, serverChild } from './server/index.ts';
import { openStore } from './store/open-store.ts';
import type { RegistryStore } from './store/registry-store.ts';
import type { SupervisorRef } from './supervisor/supervisor-ref.ts';
import { VERSION } from './version.ts';

export * from './actor/index.ts';
export { type Clock, ManualClock, SystemClock, systemClock, type TimerHandle } from './clock.ts';
export * from './domain/index.ts';
export { type ErrorCode, formatReason, hasCode, ThunderlineError } from './errors.ts';
export * from './events.ts';
export { ALL_TOPICS, type Listener, PubSub } from './pubsub/index.ts';
export { RUNTIME_DEFAULTS, type RuntimeOptions, type ServerOptions, validateRuntimeOptions } from './runtime/options.ts';
export type { DomainStatus, HistoryEntry, HistoryOptions, RegistryView } from './runtime/registry-view.ts';
export { Runtime, type RuntimeExit } from './runtime/runtime.ts';
export type { EventServerOptions, HelloFrame, SequencedEvent, ServerFrame } from './server/index.ts';
export type { DomainRow, DomainStatusName, HistoryEvent, HistoryRow, RunRow } from './store/index.ts';
export * from './supervisor/index.ts';
export { emitTelemetry, telemetryChannel } from './telemetry/index.ts';
export { VERSION } from './version.ts';

/**
 * Starts a runtime: opens (and migrates) the database, records the run, and starts the tree in
 * order — tick system (registry, then generator), then the domains (each `waiting` until the
 * first tick). Rejects with a `ThunderlineError` for bad options, a refused database file, or a
 * child that fails to start; nothing is left running then.
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
  try {
    store.beginRun({
      runId,
      startedAt: system.clock.wallNow(),
      tickIntervalMs: config.tickInterval === 'manual' ? null : config.tickInterval,
      version: VERSION,
    });
    const table = new DomainRegistryTable({ store, runId, clock: system.clock });
    const tickBus = new TickBus();
    const deps: DomainDeps = {
      tickBus,
      activationTimeoutMs: config.activationTimeout,
      currentTick: () => table.currentTick(),
      ...(extras.activationPolicy ? { activationPolicy: extras.activationPolicy } : {}),
    };
    let root: SupervisorRef | undefined;
    const infrastructure = extras.infrastructure?.({ system, registry: table, store, runId, deps, root: () => root }) ?? {};
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
      web: [...(infrastructure.web ?? []), ...(web ? [web.spec] : [])],
      system,
      store,
      table,
      runId,
      version: VERSION,
      tickInterval: config.tickInterval,
      generator: { interval: config.tickInterval, tickBus, ticks: new TickCounter(), activeCount: () => table.activeCount(), startedAtMs },
      domains: config.domains,
      deps,
      domainRestarts: config.domainRestarts,
    });
    root = parts.root;
    if (web) parts.serverUrl = web.url;
    return new Runtime(parts);
  } catch (error) {
    store.endRun(runId, system.clock.wallNow(), `start failed: ${error instanceof Error ? error.message : String(error)}`);
    store.close();
    system.stop();
    throw error;
  }
}
