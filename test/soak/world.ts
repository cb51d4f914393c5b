/**
 * One soak session's world: the temp directory and SQLite file, the runtime now running on it
 * (booted again after each stop, escalation or process kill), the gates, and what every run
 * published (the history rows it must have written). Settling: round trips through every
 * domain-holding supervisor's mailbox (and every domain's own supervisor's) and the registry's,
 * until nothing changes; real time only bounds a hang. test/property/model.ts settled its tree
 * this way too, and its settleTree says what that can miss (a message an actor queued for itself
 * behind the round trip, still waiting for the run queue's next slice).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  type ActorRef,
  type ActorSystem,
  type ChildInfo,
  type DomainEvent,
  type DomainSnapshot,
  ManualClock,
  type Runtime,
  type RuntimeExit,
  SupervisorRef,
  type ThunderlineEvent,
} from '../../index.ts';
import { within } from '../support/within.ts';
import { bootSoakRuntime, DOMAIN_TOPICS, type Recorded, recordOf } from './boot.ts';
import { Control, type GeneratedShape, generatedShape, type TreeKind } from './tree-gen.ts';

/** An invariant that does not hold: `invariant` names it (the shrinker keeps a list only if the same one fails). */
export class SoakFailure extends Error {
  constructor(
    readonly invariant: string,
    message: string,
  ) {
    super(`${invariant}: ${message}`);
    this.name = 'SoakFailure';
  }
}

export function fail(invariant: string, message: string): never {
  throw new SoakFailure(invariant, message);
}

/** The invariant a thrown error stands for: its own, `hang` for a bounded wait that ran out, else `error`. */
export function invariantOf(error: unknown): string {
  if (error instanceof SoakFailure) return error.invariant;
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith('timed out after') ? 'hang' : 'error';
}

/** How a run ended, as the ledger must say it. */
export type RunEnd = 'live' | 'shutdown' | 'escalated' | 'killed';

/** One run on the file: the events it published, in order, each a history row to be. */
export interface RunRecord {
  runId: string;
  /** `in-process`, or the child process that was SIGKILLed. */
  where: 'in-process' | 'script' | 'cli';
  /** Events not yet matched against rows (in-process runs drop them once matched; a killed run's are all it published). */
  events: Recorded[];
  /** Events already matched against rows. */
  matched: number;
  /** The id of the last history row matched. */
  lastRowId: number;
  end: RunEnd;
  /** The exit reason (escalated) or the unclean reason (killed), once known. */
  reason?: string;
  /** Killed runs: events acknowledged (a `tick()` or `flush()` had resolved after them) before the kill. */
  acked?: number;
  /** Killed runs: the unclean close has been checked. */
  closeChecked?: boolean;
}

/** Counts the harness reports. */
export interface SoakStats {
  steps: number;
  applied: Record<string, number>;
  skipped: Record<string, number>;
  checks: Record<string, number>;
  boots: number;
  escalations: number;
  sessions: number;
}

export function newStats(): SoakStats {
  return { steps: 0, applied: {}, skipped: {}, checks: {}, boots: 0, escalations: 0, sessions: 0 };
}

export const bump = (counts: Record<string, number>, key: string, by = 1): void => {
  counts[key] = (counts[key] ?? 0) + by;
};

export interface WorldConfig {
  seed: number;
  tree: TreeKind;
  /** Generated tree: how many domains. */
  domains: number;
  dir: string;
  stats: SoakStats;
  log?: (line: string) => void;
  /** Turn off the work-arounds for known bugs (known.ts). */
  strict?: boolean;
}

/** What the current step saw (reset at each step): domain events, late custom events, subscriber failures, child exits. */
export interface StepEvents {
  late: string[];
  subscriberFailed: Array<{ topic: string; reason: string }>;
  childExited: Array<{ supervisor: string; child: string; reason: string }>;
  domain: Recorded[];
  /** A supervisor of the tree (not a domain's own) gave up: the runtime is going down. */
  escalated: boolean;
}

export const freshStepEvents = (): StepEvents => ({ late: [], subscriberFailed: [], childExited: [], domain: [], escalated: false });

const nactSystems = createRequire(import.meta.url)('nact/lib/system-map.js') as {
  find(name: string): { children: Map<string, unknown> } | undefined;
};

export class World {
  readonly file: string;
  readonly control = new Control();
  readonly shape: GeneratedShape | undefined;
  readonly stats: SoakStats;
  clock = new ManualClock();
  runtime: Runtime | undefined;
  names: string[] = [];
  nameSet = new Set<string>();
  children = new Map<string, string[]>();
  /** Each domain's holder supervisor, as the last boot found it. */
  holderOf = new Map<string, string>();
  runs: RunRecord[] = [];
  current: RunRecord | undefined;
  /** Set once the current runtime's `stopped` resolves. */
  exit: RuntimeExit | undefined;
  step: StepEvents = freshStepEvents();
  /** The actor systems of runtimes that ended: each must be collectable once the world lets go of it. */
  readonly ended: Array<{ runId: string; system: WeakRef<ActorSystem> }> = [];
  /** Cells alive when each run's root supervisor exited, by run id. */
  readonly cellsAtRootExit = new Map<string, string[]>();
  /** Per holder supervisor, its restart count in the window before the current step. */
  budgetsBefore = new Map<string, { restarts: number; maxRestarts: number }>();
  /** Bounded real-time wait, ms; grows with the tree. */
  readonly boundMs: number;

  constructor(readonly config: WorldConfig) {
    this.file = path.join(config.dir, 'thunderline.db');
    this.stats = config.stats;
    this.shape = config.tree === 'generated' ? generatedShape(config.seed, config.domains) : undefined;
    this.boundMs = 20_000 + 3 * (config.tree === 'generated' ? config.domains : 10);
  }

  log(line: string): void {
    this.config.log?.(line);
  }

  /** Bounds a wait that could hang: a failure (`hang`), never a pace. */
  bound<T>(promise: Promise<T>, what: string): Promise<T> {
    return within(promise, what, this.boundMs);
  }

  check(invariant: string): void {
    bump(this.stats.checks, invariant);
  }

  /** The runtime has stopped, or is stopping because a supervisor of its tree gave up. */
  get goingDown(): boolean {
    return !this.runtime || this.exit !== undefined || this.step.escalated;
  }

  get live(): Runtime {
    if (!this.runtime) fail('harness', 'no runtime is running');
    return this.runtime;
  }

  get system(): ActorSystem {
    return this.live.system;
  }

  // ------------------------------------------------------------------ lifecycle

  /** Starts a runtime on the file (a fresh clock), recording every domain event from the first. */
  async boot(): Promise<void> {
    this.clock = new ManualClock();
    this.exit = undefined;
    // An escalation earlier in this step took the previous runtime down, not this one.
    this.step.escalated = false;
    let record: RunRecord | undefined;
    const onRun = (runId: string, system: ActorSystem): void => {
      record = { runId, where: 'in-process', events: [], matched: 0, lastRowId: 0, end: 'live' };
      const run = record;
      const onDomain = (event: ThunderlineEvent): void => {
        // Never throws: a throwing recorder would be detached and every later row would look missing.
        try {
          const recorded = recordOf(event as DomainEvent);
          run.events.push(recorded);
          this.step.domain.push(recorded);
        } catch {
          // unreachable: recordOf only reads fields
        }
      };
      for (const topic of DOMAIN_TOPICS) system.pubsub.subscribe(topic, onDomain);
      system.pubsub.subscribe('*', (event) => this.observe(event));
    };
    try {
      const booted = await this.bound(
        bootSoakRuntime({ tree: this.config.tree, file: this.file, clock: this.clock, control: this.control, shape: this.shape, onRun }),
        'the runtime to start',
      );
      this.runtime = booted.runtime;
      this.names = booted.names;
      this.nameSet = new Set(booted.names);
      this.children = booted.children;
      this.holderOf = new Map(this.holders().flatMap((holder) => holder.whichChildren().map((row) => [row.id, holder.name] as const)));
    } catch (error) {
      fail('boot', `the runtime did not start on ${this.file}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!record) fail('boot', 'the run hook was never called');
    this.current = record;
    this.runs.push(record);
    this.stats.boots += 1;
    const runtime = this.runtime;
    void runtime?.stopped.then((exit) => {
      if (this.runtime === runtime) this.exit = exit;
    });
    if (runtime) {
      const { system, runId } = runtime;
      // The root's exit listeners run once it is dead and before the runtime stops the actor
      // system (which would kill whatever is left): every other cell must be dead by then.
      runtime.supervisor.onExit(() => {
        this.cellsAtRootExit.set(runId, this.liveCells(system));
      });
    }
  }

  private observe(event: ThunderlineEvent): void {
    try {
      const fields = event as unknown as Record<string, unknown>;
      if (event.type.startsWith('custom:') && event.type.endsWith('.late')) this.step.late.push(event.type.slice(7, -5));
      else if (event.type === 'subscriber_failed')
        this.step.subscriberFailed.push({ topic: String(fields.topic), reason: String(fields.reason) });
      else if (event.type === 'supervisor_escalated' && !this.nameSet.has(String(fields.supervisor))) this.step.escalated = true;
      else if (event.type === 'child_exited')
        this.step.childExited.push({ supervisor: String(fields.supervisor), child: String(fields.child), reason: String(fields.reason) });
    } catch {
      // never throw from a subscriber
    }
  }

  /** Forgets the runtime that ended (its system stays only as a WeakRef). */
  retire(end: RunEnd, reason?: string): void {
    const runtime = this.runtime;
    if (this.current) {
      this.current.end = end;
      if (reason !== undefined) this.current.reason = reason;
    }
    if (runtime) {
      this.ended.push({ runId: runtime.runId, system: new WeakRef(runtime.system) });
    }
    this.runtime = undefined;
    this.exit = undefined;
  }

  // ------------------------------------------------------------------ the tree

  /** The supervisors whose children are domains (`domains`, and the Thunderline tree's infrastructure slots). */
  holders(): SupervisorRef[] {
    const names = this.nameSet;
    const found: SupervisorRef[] = [];
    for (const row of this.live.supervisor.whichChildren()) {
      if (!(row.ref instanceof SupervisorRef)) continue;
      if (row.ref.whichChildren().some((child) => names.has(child.id))) found.push(row.ref);
    }
    return found;
  }

  /** Every domain's row and the supervisor holding it (one pass: lookups by name stay linear at 10,000 domains). */
  domainRows(): Map<string, { holder: SupervisorRef; row: ChildInfo }> {
    const rows = new Map<string, { holder: SupervisorRef; row: ChildInfo }>();
    for (const holder of this.holders()) for (const row of holder.whichChildren()) rows.set(row.id, { holder, row });
    return rows;
  }

  /** A domain's row and the supervisor holding it. */
  domainRow(name: string): { holder: SupervisorRef; row: ChildInfo } | undefined {
    for (const holder of this.holders()) {
      const row = holder.whichChildren().find((child) => child.id === name);
      if (row) return { holder, row };
    }
    return undefined;
  }

  /** The running domain actor of `name`. */
  domainRef(name: string, rows?: Map<string, { holder: SupervisorRef; row: ChildInfo }>): ActorRef<never> | undefined {
    const found = rows ? rows.get(name) : this.domainRow(name);
    return found?.row.status === 'running' ? (found.row.ref as ActorRef<never>) : undefined;
  }

  /** The machine state of a domain, asked through its mailbox. */
  async machine(name: string, rows?: Map<string, { holder: SupervisorRef; row: ChildInfo }>): Promise<string> {
    const ref = this.domainRef(name, rows);
    if (!ref) return 'not running';
    const snapshot = await this.bound(
      (ref as unknown as ActorRef<{ type: 'inspect' }>).call<DomainSnapshot>({ type: 'inspect' }),
      `inspect ${name}`,
    );
    return snapshot.state;
  }

  /** Domains that declare children. */
  withChildren(): string[] {
    return this.names.filter((name) => (this.children.get(name)?.length ?? 0) > 0);
  }

  /** Picks `index` modulo `among`. */
  pick<T>(among: readonly T[], index: number): T | undefined {
    return among.length === 0 ? undefined : among[index % among.length];
  }

  // ------------------------------------------------------------------ settling

  /** Round trips until the runtime has nothing left to do (or has stopped on its own). */
  async settle(): Promise<void> {
    let previous = '';
    for (let round = 0; round < 60; round += 1) {
      if (!this.runtime || this.exit) return;
      const runtime = this.runtime;
      if (this.step.escalated) {
        // The root gives up on any escalation (supervisors/application.ts, maxRestarts 0).
        this.exit = await this.bound(runtime.stopped, 'the runtime to stop after a supervisor gave up');
        return;
      }
      try {
        // The root and tick_system first: a registry or generator being restarted is running again after them.
        await this.bound(outcome(runtime.supervisor.deleteChild('__barrier__')), 'a barrier');
        const tickSystem = runtime.supervisor.whichChildren().find((row) => row.id === 'tick_system')?.ref;
        if (tickSystem instanceof SupervisorRef) await this.bound(outcome(tickSystem.deleteChild('__barrier__')), 'a barrier');
        for (const holder of this.holders()) await this.bound(outcome(holder.deleteChild('__barrier__')), 'a barrier');
        for (const own of this.ownSupervisors()) await this.bound(outcome(own.deleteChild('__barrier__')), 'a barrier');
        await this.bound(runtime.flush(), 'runtime.flush()');
      } catch (error) {
        if (await this.stoppedOnItsOwn()) return;
        throw error;
      }
      const now = this.signature();
      if (round > 0 && now === previous) return;
      previous = now;
    }
    fail('settle', 'the runtime did not settle in 60 rounds');
  }

  /** True once the runtime stopped (waits, bounded, for a stop in progress). */
  async stoppedOnItsOwn(): Promise<boolean> {
    const runtime = this.runtime;
    if (!runtime) return true;
    if (this.exit) return true;
    if (this.step.escalated) {
      this.exit = await this.bound(runtime.stopped, 'the runtime to stop after a supervisor gave up');
      return true;
    }
    // flush() refuses with ERR_RUNTIME_STOPPED only once the runtime has begun to stop; then `stopped` resolves.
    const probe = await outcome(runtime.flush());
    if (probe === 'ok' || codeOf(probe) !== 'ERR_RUNTIME_STOPPED') return false;
    this.exit = await this.bound(runtime.stopped, 'runtime.stopped after it began to stop');
    return true;
  }

  private signature(): string {
    const runtime = this.live;
    const statuses = runtime.registry
      .statuses()
      .map((status) => `${status.name}:${status.status}:${status.restarts}:${status.tick}`)
      .join(',');
    const own = this.ownSupervisors().map((sup) => JSON.stringify(sup.whichChildren().map((row) => [row.id, row.status, row.restarts])));
    return `${statuses}|${JSON.stringify(runtime.tree())}|${own.join(',')}|${this.live.system.pubsub.subscriberCount('*')}`;
  }

  /** The own supervisor of every running domain that has one. */
  ownSupervisors(): SupervisorRef[] {
    const found: SupervisorRef[] = [];
    for (const holder of this.holders()) {
      for (const row of holder.whichChildren()) {
        const own = row.status === 'running' ? ownSupervisorOf(row.ref as ActorRef<never>) : undefined;
        if (own?.alive) found.push(own);
      }
    }
    return found;
  }

  /** Names of every live actor cell of the runtime's system (each cell is a nact child of its system root). */
  liveCells(system: ActorSystem = this.system): string[] {
    const root = nactSystems.find((system as unknown as { nactName: string }).nactName);
    return root ? [...root.children.keys()] : [];
  }
}

/**
 * A domain actor's own supervisor (its children's one_for_one supervisor), read from the domain
 * cell's state: `state.children` in src/domain/domain-actor.ts, the cell's `state` in
 * src/actor/actor-cell.ts. Not public API: if either shape changes, this finds nothing and the
 * orphan check reports the own supervisors as cells without a supervisor, rather than passing.
 */
export function ownSupervisorOf(ref: ActorRef<never> | undefined): SupervisorRef | undefined {
  const state = (ref as unknown as { state?: { children?: unknown } } | undefined)?.state;
  return state?.children instanceof SupervisorRef ? state.children : undefined;
}

/** 'ok', or the rejection. */
export const outcome = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'ok',
    (error: unknown) => error,
  );

export const codeOf = (result: unknown): string =>
  result === 'ok' ? 'ok' : ((result as { code?: string } | undefined)?.code ?? String(result));
