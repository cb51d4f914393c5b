/**
 * The pure model the toolkit property (toolkit.property.test.ts) checks monitors and links
 * (src/actor/exit-links.ts) against: Erlang's rules, with no scheduler in it. Messages an exit
 * sends wait in the recipient's model mailbox (`pending`) until the test settles the system; an
 * actor that dies first never receives them, and `demonitor` with `flush` takes a waiting `DOWN`
 * out again.
 */
import fc from 'fast-check';

export const REASONS = ['normal', 'shutdown', 'boom', 'killed'] as const;
export type Reason = (typeof REASONS)[number] | 'noproc';
/** How an actor exited, as its `ExitSignal.phase` says: a kill (also a linked exit), a graceful stop, a crash in a handler. */
export type Phase = 'kill' | 'stop' | 'handle';

/** A received `DOWN` or `EXIT` as a comparable string: `DOWN m<monitor> a<target> <reason>`, `EXIT a<from> <reason>`. */
export type Entry = string;
export const downEntry = (monitor: number, target: number, reason: unknown): Entry => `DOWN m${monitor} a${target} ${String(reason)}`;
export const exitEntry = (from: number, reason: unknown): Entry => `EXIT a${from} ${String(reason)}`;

export interface ModelActor {
  alive: boolean;
  trap: boolean;
  reason: Reason | undefined;
  phase: Phase | undefined;
  /** Delivered, not yet handled: handled when the test settles, dropped if the actor dies first. */
  pending: Array<{ entry: Entry; monitor: number | undefined }>;
  /** Every DOWN and EXIT the actor handled. */
  log: Entry[];
  /** The reasons its `terminate` ran with: a stop or a crash, never a kill. */
  terminated: Reason[];
}

export interface ModelMonitor {
  watcher: number;
  target: number;
  active: boolean;
}

export class Model {
  readonly actors: ModelActor[] = [];
  readonly monitors: ModelMonitor[] = [];
  /** Links as `min,max` pairs of actor indexes. */
  readonly links = new Set<string>();
  /** What selectors pick from during a step (see `pick`, `pickMonitor`): fixed when it begins. */
  frame: { live: number[]; held: number[] } = { live: [], held: [] };

  beginStep(): void {
    this.frame = {
      live: this.actors.flatMap((actor, index) => (actor.alive ? [index] : [])),
      held: this.monitors.flatMap((held, id) => (held.active ? [id] : [])),
    };
  }

  spawn(trap: boolean): number {
    this.actors.push({ alive: true, trap, reason: undefined, phase: undefined, pending: [], log: [], terminated: [] });
    return this.actors.length - 1;
  }

  alive(index: number): boolean {
    return this.actors[index]?.alive === true;
  }

  /** Linking to a dead actor sends the live side the exit signal 'noproc'; linking twice is one link. */
  link(a: number, b: number): void {
    if (a === b) return;
    if (!this.alive(a) || !this.alive(b)) {
      const signals: Signal[] = [];
      if (this.alive(a)) signals.push({ to: a, from: b, reason: 'noproc' });
      if (this.alive(b)) signals.push({ to: b, from: a, reason: 'noproc' });
      this.deliverSignals(signals);
      return;
    }
    this.links.add(linkKey(a, b));
  }

  unlink(a: number, b: number): void {
    this.links.delete(linkKey(a, b));
  }

  /** A new monitor's index. A dead watcher holds nothing; a dead target fires at once with 'noproc'. */
  monitor(watcher: number, target: number): number {
    const id = this.monitors.length;
    const held: ModelMonitor = { watcher, target, active: false };
    this.monitors.push(held);
    this.frame.held.push(id);
    if (!this.alive(watcher)) return id;
    if (!this.alive(target)) this.deliver(watcher, downEntry(id, target, 'noproc'), id);
    else held.active = true;
    return id;
  }

  /** True if the monitor was active (and nothing will fire); `flush` drops its waiting DOWN. */
  demonitor(id: number, flush: boolean): boolean {
    const held = this.monitors[id];
    if (!held) throw new Error(`no monitor ${id}`);
    if (held.active) {
      held.active = false;
      return true;
    }
    if (flush) {
      const pending = this.actors[held.watcher]?.pending ?? [];
      const at = pending.findIndex((item) => item.monitor === id);
      if (at >= 0) pending.splice(at, 1);
    }
    return false;
  }

  /** `index` exits with `reason` (a kill, a stop or a crash); linked actors follow, breadth first. */
  exit(index: number, reason: Reason, phase: Phase): void {
    const actor = this.actors[index];
    if (!actor?.alive) return;
    if (phase !== 'kill') actor.terminated.push(reason);
    this.deliverSignals(this.die(index, reason, phase));
  }

  /** Every live actor handles what waits in its mailbox. */
  settle(): void {
    for (const actor of this.actors) {
      actor.log.push(...actor.pending.map((item) => item.entry));
      actor.pending = [];
    }
  }

  linkCount(index: number): number {
    let count = 0;
    for (const key of this.links) if (key.split(',').map(Number).includes(index)) count += 1;
    return count;
  }

  monitorCount(index: number): number {
    return this.monitors.filter((held) => held.active && held.target === index).length;
  }

  private deliver(to: number, entry: Entry, monitor?: number): void {
    const actor = this.actors[to];
    if (actor?.alive) actor.pending.push({ entry, monitor });
  }

  /** The death itself: its mailbox goes, the monitors it held go, its monitors fire, its links break into signals. */
  private die(index: number, reason: Reason, phase: Phase): Signal[] {
    const actor = this.actors[index] as ModelActor;
    actor.alive = false;
    actor.reason = reason;
    actor.phase = phase;
    actor.pending = [];
    for (const held of this.monitors) if (held.active && held.watcher === index) held.active = false;
    this.monitors.forEach((held, id) => {
      if (!held.active || held.target !== index) return;
      held.active = false;
      this.deliver(held.watcher, downEntry(id, index, reason), id);
    });
    const signals: Signal[] = [];
    for (const key of [...this.links]) {
      const [a, b] = key.split(',').map(Number) as [number, number];
      if (a !== index && b !== index) continue;
      this.links.delete(key);
      signals.push({ to: a === index ? b : a, from: index, reason });
    }
    return signals;
  }

  /** A trapping actor gets an EXIT; any other dies of an abnormal reason and passes it on. */
  private deliverSignals(signals: Signal[]): void {
    for (let at = 0; at < signals.length; at += 1) {
      const { to, from, reason } = signals[at] as Signal;
      const actor = this.actors[to];
      if (!actor?.alive) continue;
      if (actor.trap) this.deliver(to, exitEntry(from, reason));
      else if (reason !== 'normal') signals.push(...this.die(to, reason, 'kill'));
    }
  }
}

type Signal = { to: number; from: number; reason: Reason };
const linkKey = (a: number, b: number): string => (a < b ? `${a},${b}` : `${b},${a}`);

// ---------------------------------------------------------------- operations

/**
 * An actor, picked when the step runs (`pick`): below 7, among those alive when the step began
 * (when there are); else among every actor the run started, dead ones included (a monitor or link
 * on a dead actor is 'noproc'). Picks hold for the whole step: an actor a step killed can be
 * picked again later in it.
 */
const ACTOR = fc.nat(9);
const REASON = fc.constantFrom(...REASONS);
/**
 * A monitor the run made, picked when the step runs (`pickMonitor`): a monitor stays pickable for
 * the whole step, so `killTarget` then `demonitor` with the same selector finds the DOWN the kill
 * queued.
 */
const MONITOR = fc.nat(6);
export const syncOp = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('link' as const), a: ACTOR, b: ACTOR }), weight: 3 },
  fc.record({ kind: fc.constant('unlink' as const), a: ACTOR, b: ACTOR }),
  { arbitrary: fc.record({ kind: fc.constant('monitor' as const), watcher: ACTOR, target: ACTOR }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('demonitor' as const), m: MONITOR, flush: fc.boolean() }), weight: 3 },
  fc.record({ kind: fc.constant('kill' as const), a: ACTOR, reason: REASON }),
  // kills the target of the m-th monitor (as demonitor counts): with a demonitor after it, a DOWN to flush
  fc.record({ kind: fc.constant('killTarget' as const), m: MONITOR, reason: REASON }),
);
export type SyncOp = typeof syncOp extends fc.Arbitrary<infer T> ? T : never;

/**
 * A step, settled after it: a spawn (trapping exits or not, maybe linked to an actor as it starts),
 * one to three synchronous operations with no message handled in between (a DOWN they queue can be
 * flushed by a later one), a graceful stop, or a crash thrown from a handler.
 */
export const step = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constant('spawn' as const), trap: fc.boolean(), link: fc.option(ACTOR, { nil: undefined, freq: 3 }) }),
    weight: 4,
  },
  { arbitrary: fc.record({ kind: fc.constant('batch' as const), ops: fc.array(syncOp, { minLength: 1, maxLength: 3 }) }), weight: 6 },
  fc.record({ kind: fc.constant('stop' as const), a: ACTOR, reason: REASON }),
  fc.record({ kind: fc.constant('crash' as const), a: ACTOR, reason: REASON }),
);
export type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

/** The actor a selector names (see ACTOR), or undefined when the run has none. */
export function pick(model: Model, selector: number): number | undefined {
  const all = model.actors.length;
  if (all === 0) return undefined;
  const { live } = model.frame;
  if (selector < 7 && live.length > 0) return live[selector % live.length];
  return selector % all;
}

/**
 * The monitor a selector names (see MONITOR): below 5, among those active when the step began or
 * made in it, newest first; else among all; undefined when the run has made none.
 */
export function pickMonitor(model: Model, selector: number): number | undefined {
  const all = model.monitors.length;
  if (all === 0) return undefined;
  const { held } = model.frame;
  if (selector < 5 && held.length > 0) return held[held.length - 1 - (selector % held.length)];
  return all - 1 - (selector % all);
}
