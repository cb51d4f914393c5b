/**
 * Statistics and table formatting the benches share: quantiles, medians of repetitions (after a
 * warm-up), a high-resolution stopwatch and number formatting for the markdown tables.
 *
 * @example
 * const runs = await repeat(5, () => measure());
 * const p = percentiles(samples); // { p50, p99 }
 * `| ${fmt(median(runs))} µs | ${verdict(ratio <= 2)} |`
 */

/** The `q` quantile (0..1) of already sorted values (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] as number;
}

/** The median of `values` (any order). */
export function median(values: readonly number[]): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

/** p50 and p99 of `samples` (sorted in place). */
export function percentiles(samples: number[]): { p50: number; p99: number } {
  samples.sort((a, b) => a - b);
  return { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) };
}

/** Now, in ns. */
export const nowNs = (): bigint => process.hrtime.bigint();
/** µs since `since` (from {@link nowNs}). */
export const elapsedUs = (since: bigint): number => Number(nowNs() - since) / 1000;

/** Runs `fn` once as a warm-up (not reported), then `repetitions` times. */
export async function repeat<T>(repetitions: number, fn: () => Promise<T>): Promise<T[]> {
  await fn();
  const results: T[] = [];
  for (let index = 0; index < repetitions; index += 1) results.push(await fn());
  return results;
}

/** A number with `digits` decimals and thousands separators. */
export const fmt = (value: number, digits = 1): string =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
/** A rounded integer with thousands separators. */
export const int = (value: number): string => Math.round(value).toLocaleString('en-US');
/** A target's verdict for the table. */
export const verdict = (ok: boolean): string => (ok ? 'met' : '**missed**');
