/**
 * The cluster's one tick generator (`docs/cluster.md`, "Ticks"): it runs on the holder of the
 * `tick` lease. Deadlines count from the cluster's fixed origin (`cluster_clock`), so a new
 * leader keeps the schedule; tick numbers carry on from the highest recorded one, and each is
 * recorded in PostgreSQL — fenced by the leader's lease epoch, unique by primary key — before it is
 * published with message id `tick-<n>`. Deadlines that passed with no leader are skipped, never
 * fired in a burst, and reported as a `tick_gap`.
 *
 * @example
 * const leader = new TickLeader({ ledger, bus, clock, originMs, intervalMs, nodeId, stillLeader, onGap });
 * await leader.lead(epoch);   // ticks until the lease is lost or stop()
 */
import type { Clock, TimerHandle } from '../clock.ts';
import type { ClusterBus, ClusterTick } from './bus.ts';
import type { PgLedger } from './ledger.ts';

/** Options of {@link TickLeader}. */
export interface TickLeaderOptions {
  ledger: Pick<PgLedger, 'recordTick' | 'lastTick'>;
  bus: Pick<ClusterBus, 'publishTick'>;
  /** Wall-clock time (`wallNow`) decides deadlines: the origin is shared by every node. */
  clock: Clock;
  nodeId: string;
  originMs: number;
  intervalMs: number;
  /** The lease epoch while this node still leads (trusted), else undefined. */
  leaseEpoch(): number | undefined;
  /** Deadlines were skipped: `missed` of them had no tick. */
  onGap(missed: number): void;
  /** A tick was recorded and published. */
  onTick(tick: ClusterTick): void;
  /** Recording or publishing failed; the next deadline tries again. */
  onError(error: unknown): void;
}

/** The leader loop. */
export class TickLeader {
  private epoch: number | undefined;
  private timer: TimerHandle | undefined;
  private lastTick = 0;
  /** Deadline index of the last tick this leader published. */
  private lastIndex: number | undefined;
  /** Ticks this node published. */
  published = 0;

  constructor(private readonly options: TickLeaderOptions) {}

  /** Starts leading at `epoch`: reads the last tick number, then ticks at each deadline. */
  async lead(epoch: number): Promise<void> {
    this.stop();
    this.epoch = epoch;
    const last = await this.options.ledger.lastTick();
    if (this.epoch !== epoch) return;
    this.lastTick = last.n;
    // The schedule carries on from the last deadline any leader ticked: the gap is reported once.
    this.lastIndex = last.dueAt === null ? undefined : Math.round((last.dueAt - this.options.originMs) / this.options.intervalMs);
    this.schedule();
  }

  /** Stops ticking (the lease was lost or the node is leaving). */
  stop(): void {
    this.epoch = undefined;
    this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The next deadline's index after `now` (or right after the last one published). */
  private nextIndex(): number {
    const { originMs, intervalMs, clock } = this.options;
    // The latest deadline not yet passed by more than one interval: a late timer still ticks for
    // its own deadline, and deadlines long gone are skipped.
    const current = Math.floor((clock.wallNow() - originMs) / intervalMs);
    return this.lastIndex === undefined ? current + 1 : Math.max(this.lastIndex + 1, current);
  }

  private schedule(): void {
    if (this.epoch === undefined) return;
    const index = this.nextIndex();
    const dueAt = this.options.originMs + index * this.options.intervalMs;
    this.timer = this.options.clock.setTimeout(() => void this.fire(index, dueAt), Math.max(0, dueAt - this.options.clock.wallNow()));
  }

  private async fire(index: number, dueAt: number): Promise<void> {
    const epoch = this.epoch;
    if (epoch === undefined) return;
    if (this.options.leaseEpoch() !== epoch) {
      this.stop();
      return;
    }
    const { clock, ledger, bus, nodeId } = this.options;
    try {
      const n = this.lastTick + 1;
      const recordedAt = clock.wallNow();
      if (await ledger.recordTick(n, epoch, dueAt, recordedAt)) {
        if (this.lastIndex !== undefined && index > this.lastIndex + 1) this.options.onGap(index - this.lastIndex - 1);
        this.lastTick = n;
        this.lastIndex = index;
        const tick: ClusterTick = { tick: n, dueAt, lateMs: Math.max(0, recordedAt - dueAt), node: nodeId, epoch };
        await bus.publishTick(tick);
        this.published += 1;
        this.options.onTick(tick);
      } else {
        // Fenced (the lease moved) or the number is taken: re-read, and let the lease decide.
        this.lastTick = (await ledger.lastTick()).n;
      }
    } catch (error) {
      this.options.onError(error);
    }
    if (this.epoch === epoch) this.schedule();
  }
}
