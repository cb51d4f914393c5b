/**
 * How a supervisor actor answers a request (`startChild`, `terminateChild`, ...): an
 * {@link Outcome} it replies with, never a thrown error (a throw would crash the supervisor), and
 * {@link request}, which sends one and turns a failed outcome into the error the caller gets.
 *
 * @example
 * ctx.reply(fail('ERR_CHILD_NOT_FOUND', `supervisor "app" has no child "db"`));
 * await request(actor, { type: 'terminate_child', id: 'db' }); // rejects ERR_CHILD_NOT_FOUND
 */
import type { ActorRef } from '../actor/actor-ref.ts';
import type { Message } from '../actor/behaviour.ts';
import { type ErrorCode, ThunderlineError } from '../errors.ts';
import { type AnyActorRef, DuplicateChildError } from './spec.ts';

/**
 * A supervisor's reply: the value, or the error's parts (`ref`: the running child of an
 * `ERR_DUPLICATE_CHILD_ID`).
 *
 * @example
 * const outcome: Outcome = { ok: true, value: ref };
 */
export type Outcome =
  | { ok: true; value: unknown }
  | { ok: false; code: ErrorCode; message: string; cause?: unknown; ref?: AnyActorRef | undefined };

/**
 * A failed outcome; `cause` only when there is one.
 *
 * @example
 * ctx.reply(fail('ERR_MAX_CHILDREN', 'supervisor "rooms" already has maxChildren (2) children; none started'));
 */
export function fail(code: ErrorCode, message: string, cause?: unknown): Outcome {
  return cause === undefined ? { ok: false, code, message } : { ok: false, code, message, cause };
}

/**
 * The failed outcome of a ThunderlineError, its cause kept.
 *
 * @example
 * ctx.reply(failWith(engine.startError(spec.id, error)));
 */
export function failWith(error: ThunderlineError): Outcome {
  return fail(error.code, error.message, error.cause);
}

/**
 * Sends `message` and waits, as long as it takes (like `supervisor:start_child/2`, a request
 * waits for the child to start); resolves with the value or rejects with the outcome's error (a
 * {@link DuplicateChildError} for `ERR_DUPLICATE_CHILD_ID`).
 *
 * @example
 * const ref = (await request(actor, { type: 'start_child', spec })) as AnyActorRef | undefined;
 */
export async function request<M extends Message>(actor: ActorRef<M>, message: M): Promise<unknown> {
  const outcome = await actor.call<Outcome>(message, Number.POSITIVE_INFINITY);
  if (outcome.ok) return outcome.value;
  if (outcome.code === 'ERR_DUPLICATE_CHILD_ID') throw new DuplicateChildError(outcome.message, outcome.ref);
  throw new ThunderlineError(outcome.code, outcome.message, outcome.cause === undefined ? undefined : { cause: outcome.cause });
}
