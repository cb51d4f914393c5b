/**
 * Shared helpers of the kernel tests: a fresh system on a ManualClock per test, a test worker
 * with a log, and one event-driven wait (`nextEvent`) instead of sleeps.
 *
 * @example
 * const restarted = nextEvent(context.system, (e) => e.type === 'child_restarted' && e.child === 'b');
 * crashChild(sup, 'b');
 * await restarted;
 */
import type { ActorRef } from '../../../src/actor/actor-ref.ts';
import { spawnActor } from '../../../src/actor/actor-ref.ts';
import { type ActorSystem, createActorSystem } from '../../../src/actor/actor-system.ts';
import type { Behaviour, ExitSignal } from '../../../src/actor/behaviour.ts';
import { ManualClock } from '../../../src/clock.ts';
import { ThunderlineError } from '../../../src/errors.ts';
import type { SupervisorEvent, ThunderlineEvent } from '../../../src/events.ts';
import { ALL_TOPICS } from '../../../src/pubsub/index.ts';
import type { ChildSpec, RestartType, ShutdownValue, SupervisorOptions } from '../../../src/supervisor/spec.ts';
import { SupervisorRef, startSupervisor } from '../../../src/supervisor/supervisor-ref.ts';
import { within } from '../../support/within.ts';

/** What every kernel test gets from `before.each`. */
export interface KernelContext {
  system: ActorSystem;
  clock: ManualClock;
  /** Supervisor events in publish order. */
  events: SupervisorEvent[];
  /** Everything else a test wants to record (starts, inits, terminates), in order. */
  log: string[];
  /** Supervisors to kill in `after.each`. */
  supervisors: SupervisorRef[];
}

/** The context's initial value; `setUp` fills it in. */
export function emptyContext(): KernelContext {
  return { system: undefined as unknown as ActorSystem, clock: new ManualClock(), events: [], log: [], supervisors: [] };
}

/** A fresh system on a fresh ManualClock, recording every supervisor event. */
export function setUp(context: KernelContext): void {
  context.clock = new ManualClock();
  context.system = createActorSystem({ clock: context.clock });
  context.events = [];
  context.log = [];
  context.supervisors = [];
  context.system.pubsub.subscribe(ALL_TOPICS, (event) => {
    if (isSupervisorEvent(event)) context.events.push(event);
  });
}

/**
 * Kills every supervisor the test kept (children are linked, so the whole tree goes, and a
 * child stuck in `terminate` cannot hang the run), then stops the nact system.
 */
export function tearDown(context: KernelContext): void {
  for (const sup of context.supervisors) sup.kill('test over');
  context.system.stop();
}

function isSupervisorEvent(event: ThunderlineEvent): event is SupervisorEvent {
  return (
    event.type === 'child_started' ||
    event.type === 'child_exited' ||
    event.type === 'child_restarted' ||
    event.type === 'supervisor_escalated'
  );
}

/**
 * Resolves with the first event published after the call that matches `predicate`. Subscribe
 * before triggering what publishes it. A real-time guard rejects (instead of hanging the run)
 * if the event never comes; it never paces a passing test.
 */
export function nextEvent(system: ActorSystem, predicate: (event: ThunderlineEvent) => boolean, what = 'event'): Promise<ThunderlineEvent> {
  const awaited = new Promise<ThunderlineEvent>((resolve, reject) => {
    const guard = setTimeout(() => {
      off();
      reject(new Error(`no ${what} was published`));
    }, 2000);
    const off = system.pubsub.subscribe(ALL_TOPICS, (event) => {
      if (!predicate(event)) return;
      clearTimeout(guard);
      off();
      resolve(event);
    });
  });
  // A test that fails before awaiting must not turn the guard into an unhandled rejection.
  awaited.catch(() => undefined);
  return awaited;
}

/** `nextEvent` for a supervisor event of `type` about `child`. */
export function nextSupervisorEvent(system: ActorSystem, type: SupervisorEvent['type'], child: string): Promise<ThunderlineEvent> {
  return nextEvent(system, (event) => event.type === type && (event as SupervisorEvent).child === child, `${type} for "${child}"`);
}

/**
 * One round trip through the supervisor's mailbox: resolves after every message queued before
 * it (a child exit, a restart) has been handled. `deleteChild` of an unknown id is a no-op.
 */
export async function barrier(sup: SupervisorRef): Promise<void> {
  await sup.deleteChild('__barrier__').catch(() => undefined);
}

/** The messages of the test worker. */
export type WorkerMsg = { type: 'ping' } | { type: 'crash'; reason: unknown } | { type: 'hang' } | { type: 'exit'; reason: unknown };

/** Options of {@link workerSpec}. */
export interface WorkerOptions {
  restart?: RestartType;
  shutdown?: ShutdownValue;
  /** Appends `init:<id>` / `terminate:<id>` entries. */
  log?: string[];
  /** Microtask turns `terminate` awaits before it returns (to expose parallel shutdowns). */
  terminateTurns?: number;
  /** A terminate that never resolves. */
  terminateHangs?: boolean;
  /** `terminate` waits for this promise (e.g. one the test resolves by hand). */
  terminateGate?: Promise<unknown>;
  /** Called when terminate starts. */
  onTerminate?: () => void;
  /** Before each start: return an error to make that start reject with it. */
  failStart?: () => unknown;
}

async function turns(count: number): Promise<void> {
  for (let index = 0; index < count; index += 1) await Promise.resolve();
}

/** The test worker: answers `ping` with its id, throws on `crash`, never replies to `hang`. */
export function workerBehaviour(id: string, options: WorkerOptions = {}): Behaviour<string, WorkerMsg> {
  const behaviour: Behaviour<string, WorkerMsg> = {
    name: id,
    async init() {
      options.log?.push(`init:${id}`);
      await turns(3);
      options.log?.push(`init-done:${id}`);
      return id;
    },
    handle(state, message, ctx) {
      switch (message.type) {
        case 'ping':
          ctx.reply(state);
          return state;
        case 'crash':
          throw message.reason;
        case 'hang':
          return state;
        case 'exit':
          void ctx.self.stop(message.reason);
          return state;
        default: {
          const unreachable: never = message;
          throw new Error(`unknown ${String(unreachable)}`);
        }
      }
    },
  };
  if (options.log || options.terminateTurns || options.terminateHangs || options.terminateGate || options.onTerminate) {
    behaviour.terminate = async () => {
      options.log?.push(`terminate:${id}`);
      options.onTerminate?.();
      if (options.terminateHangs) await new Promise(() => undefined);
      if (options.terminateGate) await options.terminateGate;
      await turns(options.terminateTurns ?? 0);
      options.log?.push(`terminated:${id}`);
    };
  }
  return behaviour;
}

/** A child spec starting the test worker under `id`. */
export function workerSpec(id: string, options: WorkerOptions = {}): ChildSpec {
  const spec: ChildSpec = {
    id,
    start: async ({ system }) => {
      const failure = options.failStart?.();
      if (failure !== undefined) throw failure;
      return spawnActor(system, workerBehaviour(id, options), undefined, { name: id });
    },
  };
  if (options.restart) spec.restart = options.restart;
  if (options.shutdown !== undefined) spec.shutdown = options.shutdown;
  return spec;
}

/** The running ref of child `id`, typed as a test worker. */
export function childRef(sup: SupervisorRef, id: string): ActorRef<WorkerMsg> {
  const row = sup.whichChildren().find((child) => child.id === id);
  if (!row?.ref) throw new Error(`child "${id}" is not running`);
  return row.ref as unknown as ActorRef<WorkerMsg>;
}

/** Makes child `id`'s handler throw `reason`. */
export function crashChild(sup: SupervisorRef, id: string, reason: unknown = new Error(`${id} crashed`)): ActorRef<WorkerMsg> {
  const ref = childRef(sup, id);
  ref.cast({ type: 'crash', reason });
  return ref;
}

/** Crashes child `id` and resolves once the supervisor has restarted it. */
export async function crashAndAwaitRestart(context: KernelContext, sup: SupervisorRef, id: string): Promise<void> {
  const restarted = nextSupervisorEvent(context.system, 'child_restarted', id);
  crashChild(sup, id);
  await restarted;
}

/** The ids of the events of `type`, in publish order. */
export function childrenOf(events: readonly SupervisorEvent[], type: SupervisorEvent['type'], supervisor?: string): string[] {
  return events
    .filter((event) => event.type === type && (supervisor === undefined || event.supervisor === supervisor))
    .map((event) => event.child);
}

/** Runs `fn` and returns the ThunderlineError it rejects with; fails on anything else. */
export async function rejection(fn: () => Promise<unknown>): Promise<ThunderlineError> {
  try {
    await bounded(fn(), 'the rejection');
  } catch (error) {
    if (error instanceof ThunderlineError) return error;
    throw new Error(`expected a ThunderlineError, got ${String(error)}`);
  }
  throw new Error('expected a rejection, got a resolution');
}

/** Ids of the child refs, to compare before and after a restart. */
export function refIds(sup: SupervisorRef): Record<string, string | undefined> {
  return Object.fromEntries(sup.whichChildren().map((child) => [child.id, child.ref?.id]));
}

/** Starts a supervisor that `tearDown` will kill. */
export async function startKept(context: KernelContext, options: SupervisorOptions): Promise<SupervisorRef> {
  const sup = await startSupervisor(context.system, options);
  context.supervisors.push(sup);
  return sup;
}

/** The nested supervisor running as child `id` of `sup`. */
export function nestedSupervisor(sup: SupervisorRef, id: string): SupervisorRef {
  const row = sup.whichChildren().find((child) => child.id === id);
  if (!(row?.ref instanceof SupervisorRef)) throw new Error(`child "${id}" is not a running supervisor`);
  return row.ref;
}

/**
 * Marks a promise the test awaits further down, so that an assertion failing before that
 * `await` (and the teardown that follows) cannot turn it into an unhandled rejection.
 */
export function later<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/** Rejects instead of hanging when `promise` does not settle (see test/support/within.ts). */
export function bounded<T>(promise: Promise<T>, what: string, guardMs = 2000): Promise<T> {
  return within(promise, what, guardMs);
}

/** The exit signal of `ref`, bounded. */
export function exitOf(ref: { name: string; whenExited(): Promise<ExitSignal> }): Promise<ExitSignal> {
  return bounded(ref.whenExited(), `the exit of "${ref.name}"`);
}
