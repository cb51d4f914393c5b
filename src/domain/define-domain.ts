/**
 * `defineDomain`: declares a long-lived domain that waits for the first tick, then activates
 * (starting its own children under its own one_for_one supervisor) and stays active.
 *
 * @example
 * const billing = defineDomain({
 *   name: 'billing',
 *   children: [{ id: 'invoicer', start: startInvoicer }],
 *   async activate(tick, meta) { meta.publish('ready', { tick }); },
 *   async deactivate(reason) {},
 * });
 */
import type { ActorSystem } from '../actor/actor-system.ts';
import { describeValue, ThunderlineError } from '../errors.ts';
import type { TickEvent } from '../events.ts';
import { type ChildSpec, type NormalizedChildSpec, validateChildSpecs } from '../supervisor/spec.ts';
import type { SupervisorRef } from '../supervisor/supervisor-ref.ts';
import type { DomainPanel } from './domain-panel.ts';

/** What `activate` gets besides the tick number. */
export interface DomainActivationMeta {
  /** The domain's name. */
  readonly domain: string;
  /** The tick that activated the domain; undefined for `waitForTick: false`. */
  readonly event: TickEvent | undefined;
  /**
   * The domain's own one_for_one supervisor, already running its `children`. A domain that
   * declares no children gets it on first use (starting a second actor only when needed).
   */
  readonly supervisor: SupervisorRef;
  /** The actor system (clock, pubsub). */
  readonly system: ActorSystem;
  /**
   * Aborts when this incarnation of the domain ends (crash, kill, `activateTimeout`, stop): hand
   * it to work `activate` starts, so nothing of a dead incarnation runs on.
   */
  readonly signal: AbortSignal;
  /** Publishes a custom event `custom:<domain>.<name>` on the runtime pubsub; a no-op once the incarnation is gone. */
  publish(name: string, fields?: Record<string, unknown>): void;
}

/** Options of {@link defineDomain}. */
export interface DomainOptions {
  /** Unique domain name: letters, digits, `_`, `-`, `.`; at most 100 characters. */
  name: string;
  /** Runs on the first tick (or at start with `waitForTick: false`). Throwing crashes the domain. */
  activate?: (tick: number, meta: DomainActivationMeta) => void | Promise<void>;
  /** Runs on shutdown (reason `'shutdown'`) and after a crash (the crash reason); errors are ignored. */
  deactivate?: (reason: unknown) => void | Promise<void>;
  /** Started, in order, under the domain's own one_for_one supervisor when it activates. */
  children?: ChildSpec[];
  /** Default true; false activates at start (for testing and development). */
  waitForTick?: boolean;
  /** Overrides the runtime's `activationTimeout` (ms waiting for the first tick) for this domain. */
  activationTimeout?: number;
  /** Overrides the runtime's `activateTimeout` (ms `activate` may take before the domain crashes). */
  activateTimeout?: number;
  /**
   * What the dashboard's panel for this domain shows (`runtime.inspectDomain`, `GET /api/panels/<name>`);
   * may reject while the domain is not active. Default none: no panel.
   */
  inspect?: () => DomainPanel | Promise<DomainPanel>;
}

/** A validated domain definition. */
export interface DomainDefinition {
  readonly kind: 'domain';
  readonly name: string;
  readonly activate: ((tick: number, meta: DomainActivationMeta) => void | Promise<void>) | undefined;
  readonly deactivate: ((reason: unknown) => void | Promise<void>) | undefined;
  readonly children: readonly NormalizedChildSpec[];
  readonly waitForTick: boolean;
  readonly activationTimeout: number | undefined;
  readonly activateTimeout: number | undefined;
  readonly inspect: (() => DomainPanel | Promise<DomainPanel>) | undefined;
}

const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,100}$/;

function invalid(path: string, rule: string, got: unknown): ThunderlineError {
  return new ThunderlineError('ERR_INVALID_DOMAIN', `${path} ${rule}, got ${describeValue(got)}`);
}

/** Validates a domain's options; throws `ERR_INVALID_DOMAIN` naming the field. */
export function defineDomain(options: DomainOptions): DomainDefinition {
  if (typeof options !== 'object' || options === null) throw invalid('defineDomain(options)', 'must be an object', options);
  const { name, activate, deactivate, waitForTick = true, activationTimeout, activateTimeout } = options;
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw invalid('domain name', 'must be 1 to 100 letters, digits, "_", "-" or "."', name);
  }
  const at = `domain "${name}":`;
  if (activate !== undefined && typeof activate !== 'function') throw invalid(`${at} activate`, 'must be a function', activate);
  if (deactivate !== undefined && typeof deactivate !== 'function') throw invalid(`${at} deactivate`, 'must be a function', deactivate);
  const { inspect } = options;
  if (inspect !== undefined && typeof inspect !== 'function') throw invalid(`${at} inspect`, 'must be a function', inspect);
  if (typeof waitForTick !== 'boolean') throw invalid(`${at} waitForTick`, 'must be true or false', waitForTick);
  if (activationTimeout !== undefined && !(Number.isInteger(activationTimeout) && activationTimeout > 0)) {
    throw invalid(`${at} activationTimeout`, 'must be an integer number of ms > 0', activationTimeout);
  }
  if (activateTimeout !== undefined && !(Number.isInteger(activateTimeout) && activateTimeout > 0)) {
    throw invalid(`${at} activateTimeout`, 'must be an integer number of ms > 0', activateTimeout);
  }
  let children: NormalizedChildSpec[];
  try {
    children = validateChildSpecs(options.children, `domain "${name}": children`);
  } catch (error) {
    const known = error as ThunderlineError;
    throw new ThunderlineError('ERR_INVALID_DOMAIN', known.message, { cause: error });
  }
  return { kind: 'domain', name, activate, deactivate, children, waitForTick, activationTimeout, activateTimeout, inspect };
}
