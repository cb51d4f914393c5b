/**
 * The consumer's side of one `asyncStream` iteration (task-stream-run.ts): the results not taken
 * yet (task-stream-buffer.ts), the consumer's pending `next()` calls, answered in the order they
 * were made, and the stream's failure, which the consumer gets once, followed by the end.
 *
 * @example
 * const output = new StreamOutput<number>({ pump, ended }, true, 8);
 * output.deliver(0, { ok: 42 }); // a pending next() resolves with { value: { ok: 42 }, done: false }
 */
import type { TaskResult } from './task.ts';
import { ResultBuffer } from './task-stream-buffer.ts';

/** What `next()` resolves with once the stream is over. */
export const FINISHED: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * What the output asks of its stream iteration.
 *
 * @example
 * const host: OutputHost = { pump: () => run.pump(), ended: () => run.ended() };
 */
export interface OutputHost {
  /** A result was taken (or a `next()` is waiting): start more items if the window allows. */
  pump(): void;
  /** True when no result will come any more; the iteration finishes then. */
  ended(): boolean;
}

/** A pending `next()`. */
interface Waiter<R> {
  resolve(result: IteratorResult<TaskResult<R>>): void;
  reject(error: unknown): void;
}

/**
 * The results of one iteration on their way to the consumer.
 *
 * @example
 * for (;;) { const step = await output.next(); if (step.done) break; }
 */
export class StreamOutput<R> {
  /** Results not taken yet, in the order the consumer gets them. */
  readonly buffer: ResultBuffer<TaskResult<R>>;
  private failure: { error: unknown } | undefined;
  private raised = false;
  /** The consumer's pending next(), and any it called before that one was answered, in order. */
  private waiter: Waiter<R> | undefined;
  private readonly laterWaiters: Waiter<R>[] = [];

  constructor(
    private readonly host: OutputHost,
    ordered: boolean,
    maxConcurrency: number,
  ) {
    this.buffer = new ResultBuffer(ordered, maxConcurrency);
  }

  /** The stream failed: the consumer gets the error once (after the results already ready), then the end. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Records the stream's failure (the first one counts). */
  fail(error: unknown): void {
    this.failure ??= { error };
  }

  /** The consumer's `next()`. */
  next(): Promise<IteratorResult<TaskResult<R>>> {
    if (this.waiter) {
      return new Promise((resolve, reject) => {
        this.laterWaiters.push({ resolve, reject });
      });
    }
    if (this.buffer.ready > 0) {
      const value = this.buffer.take();
      this.host.pump();
      return Promise.resolve({ value, done: false });
    }
    if (this.failed) return this.raise();
    if (this.host.ended()) return Promise.resolve(FINISHED);
    const promise = new Promise<IteratorResult<TaskResult<R>>>((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
    this.host.pump();
    this.settle();
    return promise;
  }

  /** An item's result: straight to a waiting consumer when it is the one it gets next, else kept. */
  deliver(position: number, result: TaskResult<R>): void {
    if (this.waiter !== undefined && this.buffer.isNext(position)) {
      this.buffer.passed();
      this.nextWaiter().resolve({ value: result, done: false });
    } else {
      this.buffer.put(position, result);
    }
  }

  /** Answers the pending next() calls it can: with results, the failure (once), or the end. */
  settle(): void {
    while (this.waiter !== undefined) {
      if (this.buffer.ready > 0) {
        this.nextWaiter().resolve({ value: this.buffer.take(), done: false });
        this.host.pump();
      } else if (this.failure) {
        const waiter = this.nextWaiter();
        if (this.raised) waiter.resolve(FINISHED);
        else {
          this.raised = true;
          waiter.reject(this.failure.error);
        }
      } else if (this.host.ended()) {
        this.nextWaiter().resolve(FINISHED);
      } else {
        return;
      }
    }
  }

  /** Takes the pending next() out; the one called after it, if any, is pending now. */
  private nextWaiter(): Waiter<R> {
    const waiter = this.waiter as Waiter<R>;
    this.waiter = this.laterWaiters.length > 0 ? this.laterWaiters.shift() : undefined;
    return waiter;
  }

  private raise(): Promise<IteratorResult<TaskResult<R>>> {
    if (this.raised) return Promise.resolve(FINISHED);
    this.raised = true;
    return Promise.reject(this.failure?.error);
  }
}
