/**
 * Load over time (Phoenix LiveDashboard's metrics page): one sample per second of tick lateness,
 * tick round duration, events/s, restarts/s, heap, RSS and event-loop delay, kept for the last
 * hour in a ring. It listens to the pubsub and the tick bus (O(1) per event) and reads the
 * process once per sample, on the runtime clock. The ring is one array of doubles allocated at
 * start (9 numbers a sample, 259 KB for an hour), so memory does not grow while it fills: a ring
 * of sample objects took about 216 bytes of heap a sample (the object, six boxed doubles, its
 * slot), 13 KB a minute for the whole first hour, which the long-run bench measured as a leak.
 *
 * @example
 * const load = new LoadSampler({ system, tickBus });
 * load.samples(); // [{ at, tick, lateMs, roundMs, eventsPerSec, restartsPerSec, heapMb, rssMb, loopDelayMs }]
 * load.close();
 */
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { ActorSystem } from '../actor/actor-system.ts';
import type { TimerHandle } from '../clock.ts';
import type { TickBus, TickRound } from '../domain/tick-bus.ts';
import { ALL_TOPICS } from '../pubsub/index.ts';

/** One second of load. */
export interface LoadSample {
  /** Wall ms when the sample was taken. */
  at: number;
  /** The latest tick number. */
  tick: number;
  /** The largest lateness of the ticks of this interval, ms (the last tick's when none fired). */
  lateMs: number;
  /** The longest tick round of this interval (emission → every domain handled it), ms; null when none completed. */
  roundMs: number | null;
  eventsPerSec: number;
  /** `child_restarted` events per second. */
  restartsPerSec: number;
  heapMb: number;
  rssMb: number;
  /** Event-loop delay over the interval, p99, ms. */
  loopDelayMs: number;
}

/** Options of {@link LoadSampler}. */
export interface LoadSamplerOptions {
  system: ActorSystem;
  /** The runtime's tick bus, for round durations; without it `roundMs` is always null. */
  tickBus?: TickBus | undefined;
  /** ms between samples; default 1000. */
  intervalMs?: number;
  /** Samples kept; default 3600 (an hour at 1 s). */
  capacity?: number;
}

/** Numbers a sample takes in the ring: the fields of {@link LoadSample}, in order. */
const FIELDS = 9;

/** Samples the runtime's load into a bounded ring. */
export class LoadSampler {
  /** The ring: sample i's fields at `i * FIELDS` ... (`roundMs` null is NaN); allocated once. */
  private readonly ring: Float64Array;
  /** Index of the oldest sample in the ring, and how many it holds. */
  private oldest = 0;
  private size = 0;
  private readonly capacity: number;
  private readonly intervalMs: number;
  private readonly system: ActorSystem;
  private readonly histogram: IntervalHistogram;
  private readonly offs: Array<() => void> = [];
  private timer: TimerHandle | undefined;
  private closed = false;
  private lastSampleAt: number;
  private events = 0;
  private restarts = 0;
  private tick = 0;
  private lastLateMs = 0;
  private maxLateMs: number | undefined;
  private maxRoundMs: number | null = null;
  /** Emission time (runtime clock) of the latest ticks, by tick number: at most a few are open. */
  private readonly emitted = new Map<number, number>();

  constructor(options: LoadSamplerOptions) {
    this.system = options.system;
    this.capacity = options.capacity ?? 3600;
    if (!Number.isInteger(this.capacity) || this.capacity < 1)
      throw new RangeError(`LoadSampler: capacity must be a positive integer, got ${this.capacity}`);
    this.ring = new Float64Array(this.capacity * FIELDS);
    this.intervalMs = options.intervalMs ?? 1000;
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.histogram.enable();
    this.lastSampleAt = this.system.clock.now();
    this.offs.push(
      this.system.pubsub.subscribe(ALL_TOPICS, (event) => {
        this.events += 1;
        if (event.type === 'child_restarted') this.restarts += 1;
        else if (event.type === 'tick') {
          this.tick = event.tick;
          this.lastLateMs = event.lateMs;
          this.maxLateMs = Math.max(this.maxLateMs ?? 0, event.lateMs);
          this.emitted.set(event.tick, this.system.clock.now());
          if (this.emitted.size > 64) this.emitted.delete(this.emitted.keys().next().value as number);
        }
      }),
    );
    if (options.tickBus) this.offs.push(options.tickBus.onRoundDone((round) => this.roundDone(round)));
    this.sample();
    this.schedule();
  }

  /** Every sample kept, oldest first; `sinceMs` (wall ms) keeps only later ones. */
  samples(sinceMs?: number): LoadSample[] {
    const samples: LoadSample[] = [];
    const ring = this.ring;
    for (let i = 0; i < this.size; i += 1) {
      const base = ((this.oldest + i) % this.capacity) * FIELDS;
      const at = ring[base] as number;
      if (sinceMs !== undefined && !(at > sinceMs)) continue;
      const roundMs = ring[base + 3] as number;
      samples.push({
        at,
        tick: ring[base + 1] as number,
        lateMs: ring[base + 2] as number,
        roundMs: Number.isNaN(roundMs) ? null : roundMs,
        eventsPerSec: ring[base + 4] as number,
        restartsPerSec: ring[base + 5] as number,
        heapMb: ring[base + 6] as number,
        rssMb: ring[base + 7] as number,
        loopDelayMs: ring[base + 8] as number,
      });
    }
    return samples;
  }

  /** The ms between samples. */
  get interval(): number {
    return this.intervalMs;
  }

  /** Stops sampling and listening. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.system.clock.clearTimeout(this.timer);
    this.histogram.disable();
    for (const off of this.offs) off();
  }

  private roundDone(round: TickRound): void {
    const began = this.emitted.get(round.tick);
    if (began === undefined) return;
    this.emitted.delete(round.tick);
    const ms = this.system.clock.now() - began;
    this.maxRoundMs = Math.max(this.maxRoundMs ?? 0, ms);
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = this.system.clock.setTimeout(() => {
      this.sample();
      this.schedule();
    }, this.intervalMs);
    // A sampler never keeps the process alive.
    (this.timer as { timer?: { unref?: () => void } } | undefined)?.timer?.unref?.();
  }

  private sample(): void {
    const now = this.system.clock.now();
    const seconds = Math.max((now - this.lastSampleAt) / 1000, 0.001);
    this.lastSampleAt = now;
    const memory = process.memoryUsage();
    const delay = this.histogram.count > 0 ? this.histogram.percentile(99) / 1e6 : 0;
    this.histogram.reset();
    // The slot after the newest; when the ring is full, that is the oldest, which it replaces.
    const base = ((this.oldest + this.size) % this.capacity) * FIELDS;
    if (this.size === this.capacity) this.oldest = (this.oldest + 1) % this.capacity;
    else this.size += 1;
    const ring = this.ring;
    ring[base] = this.system.clock.wallNow();
    ring[base + 1] = this.tick;
    ring[base + 2] = round3(this.maxLateMs ?? this.lastLateMs);
    ring[base + 3] = this.maxRoundMs === null ? Number.NaN : round3(this.maxRoundMs);
    ring[base + 4] = round3(this.events / seconds);
    ring[base + 5] = round3(this.restarts / seconds);
    ring[base + 6] = round3(memory.heapUsed / 1048576);
    ring[base + 7] = round3(memory.rss / 1048576);
    ring[base + 8] = round3(delay);
    this.events = 0;
    this.restarts = 0;
    this.maxLateMs = undefined;
    this.maxRoundMs = null;
  }
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
