/**
 * What a child's `start` may resolve with: an actor ref or {@link IGNORE}. Anything else (a
 * start function typed loosely, a forgotten `return`) fails the start before the supervisor
 * records or watches anything, with a message naming the value.
 *
 * @example
 * const ref = checkStartResult(await spec.start(context), 'app', 'db'); // throws for 42
 */
import { describeValue, ThunderlineError } from '../errors.ts';
import { type AnyActorRef, IGNORE } from './spec.ts';

/**
 * True for what a supervisor can supervise: an object with a string `id` and the `onExit`,
 * `stop`, `kill` and `whenExited` of an actor ref (any ref that delegates them will do).
 *
 * @example
 * isActorRef(await spawnActor(system, worker, undefined)); // true
 * isActorRef(42); // false
 */
export function isActorRef(value: unknown): value is AnyActorRef {
  if (typeof value !== 'object' || value === null) return false;
  const ref = value as { [K in keyof AnyActorRef]?: unknown };
  return (
    typeof ref.id === 'string' &&
    typeof ref.onExit === 'function' &&
    typeof ref.stop === 'function' &&
    typeof ref.kill === 'function' &&
    typeof ref.whenExited === 'function'
  );
}

/**
 * `ERR_CHILD_START_FAILED` for a start that resolved with neither an actor ref nor `IGNORE`. Its
 * message already names the supervisor and the child, so a supervisor passes it on as it is.
 *
 * @example
 * new StartResultError('app', 'db', 42).message; // supervisor "app": child "db": start must resolve with an actor ref or IGNORE, got 42
 */
export class StartResultError extends ThunderlineError {
  constructor(supervisor: string, child: string, value: unknown) {
    super(
      'ERR_CHILD_START_FAILED',
      `supervisor "${supervisor}": child "${child}": start must resolve with an actor ref or IGNORE, got ${describeValue(value)}`,
    );
  }
}

/**
 * Returns `value` when it is an actor ref or `IGNORE`; throws a {@link StartResultError} otherwise.
 *
 * @example
 * const started = checkStartResult(value, engine.name, spec.id);
 */
export function checkStartResult(value: unknown, supervisor: string, child: string): AnyActorRef | typeof IGNORE {
  if (value === IGNORE || isActorRef(value)) return value;
  throw new StartResultError(supervisor, child, value);
}
