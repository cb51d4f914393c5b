/**
 * Restart intensity as a sliding window on the monotonic clock (erlang `add_restart/1`), and the
 * optional restart backoff.
 *
 * @example
 * const window = new RestartIntensity(3, 5);
 * window.add(clock.now()); // false: within budget
 * window.count(clock.now()); // 1
 */

/** Restarts within the last `maxSeconds`; exceeding `maxRestarts` means give up. */
export class RestartIntensity {
  /** Restart times (monotonic ms), oldest first. */
  private times: number[] = [];

  constructor(
    readonly maxRestarts: number,
    readonly maxSeconds: number,
  ) {}

  /** Records a restart at `nowMs`; true when the budget is now exceeded. */
  add(nowMs: number): boolean {
    this.times.push(nowMs);
    this.prune(nowMs);
    return this.times.length > this.maxRestarts;
  }

  /** Restarts within the window ending at `nowMs`. */
  count(nowMs: number): number {
    this.prune(nowMs);
    return this.times.length;
  }

  private prune(nowMs: number): void {
    const periodMs = this.maxSeconds * 1000;
    let drop = 0;
    while (drop < this.times.length && nowMs - (this.times[drop] as number) >= periodMs) drop += 1;
    if (drop > 0) this.times.splice(0, drop);
  }
}

/** Exponential restart delay: min, 2·min, ... up to max; back to min after a quiet period. */
export class RestartBackoff {
  private nextDelayMs: number;
  /** When the last delayed restart is due: quiet time counts from there, not from the crash. */
  private restartDueMs: number | undefined;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly jitter: number,
    private readonly random: () => number = Math.random,
  ) {
    this.nextDelayMs = minMs;
  }

  /** The delay before the restart requested at `nowMs`. */
  delay(nowMs: number): number {
    const quietMs = (this.minMs + this.maxMs) / 2;
    // Measured from the restart, a child that crashes as soon as it is back is never "quiet", so
    // its delay climbs to maxMs and stays there (from the crash, any delay > quietMs would reset it).
    if (this.restartDueMs !== undefined && nowMs - this.restartDueMs > quietMs) this.nextDelayMs = this.minMs;
    const base = this.nextDelayMs;
    this.nextDelayMs = Math.min(this.maxMs, Math.max(base * 2, 1));
    const delayMs = this.jitter === 0 ? base : Math.max(0, Math.min(this.maxMs, base + base * this.jitter * (this.random() * 2 - 1)));
    this.restartDueMs = nowMs + delayMs;
    return delayMs;
  }
}
