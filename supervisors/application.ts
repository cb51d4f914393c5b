/**
 * The application tree, in start order (`docs/architecture.md`, "The supervision tree"): tick
 * system (registry, then generator) → domains → early infrastructure → late infrastructure → web.
 * Core (pubsub, telemetry, clock) and the database are opened before the tree, by the composition
 * root. Shutdown is the reverse. The root gives up on the first escalation from a subtree
 * (`maxRestarts: 0`): a subsystem that exhausted its own restart budget stops the runtime.
 *
 * @example
 * const parts = await startApplicationTree({ system, store, table, runId, version, tickInterval, generator, domains, deps });
 * const runtime = new Runtime(parts);
 */
import type { DomainRegistryTable } from '../actors/domain-registry.ts';
import type { TickEmission, TickGeneratorMsg, TickGeneratorOptions } from '../actors/tick-generator.ts';
import type { ActorRef } from '../src/actor/actor-ref.ts';
import type { ActorSystem } from '../src/actor/actor-system.ts';
import type { DomainDefinition } from '../src/domain/define-domain.ts';
import type { DomainDeps } from '../src/domain/domain-actor.ts';
import { ThunderlineError } from '../src/errors.ts';
import type { RuntimeParts } from '../src/runtime/runtime.ts';
import type { RegistryStore } from '../src/store/registry-store.ts';
import type { AnyActorRef, ChildSpec } from '../src/supervisor/spec.ts';
import { SupervisorRef, startSupervisor, supervisorSpec } from '../src/supervisor/supervisor-ref.ts';
import { type DomainsTreeOptions, domainsTree } from './domains.ts';
import { tickSystemTree } from './tick-system.ts';

/** The supervisor of the web server(s). */
export const WEB_SUPERVISOR = 'web';

/** The root supervisor's name. */
export const APPLICATION_SUPERVISOR = 'application';

/** Everything the application tree is built from. */
export interface ApplicationTreeInput {
  system: ActorSystem;
  store: RegistryStore;
  table: DomainRegistryTable;
  runId: string;
  version: string;
  tickInterval: number | 'manual';
  generator: TickGeneratorOptions;
  domains: readonly DomainDefinition[];
  deps: DomainDeps;
  domainRestarts?: DomainsTreeOptions;
  /** Replaces the `domains` supervisor built from `domains` (cluster mode: a dynamic one for shards). */
  domainsSpec?: ChildSpec;
  /** Started after the domains (e.g. event buffer, presence). */
  earlyInfrastructure?: ChildSpec[];
  /** Started after the early infrastructure (e.g. the health monitor). */
  lateInfrastructure?: ChildSpec[];
  /** Started last, stopped first (the HTTP/WebSocket server). */
  web?: ChildSpec[];
  /** Runs after the tree has stopped, before the store closes. */
  beforeClose?: () => Promise<void>;
}

/** The application tree's children, in start order. */
export function applicationTree(input: ApplicationTreeInput): ChildSpec[] {
  return [
    tickSystemTree({ table: input.table, generator: { ...input.generator, awaitBegin: true } }),
    input.domainsSpec ?? domainsTree(input.domains, input.deps, input.domainRestarts),
    ...(input.earlyInfrastructure ?? []),
    ...(input.lateInfrastructure ?? []),
    // The web server gets its own supervisor, with backoff: a crashed server restarts (on the same
    // port) without spending the root's budget, which is reserved for escalations.
    ...(input.web && input.web.length > 0
      ? [supervisorSpec(WEB_SUPERVISOR, { strategy: 'one_for_one', backoff: { minMs: 100, maxMs: 5000 }, children: input.web })]
      : []),
  ];
}

/** Finds a running child by a path of ids from `root`, e.g. `['tick_system', 'tick_generator']`. */
export function findChild(root: SupervisorRef, ids: readonly string[]): AnyActorRef | undefined {
  let current: AnyActorRef | undefined = root;
  for (const id of ids) {
    if (!(current instanceof SupervisorRef)) return undefined;
    current = current.whichChildren().find((child) => child.id === id)?.ref;
  }
  return current;
}

/** Finds a running child with `id` anywhere under `root`, depth first in start order. */
export function findRunning(root: SupervisorRef, id: string): AnyActorRef | undefined {
  for (const child of root.whichChildren()) {
    if (child.id === id && child.ref) return child.ref;
    if (child.ref instanceof SupervisorRef) {
      const found = findRunning(child.ref, id);
      if (found) return found;
    }
  }
  return undefined;
}

/** Starts the application tree and returns what the `Runtime` needs. */
export async function startApplicationTree(input: ApplicationTreeInput): Promise<RuntimeParts> {
  // Followed before the generator can tick: at 1 ms the last round may complete while the tree starts.
  const lastRound = lastRoundDone(input.generator);
  const root = await startSupervisor(input.system, {
    name: APPLICATION_SUPERVISOR,
    strategy: 'one_for_one',
    maxRestarts: 0,
    children: applicationTree(input),
  });
  // Timed ticks begin now that every child has started: a tick emitted while the domains were
  // still starting would reach only some of them (at 1 ms, the first ticks would).
  input.generator.ticks.originMs ??= input.system.clock.now();
  (findChild(root, ['tick_system', 'tick_generator']) as ActorRef<TickGeneratorMsg> | undefined)?.cast({ type: 'begin' });
  const running = <M extends { type: string }>(ids: string[]): ActorRef<M> => {
    const ref = findChild(root, ids);
    if (!ref) throw new ThunderlineError('ERR_UNKNOWN_ACTOR', `${ids.join('/')} is not running (restarting or stopped)`);
    return ref as unknown as ActorRef<M>;
  };
  const parts: RuntimeParts = {
    system: input.system,
    root,
    store: input.store,
    registry: input.table,
    runId: input.runId,
    version: input.version,
    tickInterval: input.tickInterval,
    requestTick: () => running<TickGeneratorMsg>(['tick_system', 'tick_generator']).call<TickEmission | undefined>({ type: 'tick' }),
    maxTicks: input.generator.maxTicks,
    flushRegistry: async () => {
      await running<{ type: 'flush' }>(['tick_system', 'domain_registry']).call({ type: 'flush' });
    },
    // A domain may sit under `domains` or an infrastructure slot (the Thunderline tree puts some
    // there); the registry says which names are domains, the tree says where they run.
    findDomain: (name) => (input.table.domainStatus(name) ? findRunning(root, name) : undefined),
    skippedTicks: () => input.generator.tickBus.skipped,
  };
  if (input.beforeClose) parts.beforeClose = input.beforeClose;
  if (lastRound) parts.lastRound = lastRound;
  return parts;
}

/** Resolves once the round of tick `maxTicks` completes (every domain has handled the last tick). */
function lastRoundDone(generator: TickGeneratorOptions): Promise<void> | undefined {
  const { maxTicks } = generator;
  if (maxTicks === undefined) return undefined;
  return new Promise((resolve) => {
    const off = generator.tickBus.onRoundDone((round) => {
      if (round.tick < maxTicks) return;
      off();
      resolve();
    });
  });
}
