/**
 * The one real-time guard of the test suite: uvu has no per-test timeout, so every await that
 * could hang is bounded. It rejects (failing the test) instead of hanging the run, and never
 * paces a passing test: time itself moves only through the ManualClock.
 *
 * @example
 * const hello = await within(probe.next(isHello, 'hello'), 'hello');
 */

/** Rejects when `promise` has not settled within `ms` of real time. */
export function within<T>(promise: Promise<T>, what: string, ms = 3000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
