/**
 * The nact side of an actor cell: spawns the nact actor (a direct child of the nact system root)
 * and routes what nact delivers to it (`dispatch`, `query`, `stop`) to the cell, so nact stays
 * the actor system while the cell owns execution (docs/architecture.md, "The actor cell").
 *
 * @example
 * const { ref, actor, stop } = spawnNactActor(system, 'worker_1', (message, sender) => cell.fromNact(message, sender), () => cell.kill());
 */
import { createRequire } from 'node:module';
import { dispatch, type Ref, spawn } from 'nact';
import type { ActorSystem } from './actor-system.ts';

/** The parts of nact's concrete actor (nact's lib/actor.js) the cell replaces or calls. */
export interface NactActor {
  dispatch(message: unknown, sender?: unknown): void;
  stop(): void;
  /** The nact system root, for our actors (all spawned at the top level); removed at stop. */
  parent?: { childStopped(child: NactActor): void };
  stopped: boolean;
}

/** nact's registry of systems: how we reach the concrete actor behind a reference. */
const nactSystems = createRequire(import.meta.url)('nact/lib/system-map.js') as {
  find(systemName: string, ref: Ref<unknown>): NactActor | undefined;
};

const ignore = (): void => {};

/** An actor id made safe for a nact path segment (nact names are path parts). */
export function nactName(id: string): string {
  return id.replace(/[^a-z0-9\-$_.+!*'(),]/gi, '_');
}

/**
 * Spawns a nact actor named `name` and makes its `dispatch` call `onMessage` and its `stop` call
 * `onStop`; returns its reference and the concrete actor (stop it with {@link stopNactActor}).
 */
export function spawnNactActor(
  system: ActorSystem,
  name: string,
  onMessage: (message: unknown, sender: unknown) => void,
  onStop: () => void,
): { ref: Ref<unknown>; actor: NactActor | undefined } {
  const ref = spawn(system.nact, ignore, name);
  const actor = nactSystems.find(system.nactName, ref);
  if (!actor) return { ref, actor: undefined };
  actor.dispatch = onMessage;
  actor.stop = onStop;
  return { ref, actor };
}

/**
 * Stops `actor` in nact: takes it out of the nact system (later `dispatch`/`query` to its reference
 * find nothing) and marks it stopped. This is what nact's own `Actor.stop` does for an actor like
 * ours (no children, no `shutdownAfter` timer, no nact mailbox: the cell replaced `dispatch`),
 * without the context object and the `setImmediate` it allocates for an `afterStop` we never set;
 * those were half of what a kill cost (docs/benchmarks.md, "The OTP toolkit").
 */
export function stopNactActor(actor: NactActor): void {
  if (actor.stopped) return;
  actor.parent?.childStopped(actor);
  actor.parent = undefined;
  actor.stopped = true;
}

/** True for the temporary reference nact's `query` sends with its message (the reply goes there). */
export function isQuerySender(sender: unknown): sender is Ref<unknown> {
  return typeof sender === 'object' && sender !== null && (sender as { type?: unknown }).type === 'temp';
}

/** A `ctx.reply` that answers a nact `query` once, while `live()` holds. */
export function replyOnce(sender: Ref<unknown>, live: () => boolean): (value: unknown) => void {
  let answered = false;
  return (value) => {
    if (answered || !live()) return;
    answered = true;
    dispatch(sender, value);
  };
}
