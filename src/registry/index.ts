/**
 * Name registries (Elixir's `Registry`): {@link Registry} maps keys to live actors, unique or
 * duplicate, and drops an actor's entries when it exits; {@link via} names an actor through a
 * registry, and {@link whereis}, {@link cast} and {@link call} reach a name or a ref alike.
 *
 * @example
 * const rooms = new Registry({ keys: 'unique', name: 'rooms' });
 * await spawnActor(system, room, undefined, { name: via(rooms, 'lobby') });
 * await call(via(rooms, 'lobby'), { type: 'users' });
 * @module
 */
export {
  AlreadyRegisteredError,
  type RegisterEvent,
  type Registration,
  Registry,
  type RegistryEntry,
  type RegistryKeys,
  type RegistryOptions,
  type RegistrySelector,
  type UnregisterEvent,
} from './registry.ts';
export { call, cast, via, whereis } from './send.ts';
