/**
 * A bounded ring of the latest events, already serialised, with contiguous seqs: the replay
 * buffer that lets a client resume with `?since=` (thunderflow's event buffer).
 *
 * @example
 * const buffer = new ReplayBuffer(3);
 * buffer.push({ seq: 1, type: 'tick', json: '{"seq":1,"type":"tick"}' });
 * buffer.since(0); // { entries: [...], missed: 0 }
 */

/** One buffered event: its seq, type (for filters) and JSON text (with `seq`). */
export interface BufferedEvent {
  readonly seq: number;
  readonly type: string;
  readonly json: string;
}

/** What {@link ReplayBuffer.since} finds. */
export interface ReplaySlice {
  entries: BufferedEvent[];
  /** Events after `since` that were evicted: 0 when the buffer covers `since`. */
  missed: number;
}

/** Fixed-capacity ring; seqs in it are contiguous, so lookups are O(1). */
export class ReplayBuffer {
  private readonly ring: Array<BufferedEvent | undefined>;
  private start = 0;
  private size = 0;

  /** @param capacity events kept, default 10000 */
  constructor(readonly capacity = 10_000) {
    if (!(Number.isInteger(capacity) && capacity >= 1))
      throw new RangeError(`ReplayBuffer capacity must be an integer >= 1, got ${capacity}`);
    this.ring = new Array<BufferedEvent | undefined>(capacity);
  }

  /** Events held. */
  get length(): number {
    return this.size;
  }

  /** The oldest seq held, or undefined when empty. */
  get oldestSeq(): number | undefined {
    return this.size === 0 ? undefined : this.ring[this.start]?.seq;
  }

  /** Appends one event (its seq must follow the last one), evicting the oldest when full. */
  push(entry: BufferedEvent): void {
    if (this.size < this.capacity) {
      this.ring[(this.start + this.size) % this.capacity] = entry;
      this.size += 1;
    } else {
      this.ring[this.start] = entry;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** The buffered events with seq > `since`, oldest first, and how many of those were evicted. */
  since(since: number): ReplaySlice {
    const oldest = this.oldestSeq;
    if (oldest === undefined) return { entries: [], missed: 0 };
    const from = Math.max(since + 1, oldest);
    const missed = Math.max(0, oldest - since - 1);
    const entries: BufferedEvent[] = [];
    for (let index = from - oldest; index < this.size; index += 1) {
      const entry = this.ring[(this.start + index) % this.capacity];
      if (entry) entries.push(entry);
    }
    return { entries, missed };
  }
}
