/**
 * The public shapes of the name registry (src/registry/registry.ts): its options, its entries,
 * the events its listeners get and the error a taken name throws.
 *
 * @example
 * const options: RegistryOptions = { keys: 'unique', name: 'rooms' };
 */
import type { ActorRef } from '../actor/actor-ref.ts';
import type { Message } from '../actor/behaviour.ts';
import { describeValue, ThunderlineError } from '../errors.ts';

/**
 * How a registry holds its keys: one actor per key, or any number.
 *
 * @example
 * const kind: RegistryKeys = 'duplicate';
 */
export type RegistryKeys = 'unique' | 'duplicate';

/**
 * Options of {@link Registry}.
 *
 * @example
 * const options: RegistryOptions = { keys: 'unique', name: 'rooms' };
 */
export interface RegistryOptions {
  /** `'unique'`: a key names at most one actor; `'duplicate'`: a key is a group (a topic, say). */
  keys: RegistryKeys;
  /** Shown in errors, events and the dashboard. Default `registry#<n>`. */
  name?: string;
}

/**
 * One registration of an actor, as {@link Registry.lookup} returns it.
 *
 * @example
 * const [first]: Registration<string>[] = topics.lookup('news');
 */
export interface Registration<V = unknown, M extends Message = Message> {
  readonly ref: ActorRef<M>;
  readonly value: V;
}

/**
 * One registration with its key, as {@link Registry.select} and {@link Registry.entries} return it.
 *
 * @example
 * const rows = rooms.entries().map((entry: RegistryEntry<string>) => ({ key: entry.key, actor: entry.ref.id }));
 */
export interface RegistryEntry<K = unknown, V = unknown, M extends Message = Message> extends Registration<V, M> {
  readonly key: K;
}

/**
 * What a {@link Registry.onRegister} listener gets (Elixir's `{:register, registry, key, pid, value}`).
 *
 * @example
 * rooms.onRegister((event: RegisterEvent<string>) => console.log(event.registry, event.key, event.ref.id));
 */
export interface RegisterEvent<K = unknown, V = unknown> {
  readonly type: 'register';
  /** The registry's name. */
  readonly registry: string;
  readonly key: K;
  readonly ref: ActorRef<Message>;
  readonly value: V;
}

/**
 * What a {@link Registry.onUnregister} listener gets (Elixir's `{:unregister, registry, key, pid}`).
 *
 * @example
 * rooms.onUnregister((event: UnregisterEvent<string>) => {
 *   if (event.reason === 'exit') console.log(`${event.ref.id} exited holding ${event.key}`);
 * });
 */
export interface UnregisterEvent<K = unknown, V = unknown> {
  readonly type: 'unregister';
  /** The registry's name. */
  readonly registry: string;
  readonly key: K;
  readonly ref: ActorRef<Message>;
  /** The value the entry held. */
  readonly value: V;
  /** `'unregister'`: removed by `unregister`/`unregisterMatch`; `'exit'`: its actor exited. */
  readonly reason: 'unregister' | 'exit';
}

/**
 * Which entries {@link Registry.select} returns: every condition given must hold.
 *
 * @example
 * const openGames: RegistrySelector<string, { open: boolean }> = { prefix: 'game:', where: (key, ref, value) => value.open };
 */
export interface RegistrySelector<K = unknown, V = unknown> {
  /** Only string keys that start with this. */
  prefix?: string;
  /** Only entries for which this returns true. */
  where?: (key: K, ref: ActorRef<Message>, value: V) => boolean;
}

/**
 * The error a taken unique key gives (Elixir's `{:error, {:already_registered, pid}}`): code
 * `ERR_ALREADY_REGISTERED`, with the live actor that holds the key.
 *
 * @example
 * try { rooms.register(ref, 'lobby'); } catch (error) {
 *   if (error instanceof AlreadyRegisteredError) error.holder.cast({ type: 'join' });
 * }
 */
export class AlreadyRegisteredError extends ThunderlineError {
  /** The registry's name. */
  readonly registry: string;
  /** The taken key. */
  readonly key: unknown;
  /** The live actor registered under `key`. */
  readonly holder: ActorRef<Message>;

  constructor(registry: string, key: unknown, holder: ActorRef<Message>) {
    super('ERR_ALREADY_REGISTERED', `registry "${registry}": key ${describeValue(key)} is already registered to ${holder.id}`);
    this.registry = registry;
    this.key = key;
    this.holder = holder;
  }
}
