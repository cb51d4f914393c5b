/**
 * The Thunderline application tree: the Thunderline domains in their start order
 * (`docs/domains.md`, "Start order") — tick system (thunderblock's registry, thunderlink's generator) → domains (thunderbolt,
 * cerebros, thunderprism, thundercrown, thundergrid) → early infrastructure (thunderflow,
 * thunderlink presence, thundervine) → late infrastructure (thundergate). Every one is a domain
 * actor that waits for the first tick; thundercrown's policy is consulted before each activates.
 *
 * @example
 * const runtime = await startThunderline({ tickInterval: 1000, database: './thunderline.db' }, { disable: ['cerebros'] });
 * await runtime.stopped;
 */

import { CEREBROS_TRIALS_TABLE, type CerebrosDomain, type CerebrosOptions, cerebrosDomain } from '../actors/cerebros/index.ts';
import { type AutomatonOptions, type ThunderboltDomain, thunderboltDomain } from '../actors/thunderbolt/index.ts';
import { type ActivationPolicyOptions, type ThundercrownDomain, thundercrownDomain } from '../actors/thundercrown/index.ts';
import { type EventBufferOptions, type ThunderflowDomain, thunderflowDomain } from '../actors/thunderflow/index.ts';
import { type HealthMonitorOptions, type ThundergateDomain, thundergateDomain } from '../actors/thundergate/index.ts';
import { type ThundergridDomain, thundergridDomain } from '../actors/thundergrid/index.ts';
import { type PresenceOptions, type ThunderlinkDomain, thunderlinkDomain } from '../actors/thunderlink/index.ts';
import { type DecisionTrailOptions, type ThunderprismDomain, thunderprismDomain } from '../actors/thunderprism/index.ts';
import { type ThundervineDomain, type ThundervineOptions, thundervineDomain } from '../actors/thundervine/index.ts';
import type { ActorSystem } from '../src/actor/actor-system.ts';
import type { DomainDefinition } from '../src/domain/define-domain.ts';
import { domainChildSpec } from '../src/domain/domain-actor.ts';
import { describeValue, ThunderlineError } from '../src/errors.ts';
import { RUNTIME_DEFAULTS, type RuntimeOptions } from '../src/runtime/options.ts';
import type { DomainStatus, HistoryEntry, HistoryOptions, RegistryView } from '../src/runtime/registry-view.ts';
import type { Runtime } from '../src/runtime/runtime.ts';
import type { RetainedTable } from '../src/store/retention.ts';
import type { ChildSpec } from '../src/supervisor/spec.ts';
import { supervisorSpec } from '../src/supervisor/supervisor-ref.ts';
import { bootRuntime, type RuntimeExtras } from './runtime.ts';

/** Every Thunderline domain, in start order; each may be left out with `--disable`. */
export const THUNDERLINE_DOMAINS = [
  'thunderbolt',
  'cerebros',
  'thunderprism',
  'thundercrown',
  'thundergrid',
  'thunderflow',
  'thunderlink',
  'thundervine',
  'thundergate',
] as const;

/**
 * The domain-owned tables under retention (`--retain-history <table>=<rule>`), each with its
 * default rule; the audit log's own rule is the runtime's `retainHistory`.
 */
export const THUNDERLINE_RETAINED_TABLES: readonly RetainedTable[] = [CEREBROS_TRIALS_TABLE];

/** A Thunderline domain name. */
export type ThunderlineDomainName = (typeof THUNDERLINE_DOMAINS)[number];

/** The supervisors holding the infrastructure domains. */
export const EARLY_INFRASTRUCTURE_SUPERVISOR = 'infrastructure_early';
export const LATE_INFRASTRUCTURE_SUPERVISOR = 'infrastructure_late';

/**
 * Checks `--disable` values: each must be a Thunderline domain.
 * @throws ThunderlineError `ERR_INVALID_OPTION`, e.g. `--disable: unknown domain "x"; known domains: thunderbolt, ...`
 */
export function validateDisable(values: readonly string[]): ThunderlineDomainName[] {
  if (!Array.isArray(values))
    throw new ThunderlineError('ERR_INVALID_OPTION', `--disable must be a list of domain names, got ${describeValue(values)}`);
  for (const value of values) {
    if (!(THUNDERLINE_DOMAINS as readonly string[]).includes(value)) {
      throw new ThunderlineError(
        'ERR_INVALID_OPTION',
        `--disable: unknown domain ${JSON.stringify(value)}; known domains: ${THUNDERLINE_DOMAINS.join(', ')}`,
      );
    }
  }
  return values as ThunderlineDomainName[];
}

/** Options of {@link thunderlineTree}; every per-domain option has the domain's own default. */
export interface ThunderlineTreeOptions {
  /** Domains to leave out; default none (cerebros is on by default). */
  disable?: readonly string[];
  /** The runtime's database, for cerebros' tables; default `./thunderline.db`. */
  database?: string;
  /** The registry thundergate and thundergrid read; default: the runtime's, bound at boot. */
  registry?: RegistryView;
  /** Thundercrown's activation policy; default allows every domain. */
  governance?: ActivationPolicyOptions;
  thunderbolt?: AutomatonOptions;
  cerebros?: Omit<CerebrosOptions, 'database' | 'runtimeRunId'>;
  /** The decision trail's bounds. */
  thunderprism?: DecisionTrailOptions;
  thundergate?: Omit<HealthMonitorOptions, 'registry'>;
  thundergrid?: { zones?: number };
  thunderflow?: EventBufferOptions;
  thunderlink?: PresenceOptions;
  thundervine?: ThundervineOptions;
  /**
   * Called once the run exists (its row written), before the tree starts: the place to subscribe
   * to `system.pubsub` and miss no event, the first `domain_waiting` and early ticks included.
   */
  beforeStart?: (run: { runId: string; system: ActorSystem }) => void;
}

/** The running tree's domains, for queries; a disabled domain is absent. */
export interface ThunderlineDomains {
  thunderbolt?: ThunderboltDomain;
  cerebros?: CerebrosDomain;
  thunderprism?: ThunderprismDomain;
  thundercrown?: ThundercrownDomain;
  thundergrid?: ThundergridDomain;
  thunderflow?: ThunderflowDomain;
  thunderlink?: ThunderlinkDomain;
  thundervine?: ThundervineDomain;
  thundergate?: ThundergateDomain;
}

/** The tree, ready for {@link bootThunderline}. */
export interface ThunderlineTree {
  /** Under the `domains` supervisor. */
  domains: DomainDefinition[];
  /** Under `infrastructure_early`, after the domains. */
  earlyInfrastructure: DomainDefinition[];
  /** Under `infrastructure_late`, after the early infrastructure. */
  lateInfrastructure: DomainDefinition[];
  /** Thundercrown's policy; undefined when thundercrown is disabled (every activation allowed). */
  activationPolicy: ((domain: string, tick: number) => boolean) | undefined;
  handles: ThunderlineDomains;
  /** What `bootRuntime` needs besides the domains: the infrastructure and the policy. */
  extras(): RuntimeExtras;
}

/** A registry view that answers from the runtime's registry once bound (empty before). */
class BoundRegistryView implements RegistryView {
  view: RegistryView | undefined;
  activeDomains = (): string[] => this.view?.activeDomains() ?? [];
  activeCount = (): number => this.view?.activeCount() ?? 0;
  domainStatus = (name: string): DomainStatus | undefined => this.view?.domainStatus(name);
  statuses = (): DomainStatus[] => this.view?.statuses() ?? [];
  history = (options?: HistoryOptions): HistoryEntry[] => this.view?.history(options) ?? [];
  currentTick = (): number => this.view?.currentTick() ?? 0;
}

/** Builds the Thunderline tree; validates `disable`. */
export function thunderlineTree(options: ThunderlineTreeOptions = {}): ThunderlineTree {
  const disabled = new Set<string>(validateDisable(options.disable ?? []));
  const bound = new BoundRegistryView();
  const registry = options.registry ?? bound;
  const on = (name: ThunderlineDomainName): boolean => !disabled.has(name);
  const handles: ThunderlineDomains = {};
  if (on('thunderbolt')) handles.thunderbolt = thunderboltDomain(options.thunderbolt);
  // The run id exists once the runtime has begun the run, before any domain activates.
  let runId: string | undefined;
  if (on('cerebros'))
    handles.cerebros = cerebrosDomain({
      ...options.cerebros,
      database: options.database ?? RUNTIME_DEFAULTS.database,
      runtimeRunId: () => runId,
    });
  if (on('thunderprism')) handles.thunderprism = thunderprismDomain(options.thunderprism);
  if (on('thundercrown')) handles.thundercrown = thundercrownDomain(options.governance);
  if (on('thundergrid')) handles.thundergrid = thundergridDomain({ ...options.thundergrid, registry });
  if (on('thunderflow')) handles.thunderflow = thunderflowDomain(options.thunderflow);
  if (on('thunderlink')) handles.thunderlink = thunderlinkDomain(options.thunderlink);
  if (on('thundervine')) handles.thundervine = thundervineDomain(options.thundervine);
  if (on('thundergate')) handles.thundergate = thundergateDomain({ ...options.thundergate, registry });
  const present = (defs: Array<DomainDefinition | undefined>): DomainDefinition[] =>
    defs.filter((def): def is DomainDefinition => def !== undefined);
  const tree: ThunderlineTree = {
    domains: present([handles.thunderbolt, handles.cerebros, handles.thunderprism, handles.thundercrown, handles.thundergrid]),
    earlyInfrastructure: present([handles.thunderflow, handles.thunderlink, handles.thundervine]),
    lateInfrastructure: present([handles.thundergate]),
    activationPolicy: handles.thundercrown?.policy.decide,
    handles,
    extras() {
      const extras: RuntimeExtras = {
        domainSupervisors: [EARLY_INFRASTRUCTURE_SUPERVISOR, LATE_INFRASTRUCTURE_SUPERVISOR],
        moreDomains: [...tree.earlyInfrastructure, ...tree.lateInfrastructure],
        infrastructure: ({ system, registry: runtimeRegistry, deps, runId: run }) => {
          runId = run;
          options.beforeStart?.({ runId: run, system });
          bound.view = runtimeRegistry;
          handles.thundercrown?.policy.bind(system.pubsub, () => system.isoNow());
          const slot = (id: string, defs: DomainDefinition[]): ChildSpec[] =>
            defs.length === 0
              ? []
              : [supervisorSpec(id, { strategy: 'one_for_one', children: defs.map((def) => domainChildSpec(def, deps)) })];
          return {
            earlyInfrastructure: slot(EARLY_INFRASTRUCTURE_SUPERVISOR, tree.earlyInfrastructure),
            lateInfrastructure: slot(LATE_INFRASTRUCTURE_SUPERVISOR, tree.lateInfrastructure),
          };
        },
      };
      if (tree.activationPolicy) extras.activationPolicy = tree.activationPolicy;
      return extras;
    },
  };
  return tree;
}

/** Starts a runtime running `tree` (for embedders and tests that keep the tree's handles). */
export function bootThunderline(options: Omit<RuntimeOptions, 'domains'>, tree: ThunderlineTree): Promise<Runtime> {
  if (options.cluster) {
    // Cluster mode: every domain, infrastructure included, lives in a shard on exactly one node,
    // in the tree's start order within its shard (`docs/cluster.md`, "Ownership").
    const { infrastructure, domainSupervisors: _slots, ...extras } = tree.extras();
    const all = [...tree.domains, ...tree.earlyInfrastructure, ...tree.lateInfrastructure];
    return bootRuntime(
      { ...options, domains: all },
      {
        ...extras,
        infrastructure: (context) => {
          const { web, beforeClose } = infrastructure?.(context) ?? {};
          return { ...(web ? { web } : {}), ...(beforeClose ? { beforeClose } : {}) };
        },
      },
    );
  }
  return bootRuntime({ ...options, domains: tree.domains }, tree.extras());
}

/**
 * Starts the Thunderline application (what `thunderline start` runs).
 * @param options runtime options (tick interval, database, clock, ...); `domains` come from the tree
 * @param treeOptions `disable` (default none) and per-domain options; `database` defaults to `options.database`
 * @throws ThunderlineError `ERR_INVALID_OPTION` for an unknown domain in `disable`, and whatever `bootRuntime` throws
 */
export async function startThunderline(
  options: Omit<RuntimeOptions, 'domains'> = {},
  treeOptions: ThunderlineTreeOptions = {},
): Promise<Runtime> {
  const tree = thunderlineTree({ database: options.database ?? RUNTIME_DEFAULTS.database, ...treeOptions });
  return bootThunderline(options, tree);
}
