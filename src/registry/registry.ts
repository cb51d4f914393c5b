/**
 * A local name registry, Elixir's `Registry`: keys to actors, `unique` (one actor per key) or
 * `duplicate` (any number of actors per key, the same one several times). An entry lives as long
 * as its actor: it is removed in the same synchronous step as the actor's exit (the first step of the exit,
 * `NameBook` in src/actor/exit-links.ts), and lookups never return a dead actor.
 * A unique registry is also a {@link NameRegistrar}, so `via(registry, key)` names an actor at
 * spawn time (src/actor/naming.ts).
 *
 * Keys compare as `Map` keys do: strings, numbers and other primitives by value, objects by
 * identity. Use strings (or numbers) for keys that are built in more than one place.
 *
 * @example
 * const rooms = new Registry<string, { topic: string }>({ keys: 'unique', name: 'rooms' });
 * const lobby = await spawnActor(system, room, undefined, { name: via(rooms, 'lobby', { topic: 'hi' }) });
 * rooms.whereis('lobby') === lobby; // true
 * rooms.lookup('lobby'); // [{ ref: lobby, value: { topic: 'hi' } }]
 * lobby.kill();
 * rooms.whereis('lobby'); // undefined
 */
import type { ActorRef } from '../actor/actor-ref.ts';
import type { Message } from '../actor/behaviour.ts';
import { cellOf, type ExitLinks, type NameBook } from '../actor/exit-links.ts';
import type { NameRegistrar } from '../actor/naming.ts';
import { describeValue, ThunderlineError } from '../errors.ts';
import { Group, Holder, Slot, sameKey, validateOptions } from './registry-table.ts';
import {
  AlreadyRegisteredError,
  type RegisterEvent,
  type Registration,
  type RegistryEntry,
  type RegistryKeys,
  type RegistryOptions,
  type RegistrySelector,
  type UnregisterEvent,
} from './registry-types.ts';

export * from './registry-types.ts';

/**
 * A name registry (Elixir's `Registry`), local to this process. Entries are removed atomically
 * when their actor exits. Several registries coexist; an actor may be in any number of them.
 *
 * @example
 * const topics = new Registry<string>({ keys: 'duplicate', name: 'topics' });
 * topics.register(alice, 'news');
 * topics.register(bob, 'news');
 * topics.dispatch('news', (entries) => {
 *   for (const { ref } of entries) ref.cast({ type: 'published', text: 'hello' });
 * });
 */
export class Registry<K = unknown, V = unknown> implements NameRegistrar, NameBook {
  /** The registry's name (option `name`). */
  readonly name: string;
  /** `'unique'` or `'duplicate'` (option `keys`). */
  readonly kind: RegistryKeys;
  private readonly unique: boolean;
  /** Unique registries: key → its one registration. */
  private readonly byKey = new Map<unknown, Slot>();
  /** Duplicate registries: key → its registrations. */
  private readonly groups = new Map<unknown, Group>();
  /** Actor (its cell) → its registrations here. */
  private readonly byActor = new Map<ExitLinks, Holder>();
  private total = 0;
  private registerListeners: ReadonlyArray<(event: RegisterEvent<K, V>) => void> = [];
  private unregisterListeners: ReadonlyArray<(event: UnregisterEvent<K, V>) => void> = [];
  /** What `cellOf` errors say, built once: registering is a hot path. */
  private readonly labels: Readonly<Record<'register' | 'unregister' | 'keys' | 'values' | 'updateValue', string>>;

  /** Throws `ERR_INVALID_OPTION` for a bad option, naming it, what is allowed and what was given. */
  constructor(options: RegistryOptions) {
    const { keys, name } = validateOptions(options);
    this.name = name;
    this.kind = keys;
    this.unique = keys === 'unique';
    this.labels = {
      register: `registry "${name}": register`,
      unregister: `registry "${name}": unregister`,
      keys: `registry "${name}": keys`,
      values: `registry "${name}": values`,
      updateValue: `registry "${name}": updateValue`,
    };
  }

  /**
   * Registers `ref` under `key` with `value` (Elixir's `register/3`). In a unique registry a key
   * held by a live actor throws an {@link AlreadyRegisteredError} (`ERR_ALREADY_REGISTERED`, with
   * the holder), the actor itself included; in a duplicate registry the same actor may register
   * the same key any number of times. A dead actor throws `ERR_NOPROC`.
   *
   * @example
   * rooms.register(ref, 'lobby', { topic: 'welcome' });
   */
  register(ref: ActorRef<never>, key: K, value?: V): void {
    const cell = cellOf(ref, this.labels.register);
    if (!cell.alive) {
      throw new ThunderlineError(
        'ERR_NOPROC',
        `registry "${this.name}": cannot register ${describeValue(key)} to ${ref.id}: the actor is not alive`,
      );
    }
    if (this.unique) {
      const held = this.byKey.get(key);
      if (held !== undefined) {
        if (held.cell.alive) throw new AlreadyRegisteredError(this.name, key, held.ref);
        // Its holder died and its exit listener has not run yet (another listener runs first).
        this.holderExited(held.holder);
      }
    }
    let holder = this.byActor.get(cell);
    if (holder === undefined) {
      const created = new Holder(cell, cell.publicRef as ActorRef<Message>);
      cell.addNameBook(this);
      this.byActor.set(cell, created);
      holder = created;
    }
    const slot = new Slot(key, value, holder, cell, holder.ref);
    holder.append(slot);
    if (this.unique) this.byKey.set(key, slot);
    else {
      let group = this.groups.get(key);
      if (group === undefined) {
        group = new Group();
        this.groups.set(key, group);
      }
      group.append(slot);
    }
    this.total += 1;
    if (this.registerListeners.length > 0) {
      this.emitRegister({ type: 'register', registry: this.name, key, ref: slot.ref, value: value as V }, cell);
    }
  }

  /**
   * Removes every registration of `ref` under `key` (Elixir's `unregister/2`); nothing to remove
   * is fine. Returns true if something was removed.
   *
   * @example
   * rooms.unregister(ref, 'lobby');
   */
  unregister(ref: ActorRef<never>, key: K): boolean {
    return this.removeWhere(ref, key, undefined) > 0;
  }

  /**
   * Removes the registrations of `ref` under `key` whose value passes `match` (Elixir's
   * `unregister_match/4`, the pattern and guards as one predicate). Returns how many went.
   *
   * @example
   * topics.unregisterMatch(ref, 'news', (value) => value === 'daily');
   */
  unregisterMatch(ref: ActorRef<never>, key: K, match: (value: V) => boolean): number {
    if (typeof match !== 'function') {
      throw new ThunderlineError(
        'ERR_INVALID_OPTION',
        `registry "${this.name}": unregisterMatch needs a function, got ${describeValue(match)}`,
      );
    }
    return this.removeWhere(ref, key, match);
  }

  /**
   * The live actors under `key` with their values, in registration order (Elixir's `lookup/2`):
   * at most one in a unique registry.
   *
   * @example
   * for (const { ref, value } of topics.lookup('news')) ref.cast({ type: 'news', value });
   */
  lookup<M extends Message = Message>(key: K): Array<Registration<V, M>> {
    if (this.unique) {
      const slot = this.byKey.get(key);
      return slot?.cell.alive ? [{ ref: slot.ref as ActorRef<M>, value: slot.value as V }] : [];
    }
    const found: Array<Registration<V, M>> = [];
    const group = this.groups.get(key);
    if (group === undefined) return found;
    for (let slot = group.first; slot !== undefined; slot = slot.nextOfKey) {
      if (slot.cell.alive) found.push({ ref: slot.ref as ActorRef<M>, value: slot.value as V });
    }
    return found;
  }

  /**
   * The live actor registered under `key`, if any (Elixir's `whereis_name/1`); unique registries
   * only: a duplicate registry throws `ERR_INVALID_OPTION`.
   *
   * @example
   * rooms.whereis<RoomMsg>('lobby')?.cast({ type: 'join', user: 'ann' });
   */
  whereis<M extends Message = Message>(key: K): ActorRef<M> | undefined {
    const slot = this.byKey.get(key); // always empty in a duplicate registry
    if (slot !== undefined) return slot.cell.alive ? (slot.ref as ActorRef<M>) : undefined;
    if (!this.unique) throw this.notUnique('whereis');
    return undefined;
  }

  /** @internal the cell exited (see `NameBook` in src/actor/exit-links.ts): its names go now */
  actorExited(cell: ExitLinks): void {
    const holder = this.byActor.get(cell);
    if (holder !== undefined) this.holderExited(holder);
  }

  /** @internal */
  keysOf(cell: ExitLinks): readonly unknown[] {
    const keys: unknown[] = [];
    for (let slot = this.byActor.get(cell)?.first; slot !== undefined; slot = slot.nextOfActor) keys.push(slot.key);
    return keys;
  }

  /**
   * The keys `ref` is registered under, in registration order (Elixir's `keys/2`); in a duplicate
   * registry a key registered twice is listed twice.
   *
   * @example
   * rooms.keys(ref); // ['lobby']
   */
  keys(ref: ActorRef<never>): K[] {
    const holder = this.byActor.get(cellOf(ref, this.labels.keys));
    if (holder === undefined || !holder.cell.alive) return [];
    const keys: K[] = [];
    for (let slot = holder.first; slot !== undefined; slot = slot.nextOfActor) keys.push(slot.key as K);
    return keys;
  }

  /**
   * The values `ref` has under `key`, in registration order (Elixir's `values/3`).
   *
   * @example
   * topics.values('news', ref); // ['daily', 'weekly']
   */
  values(key: K, ref: ActorRef<never>): V[] {
    const holder = this.byActor.get(cellOf(ref, this.labels.values));
    if (holder === undefined || !holder.cell.alive) return [];
    const values: V[] = [];
    this.eachOf(holder, key, (slot) => {
      values.push(slot.value as V);
    });
    return values;
  }

  /**
   * Every registration in the registry (Elixir's `count/1`): keys in a unique registry, entries
   * (a key per registration) in a duplicate one.
   *
   * @example
   * rooms.count(); // 3
   */
  count(): number {
    return this.total;
  }

  /**
   * The live registrations under `key`.
   *
   * @example
   * topics.countKey('news'); // 2
   */
  countKey(key: K): number {
    if (this.unique) {
      const slot = this.byKey.get(key);
      return slot?.cell.alive ? 1 : 0;
    }
    let count = 0;
    const group = this.groups.get(key);
    if (group === undefined) return 0;
    for (let slot = group.first; slot !== undefined; slot = slot.nextOfKey) if (slot.cell.alive) count += 1;
    return count;
  }

  /**
   * The live registrations under `key` whose value passes `match` (Elixir's `count_match/4`).
   *
   * @example
   * topics.countMatch('news', (value) => value === 'daily'); // 1
   */
  countMatch(key: K, match: (value: V, ref: ActorRef<Message>) => boolean): number {
    return this.match(key, match).length;
  }

  /**
   * The live registrations under `key` whose value passes `match` (Elixir's `match/4`, the
   * pattern and guards as one predicate).
   *
   * @example
   * topics.match('news', (value) => value === 'daily'); // [{ ref, value: 'daily' }]
   */
  match<M extends Message = Message>(key: K, match: (value: V, ref: ActorRef<Message>) => boolean): Array<Registration<V, M>> {
    if (typeof match !== 'function') {
      throw new ThunderlineError('ERR_INVALID_OPTION', `registry "${this.name}": match needs a function, got ${describeValue(match)}`);
    }
    return this.lookup<M>(key).filter((entry) => match(entry.value, entry.ref as ActorRef<Message>));
  }

  /**
   * Calls `callback` with the live registrations under `key`, if there are any (Elixir's
   * `dispatch/3`; there is one partition, so it is called once, here). An exception from
   * `callback` reaches the caller.
   *
   * @example
   * topics.dispatch('news', (entries) => {
   *   for (const { ref, value } of entries) ref.cast({ type: 'news', edition: value });
   * });
   */
  dispatch<M extends Message = Message>(key: K, callback: (entries: Array<Registration<V, M>>) => void): void {
    if (typeof callback !== 'function') {
      throw new ThunderlineError(
        'ERR_INVALID_OPTION',
        `registry "${this.name}": dispatch needs a function, got ${describeValue(callback)}`,
      );
    }
    const entries = this.lookup<M>(key);
    if (entries.length > 0) callback(entries);
  }

  /**
   * The live registrations that pass `selector` (Elixir's `select/2`, with a key prefix and a
   * predicate in place of a match spec): in a unique registry in registration order, in a
   * duplicate one by key (keys in the order they were first registered), then registration order.
   *
   * @example
   * rooms.select({ prefix: 'game:', where: (key, ref, value) => value.open });
   */
  select<M extends Message = Message>(selector: RegistrySelector<K, V> = {}): Array<RegistryEntry<K, V, M>> {
    const { prefix, where } = selector;
    if (prefix !== undefined && typeof prefix !== 'string') {
      throw new ThunderlineError(
        'ERR_INVALID_OPTION',
        `registry "${this.name}": select prefix must be a string, got ${describeValue(prefix)}`,
      );
    }
    if (where !== undefined && typeof where !== 'function') {
      throw new ThunderlineError(
        'ERR_INVALID_OPTION',
        `registry "${this.name}": select where must be a function, got ${describeValue(where)}`,
      );
    }
    const found: Array<RegistryEntry<K, V, M>> = [];
    const take = (slot: Slot): void => {
      if (slot.removed || !slot.cell.alive) return;
      if (prefix !== undefined && (typeof slot.key !== 'string' || !slot.key.startsWith(prefix))) return;
      if (where !== undefined && !where(slot.key as K, slot.ref, slot.value as V)) return;
      found.push({ key: slot.key as K, ref: slot.ref as ActorRef<M>, value: slot.value as V });
    };
    if (this.unique) for (const slot of this.byKey.values()) take(slot);
    else {
      for (const group of this.groups.values()) for (let slot = group.first; slot !== undefined; slot = slot.nextOfKey) take(slot);
    }
    return found;
  }

  /**
   * How many live registrations pass `selector` (Elixir's `count_select/2`).
   *
   * @example
   * rooms.countSelect({ prefix: 'game:' }); // 2
   */
  countSelect(selector: RegistrySelector<K, V> = {}): number {
    return this.select(selector).length;
  }

  /**
   * Every live registration, in the order of {@link Registry.select}: for dashboards.
   *
   * @example
   * rooms.entries().map(({ key, ref }) => `${String(key)} → ${ref.id}`);
   */
  entries<M extends Message = Message>(): Array<RegistryEntry<K, V, M>> {
    return this.select<M>();
  }

  /**
   * Replaces the value of `ref`'s registration under `key` with `update(old)` (Elixir's
   * `update_value/3`, for the given actor instead of the caller). Returns the new and the old
   * value, or undefined when `ref` does not hold `key`. Unique registries only: a duplicate
   * registry throws `ERR_INVALID_OPTION`.
   *
   * @example
   * rooms.updateValue(ref, 'lobby', (n) => n + 1); // { value: 2, previous: 1 }
   */
  updateValue(ref: ActorRef<never>, key: K, update: (value: V) => V): { value: V; previous: V } | undefined {
    if (!this.unique) throw this.notUnique('updateValue');
    if (typeof update !== 'function') {
      throw new ThunderlineError(
        'ERR_INVALID_OPTION',
        `registry "${this.name}": updateValue needs a function, got ${describeValue(update)}`,
      );
    }
    const slot = this.byKey.get(key);
    if (slot === undefined || slot.cell !== cellOf(ref, this.labels.updateValue) || !slot.cell.alive) return undefined;
    const previous = slot.value as V;
    const value = update(previous);
    // `update` may have unregistered the key itself: then there is nothing left to update.
    if (this.byKey.get(key) !== slot) return undefined;
    slot.value = value;
    return { value, previous };
  }

  /**
   * Calls `listener` after each registration (Elixir's `listeners:` option, as a callback, in the
   * same step). A listener that throws is detached and reported on the `subscriber_failed`
   * telemetry channel; the registration stands. Returns the function that detaches it.
   *
   * @example
   * const off = rooms.onRegister(({ key, ref }) => console.log(`${String(key)} → ${ref.id}`));
   */
  onRegister(listener: (event: RegisterEvent<K, V>) => void): () => void {
    if (typeof listener !== 'function') {
      throw new ThunderlineError(
        'ERR_INVALID_OPTION',
        `registry "${this.name}": onRegister needs a function, got ${describeValue(listener)}`,
      );
    }
    this.registerListeners = [...this.registerListeners, listener];
    return () => {
      this.registerListeners = this.registerListeners.filter((held) => held !== listener);
    };
  }

  /**
   * Calls `listener` after each removal, by `unregister`/`unregisterMatch` (reason `'unregister'`)
   * or because the actor exited (reason `'exit'`; Elixir's listeners hear only the former). Same
   * step, same failure rule as {@link Registry.onRegister}. Returns the function that detaches it.
   *
   * @example
   * const off = rooms.onUnregister(({ key, reason }) => console.log(`${String(key)} gone (${reason})`));
   */
  onUnregister(listener: (event: UnregisterEvent<K, V>) => void): () => void {
    if (typeof listener !== 'function') {
      throw new ThunderlineError(
        'ERR_INVALID_OPTION',
        `registry "${this.name}": onUnregister needs a function, got ${describeValue(listener)}`,
      );
    }
    this.unregisterListeners = [...this.unregisterListeners, listener];
    return () => {
      this.unregisterListeners = this.unregisterListeners.filter((held) => held !== listener);
    };
  }

  /**
   * {@link NameRegistrar}: registers a name given with `via(registry, key, value)`. A duplicate
   * registry cannot name actors and throws `ERR_INVALID_OPTION`.
   *
   * @example
   * await spawnActor(system, room, undefined, { name: via(rooms, 'lobby') }); // calls registerName
   */
  registerName(key: K, ref: ActorRef<never>, value: V): void {
    if (!this.unique) throw this.notUnique('a via name');
    this.register(ref, key, value);
  }

  /**
   * {@link NameRegistrar}: the live actor a `via(registry, key)` name stands for.
   *
   * @example
   * rooms.whereisName('lobby'); // the same as rooms.whereis('lobby')
   */
  whereisName(key: K): ActorRef<never> | undefined {
    return this.whereis(key) as ActorRef<never> | undefined;
  }

  /** @internal number of actors with at least one registration here, for tests */
  get actorCount(): number {
    return this.byActor.size;
  }

  /**
   * Calls `visit` for each registration of `holder` under `key`, walking the shorter list: the
   * actor's registrations or the key's. `visit` may remove the slot it is given.
   */
  private eachOf(holder: Holder, key: unknown, visit: (slot: Slot) => void): void {
    if (this.unique) {
      const slot = this.byKey.get(key);
      if (slot !== undefined && slot.holder === holder) visit(slot);
      return;
    }
    const group = this.groups.get(key);
    if (group === undefined) return;
    if (holder.size <= group.size) {
      for (let slot = holder.first; slot !== undefined; ) {
        const next = slot.nextOfActor;
        if (!slot.removed && sameKey(slot.key, key)) visit(slot);
        slot = next;
      }
    } else {
      for (let slot = group.first; slot !== undefined; ) {
        const next = slot.nextOfKey;
        if (!slot.removed && slot.holder === holder) visit(slot);
        slot = next;
      }
    }
  }

  private removeWhere(ref: ActorRef<never>, key: K, match: ((value: V) => boolean) | undefined): number {
    const holder = this.byActor.get(cellOf(ref, this.labels.unregister));
    if (holder === undefined) return 0;
    if (this.unique && match === undefined) {
      // The hot path: one registration at most, no callback, nothing allocated.
      const slot = this.byKey.get(key);
      if (slot === undefined || slot.holder !== holder) return 0;
      this.drop(slot);
      this.afterRemoval(holder);
      if (this.unregisterListeners.length > 0) this.emitUnregister(slot, 'unregister');
      return 1;
    }
    let count = 0;
    let removed: Slot[] | undefined;
    const notify = this.unregisterListeners.length > 0;
    this.eachOf(holder, key, (slot) => {
      if (match !== undefined && !match(slot.value as V)) return;
      if (slot.removed) return; // `match` unregistered it itself
      this.drop(slot);
      count += 1;
      if (!notify) return;
      if (removed === undefined) removed = [slot];
      else removed.push(slot);
    });
    if (count === 0) return 0;
    this.afterRemoval(holder);
    if (removed !== undefined) for (const slot of removed) this.emitUnregister(slot, 'unregister');
    return count;
  }

  /** Removes one registration from both sides. */
  private drop(slot: Slot): void {
    slot.removed = true;
    slot.holder.unlink(slot);
    if (this.unique) this.byKey.delete(slot.key);
    else {
      const group = this.groups.get(slot.key);
      if (group !== undefined) {
        group.unlink(slot);
        if (group.size === 0) this.groups.delete(slot.key);
      }
    }
    this.total -= 1;
  }

  /** An actor with no registration left here loses its exit listener. */
  private afterRemoval(holder: Holder): void {
    if (holder.size > 0) return;
    this.byActor.delete(holder.cell); // `holder` came from `byActor`: it is the cell's entry
    holder.cell.removeNameBook(this);
  }

  /** The actor exited: all its registrations go, in one step. */
  private holderExited(holder: Holder): void {
    if (this.byActor.get(holder.cell) !== holder) return; // already cleared
    this.byActor.delete(holder.cell);
    holder.cell.removeNameBook(this);
    const notify = this.unregisterListeners.length > 0;
    const removed: Slot[] = [];
    for (let slot = holder.first; slot !== undefined; ) {
      const next = slot.nextOfActor;
      this.drop(slot);
      if (notify) removed.push(slot);
      slot = next;
    }
    for (const slot of removed) this.emitUnregister(slot, 'exit');
  }

  private emitRegister(event: RegisterEvent<K, V>, cell: ExitLinks): void {
    for (const listener of this.registerListeners) {
      try {
        listener(event);
      } catch (error) {
        this.registerListeners = this.registerListeners.filter((held) => held !== listener);
        this.reportFailure('register', error, cell);
      }
    }
  }

  private emitUnregister(slot: Slot, reason: UnregisterEvent['reason']): void {
    const event: UnregisterEvent<K, V> = {
      type: 'unregister',
      registry: this.name,
      key: slot.key as K,
      ref: slot.ref,
      value: slot.value as V,
      reason,
    };
    for (const listener of this.unregisterListeners) {
      try {
        listener(event);
      } catch (error) {
        this.unregisterListeners = this.unregisterListeners.filter((held) => held !== listener);
        this.reportFailure('unregister', error, slot.cell);
      }
    }
  }

  /** A listener threw: `subscriber_failed` on the actor's system (pubsub and telemetry), as pubsub reports its own. */
  private reportFailure(what: 'register' | 'unregister', error: unknown, cell: ExitLinks): void {
    cell.system.listenerFailed(`registry:${this.name}:${what}`, error);
  }

  private notUnique(what: string): ThunderlineError {
    return new ThunderlineError(
      'ERR_INVALID_OPTION',
      `registry "${this.name}": ${what} needs a registry with keys "unique"; this one has keys "duplicate"`,
    );
  }
}
