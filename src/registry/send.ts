/**
 * Names through a registry and messages to them: {@link via} builds the name
 * (Elixir's `{:via, Registry, {registry, key}}`), {@link whereis} resolves it, {@link cast} and
 * {@link call} send to a name or a ref alike, as `GenServer.cast/2` and `GenServer.call/3` do.
 *
 * @example
 * const rooms = new Registry({ keys: 'unique', name: 'rooms' });
 * await spawnActor(system, room, undefined, { name: via(rooms, 'lobby') });
 * cast(via(rooms, 'lobby'), { type: 'join', user: 'ann' });
 * const users = await call<string[]>(via(rooms, 'lobby'), { type: 'users' });
 */
import type { ActorRef } from '../actor/actor-ref.ts';
import type { Message } from '../actor/behaviour.ts';
import { isViaName, type ViaName } from '../actor/naming.ts';
import { describeValue, ThunderlineError } from '../errors.ts';
import { Registry } from './registry.ts';

/**
 * The name of `key` in a unique `registry`, accepted by `spawnActor`'s `name` option and by
 * {@link whereis}, {@link cast} and {@link call}. With `value`, spawning stores it with the entry
 * (Elixir's `{:via, Registry, {registry, key, value}}`). A duplicate registry cannot name actors:
 * `ERR_INVALID_OPTION`, as Elixir raises.
 *
 * @example
 * const ref = await spawnActor(system, room, undefined, { name: via(rooms, 'lobby', { topic: 'hi' }) });
 */
export function via<K, V>(registry: Registry<K, V>, key: K, value?: V): ViaName {
  if (!(registry instanceof Registry)) {
    throw new ThunderlineError('ERR_INVALID_OPTION', `via: expected a Registry, got ${describeValue(registry)}`);
  }
  if (registry.kind !== 'unique') {
    throw new ThunderlineError(
      'ERR_INVALID_OPTION',
      `via: registry "${registry.name}" has keys "duplicate"; names need a registry with keys "unique"`,
    );
  }
  return value === undefined ? { via: registry, key } : { via: registry, key, value };
}

/**
 * The live actor a name stands for, or undefined (Elixir's `GenServer.whereis/1`).
 *
 * @example
 * whereis<RoomMsg>(via(rooms, 'lobby'))?.cast({ type: 'join', user: 'ann' });
 */
export function whereis<M extends Message = Message>(name: ViaName): ActorRef<M> | undefined {
  if (!isViaName(name)) throw new ThunderlineError('ERR_INVALID_OPTION', `whereis: expected a name from via(), got ${describeValue(name)}`);
  return name.via.whereisName(name.key) as ActorRef<M> | undefined;
}

/**
 * Sends `message` to a ref or a name, fire and forget (Elixir's `GenServer.cast/2`). A name that
 * no live actor holds drops the message, as `GenServer.cast` does, and returns false: with no
 * actor there is no actor system to count a dead letter in. Otherwise it returns true and the
 * ref's own `cast` runs (a ref that has exited turns the message into a dead letter there).
 *
 * @example
 * if (!cast(via(rooms, 'lobby'), { type: 'join', user: 'ann' })) console.log('no lobby');
 */
export function cast<M extends Message>(target: ActorRef<M> | ViaName, message: M): boolean {
  const ref = resolve(target, 'cast');
  if (ref === undefined) return false;
  ref.cast(message);
  return true;
}

/**
 * Request/reply to a ref or a name (Elixir's `GenServer.call/3`). A name that no live actor holds
 * rejects with `ERR_NOPROC` naming the registry and the key; otherwise as `ref.call`
 * (`ERR_QUERY_TIMEOUT` after `timeoutMs`, default 5000; `ERR_ACTOR_STOPPED`). Never throws:
 * every failure is a rejection.
 *
 * @example
 * const users = await call<string[]>(via(rooms, 'lobby'), { type: 'users' }, 1000);
 */
export function call<R = unknown, M extends Message = Message>(target: ActorRef<M> | ViaName, message: M, timeoutMs?: number): Promise<R> {
  let ref: ActorRef<M> | undefined;
  try {
    ref = resolve(target, 'call');
  } catch (error) {
    return Promise.reject(error);
  }
  if (ref === undefined) {
    const name = target as ViaName;
    const type = (message as { type?: unknown } | null | undefined)?.type;
    const what = typeof type === 'string' ? `"${type}"` : describeValue(message);
    return Promise.reject(
      new ThunderlineError(
        'ERR_NOPROC',
        `call: no actor is registered under ${describeValue(name.key)} in registry "${name.via.name}"; ${what} was not sent`,
      ),
    );
  }
  return ref.call<R>(message, timeoutMs);
}

/** The ref a target stands for: itself, or the live holder of a name (undefined if none). */
function resolve<M extends Message>(target: ActorRef<M> | ViaName, what: string): ActorRef<M> | undefined {
  if (isViaName(target)) return target.via.whereisName(target.key) as ActorRef<M> | undefined;
  if (typeof target !== 'object' || target === null || typeof (target as ActorRef<M>).cast !== 'function') {
    throw new ThunderlineError('ERR_INVALID_OPTION', `${what}: expected an actor ref or a name from via(), got ${describeValue(target)}`);
  }
  return target;
}
