/**
 * Runs a callback that may answer at once or with a promise (an actor's `init`, its `terminate`)
 * and routes the outcome: `done` with the value, `failed` with what it threw or rejected with,
 * synchronously when it answered at once.
 *
 * @example
 * const pending = settleMaybeAsync(() => behaviour.init(args, ctx), (state) => started(state), (error) => failed(error));
 * // pending: true while a promise is outstanding
 */

/** Runs `run`; returns true when its answer is a promise still to settle. */
export function settleMaybeAsync<T>(run: () => T | Promise<T>, done: (value: T) => void, failed: (error: unknown) => void): boolean {
  let result: T | Promise<T>;
  try {
    result = run();
  } catch (error) {
    failed(error);
    return false;
  }
  if (!(result instanceof Promise)) {
    done(result);
    return false;
  }
  result.then(done, failed);
  return true;
}
