/**
 * Starting supervisors and talking to them: {@link startSupervisor}, {@link supervisorSpec} for
 * nesting, and the {@link SupervisorRef} with OTP's dynamic-children API.
 *
 * @example
 * const app = await startSupervisor(system, { name: 'app', strategy: 'rest_for_one', children: [db, cache] });
 * await app.startChild({ id: 'worker', start: startWorker });
 * app.whichChildren();
 * (await app.getChildSpec('worker')).shutdown; // 5000
 * await app.stop();
 */
import type { ActorRef } from '../actor/actor-ref.ts';
import { ActorCell } from '../actor/actor-ref.ts';
import type { ActorSystem } from '../actor/actor-system.ts';
import { ThunderlineError } from '../errors.ts';
import { DelegatingRef } from './delegating-ref.ts';
import { engineBehaviour } from './engine-behaviour.ts';
import { nestedSupervisorSpec, type SlotOptions } from './nested-spec.ts';
import { fail, failWith, type Outcome, request } from './outcome.ts';
import {
  type AnyActorRef,
  type ChildSpec,
  type NormalizedChildSpec,
  type SupervisorOptions,
  validateChildSpec,
  validateSupervisorOptions,
} from './spec.ts';
import { buildTree, type SupervisorTree } from './tree.ts';

export type { SupervisorKind, SupervisorTree, SupervisorTreeChild } from './tree.ts';

import { type ChildInfo, type ChildRecord, type RestartBudget, type SupervisorControlMsg, SupervisorEngine } from './supervisor.ts';

/** The requests a supervisor answers (its `SupervisorRef` methods send them). */
export type SupervisorRequest =
  | { type: 'start_child'; spec: ChildSpec }
  | { type: 'terminate_child'; id: string }
  | { type: 'restart_child'; id: string }
  | { type: 'delete_child'; id: string };

/** Every message a supervisor handles. */
export type SupervisorMsg = SupervisorControlMsg | SupervisorRequest;

/** Counts as OTP's `count_children/1` gives them. */
export interface ChildCounts {
  specs: number;
  active: number;
  supervisors: number;
  workers: number;
}

/** Every supervisor's behaviour: all per-supervisor state lives in its engine (the init argument). */
const supervisorBehaviour = engineBehaviour<SupervisorEngine, SupervisorControlMsg, SupervisorRequest>('supervisor', answer, (engine) =>
  engine.startAll(),
);

async function answer(engine: SupervisorEngine, message: SupervisorRequest): Promise<Outcome> {
  switch (message.type) {
    case 'start_child':
      return startChild(engine, message.spec);
    case 'terminate_child': {
      const record = engine.byId.get(message.id);
      if (!record) return notFound(engine, message.id);
      await engine.terminateChild(record);
      return { ok: true, value: undefined };
    }
    case 'restart_child':
      return restartChild(engine, message.id);
    case 'delete_child': {
      const record = engine.byId.get(message.id);
      if (!record) return notFound(engine, message.id);
      if (record.status !== 'terminated') return busyOutcome(engine, message.id, record.status);
      engine.remove(record);
      return { ok: true, value: undefined };
    }
    default: {
      const unreachable: never = message;
      throw new Error(`supervisor "${engine.name}": unknown message ${JSON.stringify(unreachable)}`);
    }
  }
}

function notFound(engine: SupervisorEngine, id: string): Outcome {
  return fail('ERR_CHILD_NOT_FOUND', `supervisor "${engine.name}" has no child "${id}"`);
}

function busyOutcome(engine: SupervisorEngine, id: string, status: 'running' | 'restarting'): Outcome {
  return status === 'running'
    ? fail('ERR_CHILD_RUNNING', `supervisor "${engine.name}": child "${id}" is running; terminate it first`)
    : fail('ERR_CHILD_RESTARTING', `supervisor "${engine.name}": child "${id}" is restarting; terminate it first`);
}

async function startChild(engine: SupervisorEngine, raw: ChildSpec): Promise<Outcome> {
  let spec: ReturnType<typeof validateChildSpec>;
  try {
    spec = validateChildSpec(raw, `supervisor "${engine.name}": child spec`, engine.options.autoShutdown);
  } catch (error) {
    return failWith(error as ThunderlineError);
  }
  const existing = engine.byId.get(spec.id);
  if (existing) {
    // OTP's {already_started, Pid} carries the running child; already_present carries nothing.
    const running = existing.status === 'running' ? existing.ref : undefined;
    const state = running ? 'already started' : 'already present';
    return {
      ok: false,
      code: 'ERR_DUPLICATE_CHILD_ID',
      message: `supervisor "${engine.name}": child "${spec.id}" is ${state}`,
      ref: running,
    };
  }
  const record = engine.add(spec);
  try {
    return { ok: true, value: await engine.startAdded(record) };
  } catch (error) {
    engine.remove(record);
    return failWith(engine.startError(spec.id, error));
  }
}

async function restartChild(engine: SupervisorEngine, id: string): Promise<Outcome> {
  const record = engine.byId.get(id);
  if (!record) return notFound(engine, id);
  if (record.status !== 'terminated') return busyOutcome(engine, id, record.status);
  try {
    return { ok: true, value: await engine.startRecord(record, false) };
  } catch (error) {
    return failWith(engine.startError(id, error));
  }
}

/** A running supervisor: an actor ref (stopping it stops its children in reverse order) plus OTP's supervisor API. */
export class SupervisorRef extends DelegatingRef<SupervisorMsg> {
  /** @internal */
  constructor(
    actor: ActorRef<SupervisorMsg>,
    private readonly engine: SupervisorEngine,
  ) {
    super(actor);
  }

  get name(): string {
    return this.engine.name;
  }

  private request(message: SupervisorMsg): Promise<unknown> {
    return request(this.actor, message);
  }

  private find(id: string): ChildRecord {
    const record = this.engine.byId.get(id);
    if (!record) throw new ThunderlineError('ERR_CHILD_NOT_FOUND', `supervisor "${this.engine.name}" has no child "${id}"`);
    return record;
  }

  /**
   * Adds and starts a child; resolves with its ref, or `undefined` when its `start` answered
   * `IGNORE` (OTP's `{ok, undefined}`: the spec is kept, not running, unless the child is
   * temporary). Rejects with `ERR_DUPLICATE_CHILD_ID` (a {@link DuplicateChildError}, whose `ref` is
   * the running child when the id is already started), `ERR_INVALID_CHILD_SPEC` or
   * `ERR_CHILD_START_FAILED`.
   */
  async startChild(spec: ChildSpec): Promise<AnyActorRef | undefined> {
    return (await this.request({ type: 'start_child', spec })) as AnyActorRef | undefined;
  }
  /** Stops a child and keeps its spec (a temporary child's spec goes). Rejects with `ERR_CHILD_NOT_FOUND`. */
  async terminateChild(id: string): Promise<void> {
    await this.request({ type: 'terminate_child', id });
  }
  /**
   * Starts a terminated child again; resolves with its ref, or `undefined` when its `start`
   * answered `IGNORE` (it stays `terminated`). Rejects with `ERR_CHILD_NOT_FOUND`,
   * `ERR_CHILD_RUNNING`, `ERR_CHILD_RESTARTING` or `ERR_CHILD_START_FAILED`.
   */
  async restartChild(id: string): Promise<AnyActorRef | undefined> {
    return (await this.request({ type: 'restart_child', id })) as AnyActorRef | undefined;
  }
  /** Removes a terminated child's spec. Rejects with `ERR_CHILD_NOT_FOUND`, `ERR_CHILD_RUNNING` or `ERR_CHILD_RESTARTING`. */
  async deleteChild(id: string): Promise<void> {
    await this.request({ type: 'delete_child', id });
  }
  /** Every child in start order, as the supervisor sees it now. */
  whichChildren(): ChildInfo[] {
    return this.engine.children.map((record) => this.engine.info(record));
  }
  /**
   * One child's row, as in {@link whichChildren} (OTP's `which_child/2`). Like every read, it is
   * the state as of the last handled message; rejects with `ERR_CHILD_NOT_FOUND`.
   *
   * @example
   * const { status, ref } = await sup.whichChild('worker');
   */
  async whichChild(id: string): Promise<ChildInfo> {
    return this.engine.info(this.find(id));
  }
  /**
   * The child's spec with every default filled in (OTP's `get_childspec/2`), a copy; rejects with
   * `ERR_CHILD_NOT_FOUND`.
   *
   * @example
   * const spec = await sup.getChildSpec('worker'); // { id, start, restart: 'permanent', significant: false, shutdown: 5000, type: 'worker' }
   * await sup.startChild({ ...spec, id: 'worker-2' });
   */
  async getChildSpec(id: string): Promise<NormalizedChildSpec> {
    return { ...this.find(id).spec };
  }
  /** Counts of specs, running children, supervisors and workers. */
  countChildren(): ChildCounts {
    const children = this.engine.children;
    const supervisors = children.filter((record) => record.spec.type === 'supervisor').length;
    const active = children.filter((record) => record.status === 'running').length;
    return { specs: children.length, active, supervisors, workers: children.length - supervisors };
  }
  /** Restarts in the intensity window against `maxRestarts`, readable at any time. */
  restartBudget(): RestartBudget {
    return this.engine.budget();
  }
  /** This supervisor and every nested one, with each child's status and restart count. */
  tree(): SupervisorTree {
    const head = { self: this, name: this.engine.name, kind: 'supervisor' as const, strategy: this.engine.options.strategy };
    return buildTree({ ...head, budget: this.engine.budget() }, this.whichChildren());
  }
}

/**
 * Starts a supervisor and, in order, its children. Rejects with `ERR_INVALID_CHILD_SPEC` /
 * `ERR_INVALID_SUPERVISOR_OPTIONS` before starting anything, with the registrar's error
 * (`ERR_ALREADY_REGISTERED`) when its via name is taken, or with `ERR_CHILD_START_FAILED`
 * (naming the child and the cause) after stopping the children already started.
 *
 * @example
 * const app = await startSupervisor(system, { name: via(supervisors, 'app'), children: [worker] });
 */
export function startSupervisor(system: ActorSystem, options: SupervisorOptions): Promise<SupervisorRef> {
  try {
    return createSupervisor(system, options).started;
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Creates a supervisor and returns its ref at once, before its children have started; `started`
 * settles as {@link startSupervisor} does. Messages sent to the ref meanwhile wait behind the
 * start, in its mailbox. Throws at once for invalid options, and with the registrar's error
 * (`ERR_ALREADY_REGISTERED`) when a via name is taken: nothing is started then.
 */
export function createSupervisor(system: ActorSystem, options: SupervisorOptions): { ref: SupervisorRef; started: Promise<SupervisorRef> } {
  const normalized = validateSupervisorOptions(options);
  const cell = new ActorCell<SupervisorEngine, SupervisorMsg, SupervisorEngine>(system, supervisorBehaviour, normalized.name);
  const engine = new SupervisorEngine(normalized, system, cell);
  const ref = new SupervisorRef(cell, engine);
  cell.facade = ref;
  // Like spawnActor's via name: taken before the supervisor's init, so before any child starts;
  // the registrar drops the entry when the supervisor exits.
  const { via } = normalized;
  if (via) via.via.registerName(via.key, ref, via.value);
  return { ref, started: cell.start(engine).then(() => ref) };
}

/**
 * A child spec that starts a nested supervisor (type `'supervisor'`, shutdown `'infinity'`),
 * named `id` unless `options.name` says otherwise (a string, or `via(registry, key)`: registered
 * again each time its parent restarts it). `restart` and `significant` are the nested
 * supervisor's slot in its parent; the other options are its own.
 *
 * @example
 * supervisorSpec('session', { restart: 'transient', significant: true, autoShutdown: 'any_significant', children });
 * supervisorSpec('jobs', { name: via(supervisors, 'jobs'), children: [queue, runner] });
 */
export function supervisorSpec(id: string, options: SupervisorOptions & SlotOptions = {}): ChildSpec {
  return nestedSupervisorSpec(id, options, startSupervisor);
}
