/**
 * Names through a registry (Elixir's `{:via, Registry, {registry, key}}`): what the actor layer
 * needs of a name registry, so `spawnActor`, supervisors and `cast`/`call` accept a name wherever
 * they accept a ref without the actor layer knowing any registry. `Registry` (src/registry/)
 * implements {@link NameRegistrar}; `via(registry, key)` builds a {@link ViaName}.
 *
 * @example
 * const rooms = new Registry({ keys: 'unique', name: 'rooms' });
 * const ref = await spawnActor(system, room, undefined, { name: via(rooms, 'lobby') });
 * rooms.whereis('lobby') === ref; // true until the actor exits
 */
import type { ActorRef } from './actor-ref.ts';

/** A registry an actor can be registered in at spawn time. */
export interface NameRegistrar {
  /** The registry's name, for errors and the dashboard. */
  readonly name: string;
  /**
   * Registers `ref` under `key` with `value`, atomically, before the actor's `init` runs; the entry
   * goes when the actor exits. Throws `ERR_ALREADY_REGISTERED` (carrying the holder's ref) when a
   * unique key is taken by a live actor.
   */
  registerName(key: unknown, ref: ActorRef<never>, value: unknown): void;
  /** The live actor registered under a unique `key`, if any. */
  whereisName(key: unknown): ActorRef<never> | undefined;
}

/** A name in a registry, accepted wherever a ref or an actor's name is. */
export interface ViaName {
  readonly via: NameRegistrar;
  readonly key: unknown;
  /** The value stored with the entry (Elixir's `{:via, Registry, {reg, key, value}}`). */
  readonly value?: unknown;
}

/** True for a {@link ViaName}. */
export function isViaName(value: unknown): value is ViaName {
  return (
    typeof value === 'object' &&
    value !== null &&
    'via' in value &&
    'key' in value &&
    typeof (value as ViaName).via?.registerName === 'function'
  );
}

/** The display name a {@link ViaName} gives its actor: the key when it is a string. */
export function viaDisplayName(name: ViaName, fallback: string): string {
  return typeof name.key === 'string' && name.key.length > 0 ? name.key : fallback;
}
