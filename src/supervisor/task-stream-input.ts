/**
 * The input side of an `asyncStream` (task-stream.ts): items taken one at a time from an iterable
 * (at once) or an async iterable (one pull under way at a time; the item waits here until a
 * worker takes it), and the input closed with its `return` when the stream stops early.
 *
 * @example
 * const input = new StreamInput([1, 2], { pulled: pump, ended: stopIdleWorkers, failed: fail });
 * input.take(); // 1
 */

/** What {@link StreamInput.take} returns when it has no item now. */
export const NONE: unique symbol = Symbol('none');

/** What the stream hears from its input. */
export interface InputEvents {
  /** An async pull brought an item: it waits for {@link StreamInput.take}. */
  pulled(): void;
  /** The input has no more items. */
  ended(): void;
  /** The input threw or rejected. */
  failed(error: unknown): void;
}

/** The items of one stream iteration. */
export class StreamInput<T> {
  /** The input has no more items. */
  exhausted = false;
  private readonly source: Iterator<T> | AsyncIterator<T>;
  private readonly isAsync: boolean;
  private pulling = false;
  private held: T | typeof NONE = NONE;
  private closed = false;

  constructor(
    items: Iterable<T> | AsyncIterable<T>,
    private readonly events: InputEvents,
  ) {
    this.isAsync = typeof (items as AsyncIterable<T>)[Symbol.asyncIterator] === 'function';
    this.source = this.isAsync ? (items as AsyncIterable<T>)[Symbol.asyncIterator]() : (items as Iterable<T>)[Symbol.iterator]();
  }

  /** No item waiting and no pull under way. */
  get idle(): boolean {
    return this.held === NONE && !this.pulling;
  }

  /** The next item, or NONE: the input is done, or (async) a pull is under way. */
  take(): T | typeof NONE {
    if (this.held !== NONE) {
      const item = this.held;
      this.held = NONE;
      return item;
    }
    if (this.exhausted || this.closed) return NONE;
    if (this.isAsync) {
      this.pull();
      return NONE;
    }
    let step: IteratorResult<T>;
    try {
      step = (this.source as Iterator<T>).next();
    } catch (error) {
      this.events.failed(error);
      return NONE;
    }
    if (!step.done) return step.value;
    this.exhausted = true;
    this.events.ended();
    return NONE;
  }

  /** Stops taking items; with `returnSource`, calls the input's `return` (a generator's `finally` runs). */
  close(returnSource: boolean): Promise<unknown> {
    this.closed = true;
    if (!returnSource) return Promise.resolve();
    try {
      return Promise.resolve(this.source.return?.());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private pull(): void {
    if (this.pulling) return;
    this.pulling = true;
    let pending: Promise<IteratorResult<T>>;
    try {
      pending = Promise.resolve((this.source as AsyncIterator<T>).next());
    } catch (error) {
      this.pulling = false;
      this.events.failed(error);
      return;
    }
    pending.then(
      (step) => {
        this.pulling = false;
        if (this.closed) return;
        if (step.done) {
          this.exhausted = true;
          this.events.ended();
        } else {
          this.held = step.value;
          this.events.pulled();
        }
      },
      (error: unknown) => {
        this.pulling = false;
        if (!this.closed) this.events.failed(error);
      },
    );
  }
}
