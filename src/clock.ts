/**
 * The one source of time for the runtime: call timeouts, restart intensity windows, backoff,
 * shutdown timeouts and the tick schedule all read a {@link Clock}, so tests can swap in a
 * {@link ManualClock} and advance time by hand instead of sleeping.
 *
 * @example
 * const clock = new ManualClock();
 * clock.setTimeout(() => console.log('fired'), 100);
 * clock.advance(100); // prints "fired"
 */

/** An opaque handle returned by {@link Clock.setTimeout}. */
export interface TimerHandle {
  readonly id: number;
}

/** Monotonic time, wall time and timers. */
export interface Clock {
  /** Monotonic milliseconds (may be fractional); never goes back. */
  now(): number;
  /** Wall clock, milliseconds since the Unix epoch. */
  wallNow(): number;
  /** Runs `fn` once, `delayMs` from now (clamped to >= 0). */
  setTimeout(fn: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

/** A {@link SystemClock} timer: it holds the Node timer, so clearing it needs no lookup. */
class SystemTimer implements TimerHandle {
  constructor(
    readonly id: number,
    readonly timer: NodeJS.Timeout,
  ) {}
}

/**
 * The real clock: `performance.now()`, `Date.now()` and Node timers. The timers are not unref'd:
 * a pending one (a tick, a call timeout) keeps the process alive, as a Node timer does.
 */
export class SystemClock implements Clock {
  private nextId = 1;

  now(): number {
    return performance.now();
  }

  wallNow(): number {
    return Date.now();
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    // Every call sets one of these: no wrapper closure and no id map on that hot path.
    return new SystemTimer(this.nextId++, setTimeout(fn, Math.max(0, Math.min(delayMs, 2_147_483_647))));
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle instanceof SystemTimer) clearTimeout(handle.timer);
  }
}

interface ManualTimer {
  id: number;
  dueMs: number;
  fn: () => void;
}

/**
 * A clock that moves only when told to. Timers fire synchronously inside {@link advance}, in
 * due order (ties in creation order), each seeing `now()` equal to its own deadline.
 */
export class ManualClock implements Clock {
  private currentMs: number;
  private readonly wallOriginMs: number;
  private nextId = 1;
  /** Pending timers by id; ids grow, so iteration order is creation order. */
  private readonly timers = new Map<number, ManualTimer>();

  /**
   * @param startMs monotonic start, default 0
   * @param wallOriginMs wall time at `startMs`, default 2026-01-01T00:00:00Z
   */
  constructor(startMs = 0, wallOriginMs = Date.UTC(2026, 0, 1)) {
    this.currentMs = startMs;
    this.wallOriginMs = wallOriginMs - startMs;
  }

  now(): number {
    return this.currentMs;
  }

  wallNow(): number {
    return this.wallOriginMs + this.currentMs;
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    const timer = { id: this.nextId++, dueMs: this.currentMs + Math.max(0, delayMs), fn };
    this.timers.set(timer.id, timer);
    return { id: timer.id };
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (!handle) return;
    this.timers.delete(handle.id);
  }

  /** Timers not yet fired. */
  pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`ManualClock.advance: ms must be >= 0, got ${ms}`);
    const targetMs = this.currentMs + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const timer of this.timers.values()) {
        if (timer.dueMs <= targetMs && (!next || timer.dueMs < next.dueMs || (timer.dueMs === next.dueMs && timer.id < next.id))) {
          next = timer;
        }
      }
      if (!next) break;
      const fired = next;
      this.timers.delete(fired.id);
      this.currentMs = Math.max(this.currentMs, fired.dueMs);
      fired.fn();
    }
    this.currentMs = targetMs;
  }
}

/** The process-wide real clock; the default wherever a clock is optional. */
export const systemClock: Clock = new SystemClock();
