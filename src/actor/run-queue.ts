/**
 * The run queue: the one scheduler every actor of a system shares. A cell with messages goes on
 * the queue once; a drain takes cells in order and lets each handle up to {@link CELL_BUDGET}
 * messages before it goes to the back of the queue (Erlang's reductions, Akka's `throughput`).
 * A drain runs in a microtask, so a message costs no macrotask, and after {@link SLICE_MS} of
 * work it yields to I/O through `setImmediate` (docs/architecture.md, "The actor cell").
 *
 * @example
 * const queue = new RunQueue();
 * queue.enqueue(cell); // cell.runTurn(budget) runs in the next drain
 */

/** Something the run queue can run: an actor cell. */
export interface Runnable {
  /**
   * Handles up to `budget` messages; returns true when it still has messages it can handle now
   * (it then goes to the back of the queue).
   */
  runTurn(budget: number): boolean;
}

/** Messages one cell may handle in a turn before the next cell gets the scheduler. */
export const CELL_BUDGET = 64;
/** Work (ms) a run of drains may do before it yields to I/O and timers. */
export const SLICE_MS = 5;
const RESOLVED = Promise.resolve();
/** Cell turns between two looks at the clock. */
const TURNS_PER_CLOCK_CHECK = 64;

/** A FIFO of runnable cells, drained in microtasks and time-sliced against I/O. */
export class RunQueue {
  private cells: Runnable[] = [];
  private head = 0;
  private draining = false;
  private scheduled = false;
  /** `performance.now()` when the current slice began; -1 when no slice is open. */
  private sliceStart = -1;
  private closed = false;
  /** Cells waiting on a promise of their own (a handler, `init`, `terminate`): they take no turn until it settles. */
  private waitingCells = 0;
  private readonly drainNow = (): void => this.drain();
  private readonly endSlice = (): void => {
    this.sliceStart = -1;
  };
  private readonly drainAfterIo = (): void => {
    this.sliceStart = -1;
    this.drain();
  };

  /** Cells waiting for a turn. */
  get length(): number {
    return this.cells.length - this.head;
  }

  /**
   * No cell is queued, and none waits on a promise of its own. Looked at between turns of the
   * event loop, nothing more runs until a timer fires or code outside the actors sends a message
   * or settles a promise a cell waits on (`ActorSystem.idle` in actor-system.ts).
   */
  get idle(): boolean {
    return this.length === 0 && this.waitingCells === 0;
  }

  /** @internal a cell began (`true`) or stopped (`false`) waiting on a promise of its own */
  cellWaiting(waiting: boolean): void {
    this.waitingCells += waiting ? 1 : -1;
  }

  /** Puts `cell` at the back of the queue; the caller guarantees it is not already queued. */
  enqueue(cell: Runnable): void {
    if (this.closed) return;
    this.cells.push(cell);
    if (!this.draining && !this.scheduled) {
      this.scheduled = true;
      // A resolved promise's `then` is a microtask without queueMicrotask's AsyncResource.
      RESOLVED.then(this.drainNow);
    }
  }

  /** Drops every queued cell and accepts no more (the actor system stopped). */
  close(): void {
    this.closed = true;
    this.cells = [];
    this.head = 0;
  }

  private drain(): void {
    this.scheduled = false;
    if (this.closed) return;
    if (this.sliceStart < 0) {
      this.sliceStart = performance.now();
      // The slice ends when the event loop next reaches its check phase. A chain of microtask
      // drains that never lets it get there (async handlers waking their cells one microtask at a
      // time) is cut here, at the start of a drain, and by the check every few turns below.
      setImmediate(this.endSlice);
    } else if (performance.now() - this.sliceStart > SLICE_MS) {
      this.scheduled = true;
      setImmediate(this.drainAfterIo);
      return;
    }
    this.draining = true;
    let turns = 0;
    try {
      while (this.head < this.cells.length) {
        const cell = this.cells[this.head] as Runnable;
        this.cells[this.head] = undefined as unknown as Runnable;
        this.head += 1;
        let again = false;
        try {
          again = cell.runTurn(CELL_BUDGET);
        } catch (error) {
          // A cell contains its handlers' failures; reaching here is a bug in the cell itself.
          // Report it outside the drain so the other cells still get their turns.
          queueMicrotask(() => {
            throw error;
          });
        }
        if (again) this.cells.push(cell);
        turns += 1;
        if (turns % TURNS_PER_CLOCK_CHECK === 0 && performance.now() - this.sliceStart > SLICE_MS) break;
      }
    } finally {
      this.draining = false;
    }
    if (this.head >= this.cells.length) {
      this.cells.length = 0;
      this.head = 0;
      return;
    }
    if (this.head > 1024) {
      this.cells = this.cells.slice(this.head);
      this.head = 0;
    }
    // Out of time with work left: let I/O and timers run first.
    this.scheduled = true;
    setImmediate(this.drainAfterIo);
  }
}
