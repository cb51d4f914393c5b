/**
 * The results of an `asyncStream` (task-stream.ts) that the consumer has not taken yet: in input
 * order, in a ring indexed by position that doubles when the positions in flight outgrow it, or in
 * finishing order, in a queue. `ready` counts the results the consumer can take now; in ordered
 * mode a result that finished before an earlier one waits, and is not ready.
 *
 * @example
 * const buffer = new ResultBuffer<string>(true, 8);
 * buffer.put(1, 'b'); // buffer.ready === 0: position 0 is still running
 * buffer.put(0, 'a'); // buffer.ready === 2
 * buffer.take(); // 'a'
 */
export class ResultBuffer<R> {
  /** Results the consumer can take now. */
  ready = 0;
  /** Ordered: the next position the consumer gets. */
  private head = 0;
  private slots: Array<R | undefined>;
  private mask: number;
  /** Unordered: results in finishing order, from `queueHead`. */
  private queue: Array<R | undefined> = [];
  private queueHead = 0;

  constructor(
    readonly ordered: boolean,
    maxConcurrency: number,
  ) {
    let size = 16;
    while (size < 2 * maxConcurrency) size *= 2;
    this.slots = ordered ? new Array<R | undefined>(size).fill(undefined) : [];
    this.mask = size - 1;
  }

  /**
   * Results finished and not taken, given the positions handed out so far and how many of them
   * still run: in ordered mode those waiting behind a slower earlier item count too.
   */
  held(nextPosition: number, running: number): number {
    return this.ordered ? nextPosition - this.head - running : this.ready;
  }

  /** Makes room in the ring for `position`, about to be handed out. */
  reserve(position: number): void {
    if (this.ordered && position - this.head >= this.slots.length) this.grow(position);
  }

  /** True when the result for `position` is the one a waiting consumer gets next. */
  isNext(position: number): boolean {
    return this.ordered ? position === this.head && this.ready === 0 : this.ready === 0;
  }

  /** The result for `position` went straight to a waiting consumer (it was {@link isNext}). */
  passed(): void {
    if (!this.ordered) return;
    this.head += 1;
    this.extend();
  }

  /** Keeps the result for `position` until the consumer takes it. */
  put(position: number, result: R): void {
    if (this.ordered) {
      this.slots[position & this.mask] = result;
      this.extend();
      return;
    }
    this.queue.push(result);
    this.ready += 1;
  }

  /** The next result; only while `ready > 0`. */
  take(): R {
    this.ready -= 1;
    if (this.ordered) {
      const index = this.head & this.mask;
      const result = this.slots[index] as R;
      this.slots[index] = undefined;
      this.head += 1;
      return result;
    }
    const result = this.queue[this.queueHead] as R;
    this.queue[this.queueHead] = undefined;
    this.queueHead += 1;
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    }
    return result;
  }

  /** Drops every result not taken. */
  clear(): void {
    this.ready = 0;
    this.slots.fill(undefined);
    this.queue = [];
    this.queueHead = 0;
  }

  /** Counts the results from the head on that have finished. */
  private extend(): void {
    const { slots, mask } = this;
    while (this.ready < slots.length && slots[(this.head + this.ready) & mask] !== undefined) this.ready += 1;
  }

  /** Doubles the ring, keeping every result at its position. */
  private grow(position: number): void {
    const old = this.slots;
    const oldMask = this.mask;
    let size = old.length * 2;
    while (position - this.head >= size) size *= 2;
    const slots = new Array<R | undefined>(size).fill(undefined);
    const mask = size - 1;
    for (let at = this.head; at < position; at += 1) slots[at & mask] = old[at & oldMask];
    this.slots = slots;
    this.mask = mask;
  }
}
