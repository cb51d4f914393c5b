/**
 * The errors an actor cell rejects calls with: the actor is gone, the call timed out, the timeout
 * is not a valid one. Each names the actor and the message (docs/errors.md).
 *
 * @example
 * promise.reject(actorStopped('worker#3', 'get', 'killed'));
 */
import { formatReason, ThunderlineError } from '../errors.ts';

/** `ERR_ACTOR_STOPPED`: the actor is not running; the message was not handled. */
export function actorStopped(actor: string, messageType: string, reason: unknown): ThunderlineError {
  return new ThunderlineError(
    'ERR_ACTOR_STOPPED',
    `actor "${actor}" is not running (exit reason: ${formatReason(reason)}); "${messageType}" was not handled`,
  );
}

/** `ERR_QUERY_TIMEOUT`: no reply within the call's timeout. */
export function callTimedOut(actor: string, timeoutMs: number, messageType: string): ThunderlineError {
  return new ThunderlineError(
    'ERR_QUERY_TIMEOUT',
    `call to actor "${actor}" timed out after ${timeoutMs} ms waiting for a reply to "${messageType}"`,
  );
}

/** `ERR_INVALID_OPTION`: a call timeout that is not a number > 0. */
export function invalidTimeout(actor: string, timeoutMs: unknown): ThunderlineError {
  return new ThunderlineError(
    'ERR_INVALID_OPTION',
    `call to actor "${actor}": timeoutMs must be a number > 0 or Infinity, got ${String(timeoutMs)}`,
  );
}
