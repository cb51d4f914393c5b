/**
 * The one error class of Thunderline, with a stable `code` per failure.
 *
 * Codes never change once released; wording may. Every code is listed in `docs/errors.md`.
 *
 * @example
 * try { await supervisor.startChild(spec) } catch (error) {
 *   if (error instanceof ThunderlineError && error.code === 'ERR_DUPLICATE_CHILD_ID') { ... }
 * }
 */

/** Every error code Thunderline throws or rejects with. */
export type ErrorCode =
  | 'ERR_INVALID_CHILD_SPEC'
  | 'ERR_INVALID_SUPERVISOR_OPTIONS'
  | 'ERR_DUPLICATE_CHILD_ID'
  | 'ERR_CHILD_START_FAILED'
  | 'ERR_CHILD_NOT_FOUND'
  | 'ERR_CHILD_RUNNING'
  | 'ERR_CHILD_RESTARTING'
  | 'ERR_RESTART_INTENSITY'
  | 'ERR_UNKNOWN_ACTOR'
  | 'ERR_ACTOR_STOPPED'
  | 'ERR_TERMINATE_FAILED'
  | 'ERR_QUERY_TIMEOUT'
  | 'ERR_INVALID_DOMAIN'
  | 'ERR_ACTIVATION_TIMEOUT'
  | 'ERR_ACTIVATE_TIMEOUT'
  | 'ERR_ACTIVATION_FAILED'
  | 'ERR_DEACTIVATE_FAILED'
  | 'ERR_UNKNOWN_DOMAIN'
  | 'ERR_INVALID_OPTION'
  | 'ERR_RUNTIME_STOPPED'
  | 'ERR_DB_NOT_SQLITE'
  | 'ERR_DB_DIRECTORY_MISSING'
  | 'ERR_DB_SCHEMA_NEWER'
  | 'ERR_DB_NOT_THUNDERLINE'
  | 'ERR_DATABASE_LOCKED'
  | 'ERR_DB_FAILURE'
  | 'ERR_USAGE'
  | 'ERR_SERVER'
  | 'ERR_ALREADY_REGISTERED'
  | 'ERR_NOPROC'
  | 'ERR_MAX_CHILDREN'
  | 'ERR_TASK_TIMEOUT'
  | 'ERR_TASK_FAILED'
  | 'ERR_CLUSTER_UNREACHABLE'
  | 'ERR_CLUSTER_CONFLICT';

/** An error with a stable {@link ErrorCode}; `cause` carries the underlying error, if any. */
export class ThunderlineError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ThunderlineError';
    this.code = code;
  }
}

/** True when `error` is a {@link ThunderlineError} with the given code. */
export function hasCode(error: unknown, code: ErrorCode): error is ThunderlineError {
  return error instanceof ThunderlineError && error.code === code;
}

/**
 * Renders any exit reason or thrown value as one readable line, for events and logs.
 * Errors give their message (with the code when they have one); strings stay as they are;
 * anything else is JSON.
 */
export function formatReason(reason: unknown): string {
  if (reason instanceof Error) {
    const code = (reason as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${reason.message}` : reason.message || reason.name;
  }
  if (typeof reason === 'string') return reason;
  if (reason === undefined) return 'undefined';
  // OTP's `{shutdown, Term}`: a clean exit that still says why.
  if (typeof reason === 'object' && reason !== null && 'shutdown' in reason && Object.keys(reason).length === 1) {
    return `shutdown: ${formatReason((reason as { shutdown: unknown }).shutdown)}`;
  }
  try {
    return JSON.stringify(reason) ?? String(reason);
  } catch {
    return String(reason);
  }
}

/** Quotes a value the way error messages show what they got: strings in quotes, the rest as JSON. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}
