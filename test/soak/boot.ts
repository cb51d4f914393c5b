/**
 * Starts a soak runtime, in the harness's process or in the child process it SIGKILLs
 * (child-runtime.ts): the generated tree through `bootRuntime` (what `startRuntime` runs) or the
 * Thunderline tree through `bootThunderline` (what `thunderline start` runs), both on a
 * ManualClock with manual ticks. `onRun` is called with the run id and the actor system before
 * the tree starts, so the caller sees every event from the first `domain_waiting`.
 */
import type { ActorSystem, DomainEvent, DomainEventType, ManualClock, Runtime, RuntimeOptions } from '../../index.ts';
import { HISTORY_EVENT_OF } from '../../src/store/status-names.ts';
import { bootRuntime } from '../../supervisors/runtime.ts';
import { bootThunderline } from '../../supervisors/thunderline.ts';
import { type Control, domainName, type GeneratedShape, gatedThunderlineTree, generatedDomains, type TreeKind } from './tree-gen.ts';

/** The topics the registry turns into history rows (actors/domain-registry.ts, REGISTRY_TOPICS). */
export const DOMAIN_TOPICS = [
  'system:domain_waiting',
  'system:domain_activated',
  'system:domain_deactivated',
  'system:domain_crashed',
  'system:domain_restarting',
  'system:domain_failed',
] as const;

export { STATUS_AFTER } from '../../src/store/status-names.ts';

/** Ms of the manual clock `activate` may take (`activateTimeout`); slowActivate advances past it. */
export const ACTIVATE_TIMEOUT_MS = 10_000;
/** The domains supervisor's budget: more than this many restarts within 5 s and the runtime gives up. */
export const DOMAIN_MAX_RESTARTS = 20;

/** A domain event as the harness records it: one history row to be. */
export interface Recorded {
  domain: string;
  event: string;
  tick: number;
  reason: string | undefined;
}

export function recordOf(event: DomainEvent): Recorded {
  return {
    domain: event.domain,
    event: HISTORY_EVENT_OF[event.type as DomainEventType] ?? event.type,
    tick: event.tick,
    reason: event.reason,
  };
}

/** What a booted soak runtime runs. */
export interface SoakTree {
  runtime: Runtime;
  /** Every domain name, in start order. */
  names: string[];
  /** Each domain's child ids. */
  children: Map<string, string[]>;
}

export interface BootInput {
  tree: TreeKind;
  file: string;
  clock: ManualClock;
  control: Control;
  shape: GeneratedShape | undefined;
  onRun: (runId: string, system: ActorSystem) => void;
}

/** The runtime options of every soak runtime (the Thunderline tree adds its infrastructure). */
export function soakOptions(file: string, clock: ManualClock): RuntimeOptions {
  return {
    tickInterval: 'manual',
    database: file,
    clock,
    activationTimeout: 600_000,
    activateTimeout: ACTIVATE_TIMEOUT_MS,
    domainRestarts: { maxRestarts: DOMAIN_MAX_RESTARTS, maxSeconds: 5 },
  };
}

export async function bootSoakRuntime(input: BootInput): Promise<SoakTree> {
  const options = soakOptions(input.file, input.clock);
  if (input.tree === 'generated') {
    const shape = input.shape;
    if (!shape) throw new Error('a generated tree needs its shape');
    const domains = generatedDomains(shape, input.control);
    const runtime = await bootRuntime(
      { ...options, domains },
      {
        infrastructure: ({ runId, system }) => {
          input.onRun(runId, system);
          return {};
        },
      },
    );
    const names = domains.map((domain) => domain.name);
    const children = new Map(names.map((name, index) => [name, Array.from({ length: shape.children[index] ?? 0 }, (_, c) => `c${c}`)]));
    return { runtime, names, children };
  }
  const tree = gatedThunderlineTree(input.file, input.control, ({ runId, system }) => input.onRun(runId, system));
  const runtime = await bootThunderline(options, tree);
  const all = [...tree.domains, ...tree.earlyInfrastructure, ...tree.lateInfrastructure];
  return {
    runtime,
    names: all.map((domain) => domain.name),
    children: new Map(all.map((domain) => [domain.name, domain.children.map((child) => child.id)])),
  };
}

/** The names of a generated tree of `count` domains. */
export const generatedNames = (count: number): string[] => Array.from({ length: count }, (_, index) => domainName(index));
