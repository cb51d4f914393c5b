/**
 * The pure model the toolkit properties (toolkit.property.test.ts) check monitors and links
 * (src/actor/exit-links.ts) and name registries (src/registry/registry.ts) against: Erlang's and
 * Elixir's rules, with no scheduler in it. Messages an exit sends wait in the recipient's model
 * mailbox (`pending`) until the test settles the system; an actor that dies first never receives
 * them, and `demonitor` with `flush` takes a waiting `DOWN` out again. A registry holds a list of
 * registrations in registration order; an actor's go in the step it dies.
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

/** One registration: the key, the actor's index, the value. */
export interface ModelEntry {
  key: string;
  actor: number;
  value: number | undefined;
}

export interface ModelRegistry {
  unique: boolean;
  /** In registration order. */
  entries: ModelEntry[];
  /**
   * The keys that have entries, each placed when it was registered while it had none: the order
   * in which `entries()` lists a duplicate registry's keys.
   */
  keys: string[];
}

function addEntry(registry: ModelRegistry, entry: ModelEntry): void {
  if (!registry.entries.some((held) => held.key === entry.key)) registry.keys.push(entry.key);
  registry.entries.push(entry);
}

function removeEntries(registry: ModelRegistry, goes: (entry: ModelEntry) => boolean): number {
  const before = registry.entries.length;
  registry.entries = registry.entries.filter((entry) => !goes(entry));
  registry.keys = registry.keys.filter((key) => registry.entries.some((entry) => entry.key === key));
  return before - registry.entries.length;
}

/**
 * `entries()` as src/registry/registry.ts documents it: a unique registry in registration order,
 * a duplicate one by key (in the order of `keys`), then in registration order.
 */
export function listed(registry: ModelRegistry): ModelEntry[] {
  if (registry.unique) return registry.entries;
  return registry.keys.flatMap((key) => registry.entries.filter((entry) => entry.key === key));
}

/** What a register answers: done, or the error code it throws (and for a taken key, who holds it). */
export type RegisterOutcome = { code: 'ok' } | { code: 'ERR_NOPROC' } | { code: 'ERR_ALREADY_REGISTERED'; holder: number };

export class Model {
  readonly actors: ModelActor[] = [];
  /** The registries of the run: none for the monitors-and-links property. */
  readonly registries: ModelRegistry[] = [];
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

  /**
   * `a` links itself to `b`: a dead `a` does nothing (its kill was final); a dead `b` sends `a` the
   * exit signal 'noproc'; linking twice is one link.
   */
  link(a: number, b: number): void {
    if (a === b || !this.alive(a)) return;
    if (!this.alive(b)) {
      this.deliverSignals([{ to: a, from: b, reason: 'noproc' }]);
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

  addRegistry(unique: boolean): void {
    this.registries.push({ unique, entries: [], keys: [] });
  }

  /** Elixir's `Registry.register/3`: a dead actor is refused; in a unique registry, so is a taken key. */
  register(registry: number, actor: number, key: string, value: number | undefined): RegisterOutcome {
    const held = this.registries[registry] as ModelRegistry;
    if (!this.alive(actor)) return { code: 'ERR_NOPROC' };
    const holder = held.unique ? held.entries.find((entry) => entry.key === key) : undefined;
    if (holder) return { code: 'ERR_ALREADY_REGISTERED', holder: holder.actor };
    addEntry(held, { key, actor, value });
    return { code: 'ok' };
  }

  /** Removes every registration of `actor` under `key`; true if there was one. */
  unregister(registry: number, actor: number, key: string): boolean {
    const held = this.registries[registry] as ModelRegistry;
    return removeEntries(held, (entry) => entry.actor === actor && entry.key === key) > 0;
  }

  /**
   * `spawnActor` with `link` and a `via` name: refused if the actor to link to is dead, then if the
   * name is taken; else the new actor is linked and registered before its `init` runs.
   */
  spawnNamed(trap: boolean, linkTo: number | undefined, name: { registry: number; key: string; value: number } | undefined) {
    if (linkTo !== undefined && !this.alive(linkTo)) return { code: 'ERR_NOPROC' as const };
    const registry = name && (this.registries[name.registry] as ModelRegistry);
    const holder = name && registry?.entries.find((entry) => entry.key === name.key);
    if (holder) return { code: 'ERR_ALREADY_REGISTERED' as const, holder: holder.actor };
    const index = this.spawn(trap);
    if (linkTo !== undefined) this.link(index, linkTo);
    if (name && registry) addEntry(registry, { key: name.key, actor: index, value: name.value });
    return { code: 'ok' as const, index };
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
    for (const registry of this.registries) removeEntries(registry, (entry) => entry.actor === index);
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
/** The keys registry operations use: few, so that unique keys are often taken. */
export const KEYS = ['k0', 'k1', 'k2', 'k3'] as const;
const KEY = fc.constantFrom(...KEYS);
const VALUE = fc.nat(2);

export type SyncOp =
  | { kind: 'link' | 'unlink'; a: number; b: number }
  | { kind: 'monitor'; watcher: number; target: number }
  | { kind: 'demonitor'; m: number; flush: boolean }
  | { kind: 'kill'; a: number; reason: Reason }
  | { kind: 'killTarget'; m: number; reason: Reason }
  | { kind: 'register'; r: number; a: number; key: string; value: number }
  /** `held`: `a` picks a registration (newest first) and its actor and key are used instead, when there is one. */
  | { kind: 'unregister'; r: number; a: number; key: string; held: boolean };

const linkOps: Array<fc.WeightedArbitrary<SyncOp>> = [
  { arbitrary: fc.record({ kind: fc.constant('link' as const), a: ACTOR, b: ACTOR }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('unlink' as const), a: ACTOR, b: ACTOR }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('monitor' as const), watcher: ACTOR, target: ACTOR }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('demonitor' as const), m: MONITOR, flush: fc.boolean() }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('kill' as const), a: ACTOR, reason: REASON }), weight: 1 },
  // kills the target of the m-th monitor (as demonitor counts): with a demonitor after it, a DOWN to flush
  { arbitrary: fc.record({ kind: fc.constant('killTarget' as const), m: MONITOR, reason: REASON }), weight: 1 },
];
/** `r`: 0 is the unique registry, 1 the duplicate one. */
const registryOps: Array<fc.WeightedArbitrary<SyncOp>> = [
  { arbitrary: fc.record({ kind: fc.constant('register' as const), r: fc.nat(1), a: ACTOR, key: KEY, value: VALUE }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('unregister' as const), r: fc.nat(1), a: ACTOR, key: KEY, held: fc.boolean() }), weight: 2 },
];

export type Step =
  | {
      kind: 'spawn';
      trap: boolean;
      link: number | undefined;
      /** A `via` name in the unique registry. */
      name?: { key: string; value: number } | undefined;
    }
  | { kind: 'batch'; ops: SyncOp[] }
  | { kind: 'stop' | 'crash'; a: number; reason: Reason };

/**
 * A step, settled after it: a spawn (trapping exits or not, maybe linked to an actor as it starts,
 * maybe named), one to three synchronous operations with no message handled in between (a DOWN
 * they queue can be flushed by a later one), a graceful stop, or a crash thrown from a handler.
 * With `registries`, the operations include register and unregister, and spawns may take a name.
 */
export function stepArbitrary(registries: boolean): fc.Arbitrary<Step> {
  const op = fc.oneof(...linkOps, ...(registries ? registryOps : []));
  const link = fc.option(ACTOR, { nil: undefined, freq: 3 });
  const spawn: fc.Arbitrary<Step> = registries
    ? fc.record({
        kind: fc.constant('spawn' as const),
        trap: fc.boolean(),
        link,
        name: fc.option(fc.record({ key: KEY, value: VALUE }), { nil: undefined, freq: 2 }),
      })
    : fc.record({ kind: fc.constant('spawn' as const), trap: fc.boolean(), link });
  return fc.oneof(
    { arbitrary: spawn, weight: 4 },
    { arbitrary: fc.record({ kind: fc.constant('batch' as const), ops: fc.array(op, { minLength: 1, maxLength: 3 }) }), weight: 6 },
    { arbitrary: fc.record({ kind: fc.constantFrom('stop' as const, 'crash' as const), a: ACTOR, reason: REASON }), weight: 2 },
  );
}

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
