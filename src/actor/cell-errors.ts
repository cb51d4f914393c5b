/**
 * The errors an actor cell rejects calls with (the actor is gone, the call timed out, the timeout
 * is not a valid one), each naming the actor and the message, and the exit reason of a failed
 * `terminate` (docs/errors.md).
 *
 * @example
 * promise.reject(actorStopped('worker#3', 'get', 'killed'));
 */
import { formatReason, ThunderlineError } from '../errors.ts';
import type { ActorSystem } from './actor-system.ts';

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

/**
 * `ERR_TERMINATE_FAILED`: the exit reason of an actor whose `terminate` threw or rejected while it
 * exited with `reason` (as gen_server, which exits with the terminate's error). It names both, its
 * `cause` is the terminate's error, and it is reported on `system` (`operation_failed`) first.
 */
export function terminateFailed(system: ActorSystem, actor: string, reason: unknown, failure: unknown): ThunderlineError {
  const exit = new ThunderlineError(
    'ERR_TERMINATE_FAILED',
    `actor "${actor}": terminate failed while exiting with reason ${formatReason(reason)}: ${formatReason(failure)}`,
    { cause: failure },
  );
  system.reportFailure('terminate', actor, exit);
  return exit;
}
