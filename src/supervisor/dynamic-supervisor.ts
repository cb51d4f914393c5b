/**
 * Dynamic supervisors (Elixir's `DynamicSupervisor`): a supervisor that starts with no children
 * and starts each one on request with {@link DynamicSupervisorRef.startChild}, knows them by
 * actor ref (no ids), restarts them one_for_one within the restart intensity, refuses more than
 * `maxChildren`, hands every start its `extraArguments`, and at its own stop shuts every child
 * down at once. {@link dynamicSupervisorSpec} nests one in a {@link startSupervisor} tree.
 *
 * @example
 * const rooms = await startDynamicSupervisor(system, { name: 'rooms', maxChildren: 1000 });
 * const room = await rooms.startChild({ start: ({ system }) => spawnActor(system, roomBehaviour, undefined) });
 * rooms.countChildren(); // { specs: 1, active: 1, supervisors: 0, workers: 1 }
 * await rooms.terminateChild(room);
 */
import type { ActorRef } from '../actor/actor-ref.ts';
import { ActorCell } from '../actor/actor-ref.ts';
import type { ActorSystem } from '../actor/actor-system.ts';
import type { ViaName } from '../actor/naming.ts';
import { describeValue, ThunderlineError } from '../errors.ts';
import { DelegatingRef } from './delegating-ref.ts';
import { type DynamicControlMsg, DynamicEngine, type NormalizedDynamicOptions, SupervisorGone } from './dynamic-engine.ts';
import { engineBehaviour } from './engine-behaviour.ts';
import { nestedSupervisorSpec } from './nested-spec.ts';
import { checkOptionNames, optionError } from './options.ts';
import { fail, failWith, type Outcome, request } from './outcome.ts';
import { type AnyActorRef, type BackoffOptions, type ChildSpec, validateChildSpec, validateSupervisorOptions } from './spec.ts';
import type { ChildInfo, RestartBudget } from './supervisor.ts';
import type { ChildCounts } from './supervisor-ref.ts';
import { buildTree, type SupervisorKind, type SupervisorTree } from './tree.ts';

/**
 * A child spec for a dynamic supervisor: `id` is optional and only passed on to `start`.
 *
 * @example
 * const spec: DynamicChildSpec = { restart: 'transient', start: ({ system }) => spawnActor(system, room, undefined) };
 */
export type DynamicChildSpec = Omit<ChildSpec, 'id'> & { id?: string };

/**
 * The requests a dynamic supervisor answers (its `DynamicSupervisorRef` methods send them).
 *
 * @example
 * const outcome = await sup.call({ type: 'terminate_child', ref }, Number.POSITIVE_INFINITY);
 */
export type DynamicSupervisorRequest = { type: 'start_child'; spec: DynamicChildSpec } | { type: 'terminate_child'; ref: ActorRef<never> };

/**
 * Every message a dynamic supervisor handles.
 *
 * @example
 * const message: DynamicSupervisorMsg = { type: 'start_child', spec };
 */
export type DynamicSupervisorMsg = DynamicControlMsg | DynamicSupervisorRequest;

/**
 * Options of {@link startDynamicSupervisor}.
 *
 * @example
 * const options: DynamicSupervisorOptions = { name: 'rooms', maxChildren: 1000, extraArguments: [config] };
 */
export interface DynamicSupervisorOptions {
  /** Name used in events and errors (default `'dynamic_supervisor'`), or a via name to register it under. */
  name?: string | ViaName;
  /** Restarts allowed within `maxSeconds`; one more and the supervisor gives up. Default 3. */
  maxRestarts?: number;
  /** The intensity window, seconds. Default 5. */
  maxSeconds?: number;
  /** Children (running or restarting) allowed at once; `startChild` beyond it rejects `ERR_MAX_CHILDREN`. Default unlimited. */
  maxChildren?: number;
  /** Passed to every child's `start` as `StartContext.args` (Elixir's `extra_arguments`). Default `[]`. */
  extraArguments?: readonly unknown[];
  /** Delay restarts, doubling from `minMs` to `maxMs` (as in `SupervisorOptions.backoff`). */
  backoff?: BackoffOptions;
}

/**
 * The `id` a child spec without one passes to its `start`.
 *
 * @example
 * await sup.startChild({ start: ({ id }) => (id === DEFAULT_DYNAMIC_CHILD_ID ? startAnonymous() : startNamed(id)) });
 */
export const DEFAULT_DYNAMIC_CHILD_ID = 'dynamic_child';

const dynamicBehaviour = engineBehaviour<DynamicEngine, DynamicControlMsg, DynamicSupervisorRequest>('dynamic_supervisor', answer);

async function answer(engine: DynamicEngine, message: DynamicSupervisorRequest): Promise<Outcome> {
  switch (message.type) {
    case 'start_child':
      return startChild(engine, message.spec);
    case 'terminate_child': {
      const child = engine.children.get(message.ref);
      if (!child) return fail('ERR_CHILD_NOT_FOUND', `supervisor "${engine.name}" has no child ${describeChild(message.ref)}`);
      await engine.terminateChild(child);
      return { ok: true, value: undefined };
    }
    default: {
      const unreachable: never = message;
      throw new Error(`supervisor "${engine.name}": unknown message ${JSON.stringify(unreachable)}`);
    }
  }
}

function describeChild(ref: unknown): string {
  const id = (ref as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? `"${id}"` : describeValue(ref);
}

async function startChild(engine: DynamicEngine, raw: DynamicChildSpec): Promise<Outcome> {
  let spec: ReturnType<typeof validateChildSpec>;
  try {
    const path = `supervisor "${engine.name}": child spec`;
    const given = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : undefined;
    if (given?.significant !== undefined && given.significant !== false) {
      // Elixir's {:invalid_significant, true}: nothing to shut a dynamic supervisor down for.
      throw new ThunderlineError(
        'ERR_INVALID_CHILD_SPEC',
        `${path}.significant must be false (a dynamic supervisor has no significant children), got ${describeValue(given.significant)}`,
      );
    }
    spec = validateChildSpec(given && given.id === undefined ? { ...given, id: DEFAULT_DYNAMIC_CHILD_ID } : raw, path);
  } catch (error) {
    return failWith(error as ThunderlineError);
  }
  const { maxChildren } = engine.options;
  if (engine.children.size >= maxChildren) {
    return fail('ERR_MAX_CHILDREN', `supervisor "${engine.name}" already has maxChildren (${maxChildren}) children; none started`);
  }
  try {
    return { ok: true, value: await engine.start(spec) };
  } catch (error) {
    if (error instanceof SupervisorGone) throw error;
    return failWith(engine.startError(spec.id, error));
  }
}

/**
 * A running dynamic supervisor: an actor ref plus Elixir's `DynamicSupervisor` API.
 *
 * @example
 * const sup: DynamicSupervisorRef = await startDynamicSupervisor(system, { name: 'rooms' });
 * const monitorRef = monitor(watcher, sup); // monitors and links work on it like on any actor
 */
export class DynamicSupervisorRef extends DelegatingRef<DynamicSupervisorMsg> {
  /** @internal */
  constructor(
    actor: ActorRef<DynamicSupervisorMsg>,
    private readonly engine: DynamicEngine,
  ) {
    super(actor);
  }

  get name(): string {
    return this.engine.name;
  }

  private request(message: DynamicSupervisorMsg): Promise<unknown> {
    return request(this.actor, message);
  }

  /**
   * Starts a child from `spec` (its `id` is optional; its `start` gets `args` = `extraArguments`)
   * and resolves with its ref, or `undefined` when `start` answered `IGNORE` (nothing is kept).
   * Rejects with `ERR_INVALID_CHILD_SPEC`, `ERR_MAX_CHILDREN` or
   * `ERR_CHILD_START_FAILED` (the cause is what `start` threw).
   *
   * @example
   * const worker = await sup.startChild({ start: ({ system, args }) => spawnActor(system, behaviour, args[0]) });
   */
  async startChild(spec: DynamicChildSpec): Promise<AnyActorRef | undefined> {
    return (await this.request({ type: 'start_child', spec })) as AnyActorRef | undefined;
  }

  /**
   * Stops the child `ref` within its `shutdown` (or cancels its pending restart) and forgets it.
   * Rejects with `ERR_CHILD_NOT_FOUND` for a ref this supervisor does not supervise.
   *
   * @example
   * await sup.terminateChild(worker);
   */
  async terminateChild(ref: ActorRef<never>): Promise<void> {
    await this.request({ type: 'terminate_child', ref });
  }

  /**
   * Every child as the supervisor sees it now; `id` is the child's actor id (a restarting child
   * shows the one that exited, and `ref` undefined).
   *
   * @example
   * sup.whichChildren().map((child) => child.status); // ['running', 'restarting']
   */
  whichChildren(): ChildInfo[] {
    return [...this.engine.children.values()].map((child) => this.engine.info(child));
  }

  /**
   * Counts as Elixir's `count_children/1`: `specs` every child, `active` the running ones.
   *
   * @example
   * sup.countChildren(); // { specs: 2, active: 1, supervisors: 0, workers: 2 }
   */
  countChildren(): ChildCounts {
    let active = 0;
    let supervisors = 0;
    for (const child of this.engine.children.values()) {
      if (child.status === 'running') active += 1;
      if (child.spec.type === 'supervisor') supervisors += 1;
    }
    const specs = this.engine.children.size;
    return { specs, active, supervisors, workers: specs - supervisors };
  }

  /**
   * Restarts in the intensity window against `maxRestarts`.
   *
   * @example
   * sup.restartBudget(); // { restarts: 1, maxRestarts: 3, maxSeconds: 5 }
   */
  restartBudget(): RestartBudget {
    return this.engine.budget();
  }

  /**
   * This supervisor and its subtree in the shape of `SupervisorRef.tree()` (strategy
   * `one_for_one`, children named by actor id), for the dashboard.
   *
   * @example
   * sup.tree().children.map((child) => child.actor); // ['worker#12', 'worker#13']
   */
  tree(): SupervisorTree {
    const head = { self: this, name: this.engine.name, kind: this.kind, strategy: 'one_for_one' as const };
    return buildTree({ ...head, budget: this.engine.budget() }, this.whichChildren());
  }

  /** @internal what {@link tree} calls this supervisor: a task supervisor's says `'task'` */
  kind: SupervisorKind = 'dynamic';
}

/**
 * The options a dynamic supervisor takes, in the order an unknown option's error lists them.
 *
 * @example
 * DYNAMIC_SUPERVISOR_OPTIONS.includes('maxChildren'); // true
 */
export const DYNAMIC_SUPERVISOR_OPTIONS: readonly (keyof DynamicSupervisorOptions)[] = [
  'name',
  'maxRestarts',
  'maxSeconds',
  'maxChildren',
  'extraArguments',
  'backoff',
];

/**
 * Validates dynamic supervisor options (the shared ones as `validateSupervisorOptions` does) and
 * fills in defaults; throws `ERR_INVALID_SUPERVISOR_OPTIONS`, also for an option not in
 * `optionNames` (a task supervisor takes fewer).
 *
 * @example
 * validateDynamicSupervisorOptions({ maxChildren: -1 }); // throws: supervisor "dynamic_supervisor": maxChildren must be ...
 */
export function validateDynamicSupervisorOptions(
  raw: DynamicSupervisorOptions,
  optionNames: readonly string[] = DYNAMIC_SUPERVISOR_OPTIONS,
): NormalizedDynamicOptions {
  if (typeof raw !== 'object' || raw === null) throw optionError('dynamic supervisor options', 'must be an object', raw);
  const {
    name = 'dynamic_supervisor',
    maxRestarts,
    maxSeconds,
    backoff,
    maxChildren = Number.POSITIVE_INFINITY,
    extraArguments = [],
  } = raw;
  const base = validateSupervisorOptions({ name, maxRestarts, maxSeconds, backoff });
  const at = `supervisor "${base.name}":`;
  checkOptionNames(raw, optionNames, at, 'ERR_INVALID_SUPERVISOR_OPTIONS');
  if (maxChildren !== Number.POSITIVE_INFINITY && !(Number.isInteger(maxChildren) && maxChildren >= 0)) {
    throw optionError(`${at} maxChildren`, 'must be an integer >= 0 or Infinity', maxChildren);
  }
  if (!Array.isArray(extraArguments)) throw optionError(`${at} extraArguments`, 'must be an array', extraArguments);
  return {
    name: base.name,
    via: base.via,
    maxRestarts: base.maxRestarts,
    maxSeconds: base.maxSeconds,
    backoff: base.backoff,
    maxChildren,
    extraArguments: Object.freeze([...extraArguments]),
  };
}

/**
 * Creates a dynamic supervisor and returns its ref at once; `started` resolves once it runs.
 * Throws `ERR_INVALID_SUPERVISOR_OPTIONS` for bad options, or what the registry throws for a via
 * name that is taken (`ERR_ALREADY_REGISTERED`). `wrap` (for a task supervisor) builds the ref
 * that monitors, links and a via name see instead of the dynamic supervisor's own.
 *
 * @example
 * const { ref, started } = createDynamicSupervisor(system, { name: 'rooms' });
 */
export function createDynamicSupervisor(
  system: ActorSystem,
  options: DynamicSupervisorOptions = {},
  wrap?: (ref: DynamicSupervisorRef) => ActorRef<never>,
): { ref: DynamicSupervisorRef; started: Promise<DynamicSupervisorRef> } {
  return spawnDynamicSupervisor(system, validateDynamicSupervisorOptions(options), wrap);
}

/**
 * @internal {@link createDynamicSupervisor} with options already validated (a task supervisor
 * validates its own, fewer, option names).
 *
 * @example
 * const { ref, started } = spawnDynamicSupervisor(system, validateDynamicSupervisorOptions({ name: 'rooms' }));
 */
export function spawnDynamicSupervisor(
  system: ActorSystem,
  normalized: NormalizedDynamicOptions,
  wrap?: (ref: DynamicSupervisorRef) => ActorRef<never>,
): { ref: DynamicSupervisorRef; started: Promise<DynamicSupervisorRef> } {
  const cell = new ActorCell<DynamicEngine, DynamicSupervisorMsg, DynamicEngine>(system, dynamicBehaviour, normalized.name);
  const engine = new DynamicEngine(normalized, system, cell);
  const ref = new DynamicSupervisorRef(cell, engine);
  const facade = wrap ? wrap(ref) : ref;
  cell.facade = facade;
  // Like spawnActor's via names: taken before the supervisor starts, so a taken name starts nothing.
  const { via } = normalized;
  if (via) via.via.registerName(via.key, facade, via.value);
  return { ref, started: cell.start(engine).then(() => ref) };
}

/**
 * Starts a dynamic supervisor with no children. Rejects with `ERR_INVALID_SUPERVISOR_OPTIONS`
 * (name, maxRestarts, maxSeconds, backoff as for `startSupervisor`; `maxChildren` an integer
 * `>= 0` or `Infinity`; `extraArguments` an array).
 *
 * @example
 * const sup = await startDynamicSupervisor(system, { name: 'jobs', maxChildren: 10, extraArguments: [config] });
 */
export function startDynamicSupervisor(system: ActorSystem, options: DynamicSupervisorOptions = {}): Promise<DynamicSupervisorRef> {
  try {
    return createDynamicSupervisor(system, options).started;
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * A child spec that starts a dynamic supervisor under a `startSupervisor` tree (type
 * `'supervisor'`, shutdown `'infinity'`); it is named `id` unless `options.name` says otherwise.
 *
 * @example
 * await startSupervisor(system, { name: 'app', children: [dynamicSupervisorSpec('rooms', { maxChildren: 100 })] });
 */
export function dynamicSupervisorSpec(id: string, options: DynamicSupervisorOptions & { restart?: ChildSpec['restart'] } = {}): ChildSpec {
  return nestedSupervisorSpec(id, options, startDynamicSupervisor);
}
