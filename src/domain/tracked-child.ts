/**
 * A domain child whose latest incarnation the domain's query API can reach: the child spec
 * remembers each ref it starts (restarts included), and `running()` returns it or rejects with
 * `ERR_UNKNOWN_ACTOR` while the domain is not active.
 *
 * @example
 * const automaton = trackedChild('thunderbolt', 'automaton', 'the automaton', ({ system }) => spawnAutomaton(system));
 * const thunderbolt = defineDomain({ name: 'thunderbolt', children: [automaton.spec] });
 * await automaton.running().call({ type: 'snapshot' });
 */
import type { ActorRef } from '../actor/actor-ref.ts';
import type { Message } from '../actor/behaviour.ts';
import { ThunderlineError } from '../errors.ts';
import type { ChildSpec, StartContext } from '../supervisor/spec.ts';

/** A child spec plus the way to reach the child it last started. */
export interface TrackedChild<M extends Message> {
  readonly spec: ChildSpec;
  /** The running child; throws `ERR_UNKNOWN_ACTOR` naming the domain and the child otherwise. */
  running(): ActorRef<M>;
}

/**
 * @param domain the owning domain's name, for the error message
 * @param id the child id
 * @param description how the error names the child, e.g. `'the automaton'`
 * @param start starts the child (as a child spec's `start`)
 */
export function trackedChild<M extends Message>(
  domain: string,
  id: string,
  description: string,
  start: (context: StartContext) => Promise<ActorRef<M>>,
): TrackedChild<M> {
  let current: ActorRef<M> | undefined;
  return {
    spec: {
      id,
      start: async (context) => {
        current = await start(context);
        return current as ActorRef<never>;
      },
    },
    running() {
      if (!current?.alive) {
        throw new ThunderlineError(
          'ERR_UNKNOWN_ACTOR',
          `${domain}: ${description} is not running; the domain is not active yet (or has stopped)`,
        );
      }
      return current;
    },
  };
}
