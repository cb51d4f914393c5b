/**
 * Child specs and supervisor options: their types, their defaults, and whole-spec validation
 * that names every offending field by path (erlang `check_childspecs`).
 *
 * @example
 * const specs = validateChildSpecs([{ id: 'ticker', start: startTicker, restart: 'transient' }]);
 * specs[0].shutdown; // 5000
 */
import type { ActorRef } from '../actor/actor-ref.ts';
import type { ActorSystem } from '../actor/actor-system.ts';
import { isViaName, type ViaName, viaDisplayName } from '../actor/naming.ts';
import { describeValue, ThunderlineError } from '../errors.ts';
import { optionError, quoteAll } from './options.ts';

/** When a child is restarted: always, only after an abnormal exit, or never. */
export type RestartType = 'permanent' | 'transient' | 'temporary';
/** How a child is stopped: ms to stop gracefully before a kill, at once, or waiting forever. */
export type ShutdownValue = number | 'brutal_kill' | 'infinity';
/** Workers do work; supervisors supervise (their shutdown defaults to `'infinity'`). */
export type ChildType = 'worker' | 'supervisor';
/** Which children a crash takes down and restarts. */
export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';

/** Any actor reference, whatever its message type. */
export type AnyActorRef = ActorRef<never>;

/**
 * What a child's `start` resolves with when the child has nothing to run (OTP's `ignore`): the
 * supervisor keeps the spec with no actor (status `'terminated'`, ref `undefined`), except for a
 * temporary child, whose spec goes; `startChild` / `restartChild` resolve with `undefined`.
 *
 * @example
 * const spec: ChildSpec = {
 *   id: 'mailer',
 *   start: async ({ system }) => (config.smtp ? spawnActor(system, mailer, config.smtp) : IGNORE),
 * };
 */
export const IGNORE: unique symbol = Symbol('thunderline.ignore');

/**
 * A child's start function: resolves with the started actor, or {@link IGNORE}. Type a start
 * function written on its own with it, so that `IGNORE` keeps its own type.
 *
 * @example
 * const start: ChildStart = async ({ system }) => (enabled ? spawnActor(system, worker, undefined) : IGNORE);
 */
export type ChildStart = (context: StartContext) => Promise<AnyActorRef | typeof IGNORE>;

/**
 * When a supervisor shuts itself down because significant children exited (OTP's `auto_shutdown`):
 * `'never'`, when `'any_significant'` child exits, or when `'all_significant'` children have.
 *
 * @example
 * await startSupervisor(system, { autoShutdown: 'any_significant', children: [{ ...socket, restart: 'transient', significant: true }] });
 */
export type AutoShutdown = 'never' | 'any_significant' | 'all_significant';

/** What a child's `start` function receives. */
export interface StartContext {
  /** The actor system to spawn in. */
  readonly system: ActorSystem;
  /** The name of the supervisor starting the child. */
  readonly supervisor: string;
  /** The child's id. */
  readonly id: string;
  /**
   * Arguments the supervisor adds to every start (a `DynamicSupervisor`'s `extraArguments`,
   * Elixir's `extra_arguments`); empty for a plain supervisor.
   */
  readonly args: readonly unknown[];
}

/** A child specification (Elixir's child spec map). */
export interface ChildSpec {
  /** Unique among the supervisor's children. */
  id: string;
  /**
   * Starts the child and resolves once it is fully started; rejecting fails the start. Resolving
   * with {@link IGNORE} starts nothing and keeps the spec (OTP's `ignore`).
   */
  start: ChildStart;
  /** Default `'permanent'`. */
  restart?: RestartType;
  /**
   * Default false. A significant child's own exit that is not followed by a restart (any exit of a
   * temporary child, a clean exit of a transient one) may shut the supervisor down, per its
   * {@link SupervisorOptions.autoShutdown}. Only a transient or temporary child can be significant,
   * and only under a supervisor whose `autoShutdown` is not `'never'`.
   */
  significant?: boolean;
  /** Default 5000 for workers, `'infinity'` for supervisors. */
  shutdown?: ShutdownValue;
  /** Default `'worker'`. */
  type?: ChildType;
}

/** A child spec with every default filled in. */
export interface NormalizedChildSpec {
  readonly id: string;
  readonly start: ChildStart;
  readonly restart: RestartType;
  readonly significant: boolean;
  readonly shutdown: ShutdownValue;
  readonly type: ChildType;
}

/** Optional restart backoff (beyond OTP). */
export interface BackoffOptions {
  /** First delay, ms. */
  minMs: number;
  /** Largest delay, ms; the delay doubles from `minMs` up to it. */
  maxMs: number;
  /** Random spread, 0..1, as a fraction of the delay; default 0. */
  jitter?: number;
}

/** Options of a supervisor. */
export interface SupervisorOptions {
  /**
   * Name used in events and errors; default `'supervisor'`. A {@link ViaName}
   * (`via(registry, key)`) registers the supervisor under `key` before its children start; the
   * entry goes when it exits, and the display name is the key when it is a string.
   */
  name?: string | ViaName;
  /** Default `'one_for_one'`. */
  strategy?: Strategy;
  /** Restarts allowed within `maxSeconds`; one more escalates. Default {@link DEFAULT_MAX_RESTARTS}. */
  maxRestarts?: number;
  /** The intensity window, seconds. Default {@link DEFAULT_MAX_SECONDS}. */
  maxSeconds?: number;
  /** Delay restarts, doubling from `minMs` to `maxMs`; resets after a quiet period of (min+max)/2. */
  backoff?: BackoffOptions;
  /**
   * Which children a one_for_all / rest_for_one restart brings back: `'running'` (default) only
   * those that were running (or waiting for this restart); `'all'` every non-temporary child of the
   * group, also one stopped with `terminateChild` or a transient child that exited cleanly (OTP).
   */
  groupRestart?: GroupRestart;
  /**
   * How the supervisor exits when it gives up: `'error'` (default) with the `ERR_RESTART_INTENSITY`
   * error, a crash to its parent; `'shutdown'` with `{ shutdown: error }`, a clean exit as in OTP,
   * so a `transient` parent slot lets the subtree end quietly.
   */
  escalation?: Escalation;
  /**
   * Shut the supervisor down (reason `'shutdown'`, children stopped in reverse order) when a
   * significant child exits and is not restarted: `'never'` (default), `'any_significant'` at the
   * first such exit, `'all_significant'` once no significant child is left running (OTP).
   */
  autoShutdown?: AutoShutdown;
  /** Started in list order, stopped in reverse. */
  children?: ChildSpec[];
}

/** See {@link SupervisorOptions.groupRestart}. */
export type GroupRestart = 'running' | 'all';
/** See {@link SupervisorOptions.escalation}. */
export type Escalation = 'error' | 'shutdown';

/** Elixir's default restart intensity: 3 restarts... */
export const DEFAULT_MAX_RESTARTS = 3;
/** ...within 5 seconds. (OTP's own default is 1 in 5.) */
export const DEFAULT_MAX_SECONDS = 5;
/** Default graceful shutdown time for a worker, ms. */
export const DEFAULT_WORKER_SHUTDOWN_MS = 5000;

/** Every restart type, in the order error messages list them. */
export const RESTARTS: readonly RestartType[] = ['permanent', 'transient', 'temporary'];
const TYPES: readonly ChildType[] = ['worker', 'supervisor'];
const STRATEGIES: readonly Strategy[] = ['one_for_one', 'one_for_all', 'rest_for_one'];
const GROUP_RESTARTS: readonly GroupRestart[] = ['running', 'all'];
const ESCALATIONS: readonly Escalation[] = ['error', 'shutdown'];
const AUTO_SHUTDOWNS: readonly AutoShutdown[] = ['never', 'any_significant', 'all_significant'];

function specError(path: string, rule: string, got: unknown): ThunderlineError {
  return new ThunderlineError('ERR_INVALID_CHILD_SPEC', `${path} ${rule}, got ${describeValue(got)}`);
}

/**
 * Validates one child spec found at `path` (e.g. `children[2]`) and fills in its defaults. With
 * `autoShutdown` (the supervisor's), a significant child is also checked against it (erlang
 * `check_childspecs/2`); without, only against its own restart type.
 */
export function validateChildSpec(raw: unknown, path = 'child spec', autoShutdown?: AutoShutdown): NormalizedChildSpec {
  if (typeof raw !== 'object' || raw === null) throw specError(path, 'must be an object with id and start', raw);
  const spec = raw as Record<string, unknown>;
  const { id, start, restart = 'permanent', type = 'worker', significant = false } = spec;
  if (typeof id !== 'string' || id.length === 0) throw specError(`${path}.id`, 'must be a non-empty string', id);
  if (typeof start !== 'function') throw specError(`${path}.start`, 'must be a function returning a promise of an actor ref', start);
  if (!RESTARTS.includes(restart as RestartType)) throw specError(`${path}.restart`, `must be ${quoteAll(RESTARTS)}`, restart);
  if (typeof significant !== 'boolean') throw specError(`${path}.significant`, 'must be true or false', significant);
  if (significant) checkSignificant(path, restart as RestartType, spec.restart === undefined, autoShutdown);
  if (!TYPES.includes(type as ChildType)) throw specError(`${path}.type`, `must be ${quoteAll(TYPES)}`, type);
  const shutdown = spec.shutdown ?? (type === 'supervisor' ? 'infinity' : DEFAULT_WORKER_SHUTDOWN_MS);
  const shutdownOk =
    shutdown === 'brutal_kill' || shutdown === 'infinity' || (typeof shutdown === 'number' && Number.isInteger(shutdown) && shutdown >= 0);
  if (!shutdownOk) throw specError(`${path}.shutdown`, 'must be an integer number of ms >= 0, "brutal_kill" or "infinity"', shutdown);
  return {
    id,
    start: start as NormalizedChildSpec['start'],
    restart: restart as RestartType,
    significant,
    shutdown: shutdown as ShutdownValue,
    type: type as ChildType,
  };
}

/** OTP's `{bad_combination, ...}`: checked in OTP's order, the supervisor's flag first. */
function checkSignificant(path: string, restart: RestartType, defaulted: boolean, autoShutdown: AutoShutdown | undefined): void {
  if (autoShutdown === 'never') {
    throw new ThunderlineError(
      'ERR_INVALID_CHILD_SPEC',
      `${path}.significant is true but the supervisor's autoShutdown is "never": a significant child needs autoShutdown "any_significant" or "all_significant"`,
    );
  }
  if (restart === 'permanent') {
    throw new ThunderlineError(
      'ERR_INVALID_CHILD_SPEC',
      `${path}.significant is true but ${path}.restart is "permanent"${defaulted ? ' (the default)' : ''}: only a transient or temporary child can be significant`,
    );
  }
}

/**
 * Validates a whole list of child specs, naming fields by path, and rejects duplicate ids. With
 * `autoShutdown`, significant children are checked against it (see {@link validateChildSpec}).
 */
export function validateChildSpecs(raw: unknown, path = 'children', autoShutdown?: AutoShutdown): NormalizedChildSpec[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw specError(path, 'must be an array of child specs', raw);
  const seen = new Map<string, number>();
  return raw.map((item, index) => {
    const spec = validateChildSpec(item, `${path}[${index}]`, autoShutdown);
    const first = seen.get(spec.id);
    if (first !== undefined) {
      throw new ThunderlineError(
        'ERR_DUPLICATE_CHILD_ID',
        `${path}[${index}].id "${spec.id}" is already used by ${path}[${first}]; child ids must be unique within a supervisor`,
      );
    }
    seen.set(spec.id, index);
    return spec;
  });
}

/** Supervisor options with every default filled in. */
export interface NormalizedSupervisorOptions {
  /** The display name (a via name's key when it is a string). */
  readonly name: string;
  /** The registry name to register the supervisor under, if any. */
  readonly via: ViaName | undefined;
  readonly strategy: Strategy;
  readonly maxRestarts: number;
  readonly maxSeconds: number;
  readonly backoff: Required<BackoffOptions> | undefined;
  readonly groupRestart: GroupRestart;
  readonly escalation: Escalation;
  readonly autoShutdown: AutoShutdown;
  readonly children: NormalizedChildSpec[];
}

/** Validates supervisor options (and all their children) and fills in the defaults. */
export function validateSupervisorOptions(raw: SupervisorOptions): NormalizedSupervisorOptions {
  if (typeof raw !== 'object' || raw === null) throw optionError('supervisor options', 'must be an object', raw);
  const { strategy = 'one_for_one', maxRestarts = DEFAULT_MAX_RESTARTS, maxSeconds = DEFAULT_MAX_SECONDS } = raw;
  const via = isViaName(raw.name) ? raw.name : undefined;
  const name = via ? viaDisplayName(via, 'supervisor') : (raw.name ?? 'supervisor');
  if (typeof name !== 'string' || name.length === 0) throw optionError('name', 'must be a non-empty string', name);
  const at = `supervisor "${name}":`;
  if (!STRATEGIES.includes(strategy)) throw optionError(`${at} strategy`, `must be ${quoteAll(STRATEGIES)}`, strategy);
  if (!Number.isInteger(maxRestarts) || maxRestarts < 0) throw optionError(`${at} maxRestarts`, 'must be an integer >= 0', maxRestarts);
  if (typeof maxSeconds !== 'number' || !(maxSeconds > 0) || !Number.isFinite(maxSeconds)) {
    throw optionError(`${at} maxSeconds`, 'must be a finite number > 0', maxSeconds);
  }
  let backoff: Required<BackoffOptions> | undefined;
  if (raw.backoff !== undefined) {
    const { minMs, maxMs, jitter = 0 } = raw.backoff;
    if (typeof minMs !== 'number' || !(minMs >= 0)) throw optionError(`${at} backoff.minMs`, 'must be a number >= 0', minMs);
    if (typeof maxMs !== 'number' || !(maxMs >= minMs))
      throw optionError(`${at} backoff.maxMs`, `must be a number >= minMs (${minMs})`, maxMs);
    if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1))
      throw optionError(`${at} backoff.jitter`, 'must be a number from 0 to 1', jitter);
    backoff = { minMs, maxMs, jitter };
  }
  const { groupRestart = 'running', escalation = 'error' } = raw;
  if (!GROUP_RESTARTS.includes(groupRestart)) throw optionError(`${at} groupRestart`, `must be ${quoteAll(GROUP_RESTARTS)}`, groupRestart);
  if (!ESCALATIONS.includes(escalation)) throw optionError(`${at} escalation`, `must be ${quoteAll(ESCALATIONS)}`, escalation);
  const { autoShutdown = 'never' } = raw;
  if (!AUTO_SHUTDOWNS.includes(autoShutdown)) throw optionError(`${at} autoShutdown`, `must be ${quoteAll(AUTO_SHUTDOWNS)}`, autoShutdown);
  const children = validateChildSpecs(raw.children, 'children', autoShutdown);
  return { name, via, strategy, maxRestarts, maxSeconds, backoff, groupRestart, escalation, autoShutdown, children };
}

/**
 * `ERR_DUPLICATE_CHILD_ID` from `startChild`: `ref` is the running child's when the id is already
 * started (OTP's `{error, {already_started, Pid}}`), `undefined` when the id is only present
 * (terminated or restarting, OTP's `already_present`). Not enumerable, so logging the error does
 * not dump the actor.
 *
 * @example
 * const ref = await sup.startChild(spec).catch((error) => {
 *   if (error instanceof DuplicateChildError && error.ref) return error.ref; // reuse the running one
 *   throw error;
 * });
 */
export class DuplicateChildError extends ThunderlineError {
  declare readonly ref: AnyActorRef | undefined;

  constructor(message: string, ref: AnyActorRef | undefined) {
    super('ERR_DUPLICATE_CHILD_ID', message);
    Object.defineProperty(this, 'ref', { value: ref, enumerable: false });
  }
}
