/**
 * A running actor and the reference to it: `cast`, `call`, `stop`, `kill` and exit listeners.
 * The actor itself is an {@link ActorCell} (one incarnation, its own mailbox, run by the system's
 * run queue) and a nact actor.
 *
 * @example
 * const ref = await spawnActor(system, counter);
 * ref.cast({ type: 'add', by: 2 });
 * const n = await ref.call<number>({ type: 'get' }, 1000);
 * await ref.stop();
 */

import { ThunderlineError } from '../errors.ts';
import { ActorCell } from './actor-cell.ts';
import type { ActorSystem } from './actor-system.ts';
import type { Behaviour, ExitSignal, Message } from './behaviour.ts';
import { cellOf, link, unlink } from './exit-links.ts';
import { isViaName, type ViaName, viaDisplayName } from './naming.ts';

export { ActorCell, DEFAULT_CALL_TIMEOUT_MS } from './actor-cell.ts';

/** A reference to an actor. Methods never throw for a dead actor; see each one. */
export interface ActorRef<M extends Message> {
  /** Unique in its system, e.g. `"ticker#12"`. */
  readonly id: string;
  /** The behaviour's display name. */
  readonly name: string;
  /** False once the actor has exited. A restart is a new actor with a new ref. */
  readonly alive: boolean;
  /** Fire and forget. To a dead actor: a dead letter (counted and published), never thrown. */
  cast(message: M): void;
  /**
   * Request/reply. Rejects with `ERR_QUERY_TIMEOUT` after `timeoutMs` (default 5000), or with
   * `ERR_ACTOR_STOPPED` if the actor is dead or dies before replying.
   */
  call<R = unknown>(message: M, timeoutMs?: number): Promise<R>;
  /** Graceful stop: queued behind pending messages, runs `terminate`, resolves on exit. */
  stop(reason?: unknown): Promise<ExitSignal>;
  /** Immediate exit without `terminate` (Erlang's `exit(Pid, kill)`); default reason `'killed'`. */
  kill(reason?: unknown): void;
  /** Calls `listener` once when the actor exits (at once if it already has). */
  onExit(listener: (signal: ExitSignal) => void): () => void;
  /** Resolves with the exit signal once the actor has exited. */
  whenExited(): Promise<ExitSignal>;
}

/** Options of {@link spawnActor}. */
export interface SpawnOptions {
  /**
   * Display name; default the behaviour's `name`, else `'actor'`. A {@link ViaName}
   * (`via(registry, key)`) registers the actor under `key` before its `init` runs, and the
   * display name is the key when it is a string.
   */
  name?: string | ViaName;
  /**
   * Trap exits (Erlang's `process_flag(trap_exit, true)`): an exit signal from a linked actor
   * arrives as an `{ type: 'EXIT', from, reason }` message instead of exiting this actor.
   */
  trapExits?: boolean;
  /**
   * Links the new actor to this one before its `init` runs (Erlang's `spawn_link`, GenServer's
   * `start_link` from inside an actor). Rejects with `ERR_NOPROC` if that actor is dead.
   */
  link?: ActorRef<never>;
}

/**
 * Starts an actor and resolves once its `init` has finished, like `gen_server:start_link`.
 * Rejects with the thrown value when `init` fails; the actor is then gone.
 */
export function spawnActor<S, M extends Message, A = void>(
  system: ActorSystem,
  behaviour: Behaviour<S, M, A>,
  args: A,
  options: SpawnOptions = {},
): Promise<ActorRef<M>> {
  const { name, link: linkTo } = options;
  const fallback = behaviour.name ?? 'actor';
  const via = isViaName(name);
  const cell = new ActorCell<S, M, A>(system, behaviour, via ? viaDisplayName(name, fallback) : (name ?? fallback));
  if (options.trapExits) cell.trapExits = true;
  let linked = false;
  try {
    if (linkTo !== undefined) {
      const peer = cellOf(linkTo, 'spawnActor: options.link');
      if (!peer.alive) throw new ThunderlineError('ERR_NOPROC', `spawnActor: options.link names ${linkTo.id}, which is not alive`);
      link(cell, linkTo);
      linked = true;
    }
    // Like GenServer's `name:`, the name is taken before `init` runs: a taken name starts nothing.
    if (via) name.via.registerName(name.key, cell, name.value);
  } catch (error) {
    if (linked) unlink(cell, linkTo as ActorRef<never>);
    return Promise.reject(error);
  }
  return cell.start(args);
}
