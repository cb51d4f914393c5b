/**
 * `asyncStream` (Elixir's `Task.Supervisor.async_stream_nolink`): maps a function over an
 * iterable or async iterable with at most `maxConcurrency` items in flight, as an async iterable
 * of `{ ok: value } | { exit: reason }`, in input order or as they finish.
 *
 * Design (measured with bench/toolkit-tasks.bench.ts): an actor per item costs a spawn, a
 * supervisor call and an exit, tens of µs, where the whole per-item budget of a pool of
 * `Promise.all` batches is well under 1 µs. So a stream runs up to `maxConcurrency` long-lived
 * worker tasks, temporary children of the task supervisor, each taking items one after another:
 * its first message starts its first item, and each item's settling starts the next (a `then`
 * callback, no message and no promise of ours per item). A worker is started only when there is
 * an item for it (a short input starts few tasks), an item that throws yields `{ exit }` and the
 * worker goes on, and a worker whose item times out with `onTimeout: 'kill_task'` is killed and
 * replaced when more items come. Per-item timeouts cost one clock read per item and no timer per
 * item: each worker keeps one system-clock timer, re-armed from its current item's start when it
 * fires early.
 *
 * Laziness: an item is pulled from the input only when a worker is free (at most
 * `maxConcurrency` items in flight) and fewer than `maxConcurrency` finished results are held for
 * the consumer (in ordered mode, those waiting behind a slower earlier item count too), so the
 * input is never read more than 2 × `maxConcurrency` items ahead of the consumer. `break` (the
 * iterator's `return`) kills the running workers and calls the input's `return`.
 *
 * @example
 * for await (const result of tasks.asyncStream(urls, (url, signal) => fetch(url, { signal }), { maxConcurrency: 4 })) {
 *   if ('ok' in result) console.log(result.ok.status);
 * }
 */
import type { ActorRef } from '../actor/actor-ref.ts';
import type { ActorSystem } from '../actor/actor-system.ts';
import type { Behaviour } from '../actor/behaviour.ts';
import type { Clock, TimerHandle } from '../clock.ts';
import { ThunderlineError } from '../errors.ts';
import type { DynamicChildSpec } from './dynamic-supervisor.ts';
import { spawnTask, type TaskResult } from './task.ts';

/**
 * What a stream needs from its task supervisor.
 *
 * @example
 * const host: StreamHost = { system, startChild: (spec) => dynamicSupervisor.startChild(spec) };
 */
export interface StreamHost {
  readonly system: ActorSystem;
  /** Starts a temporary child of the task supervisor. */
  startChild(spec: DynamicChildSpec): Promise<ActorRef<never> | undefined>;
}

/** The options of {@link asyncStream}, every one filled in. */
interface StreamConfig {
  readonly maxConcurrency: number;
  readonly ordered: boolean;
  /** ms of system-clock time each item may run; `Infinity` for no limit. */
  readonly timeout: number;
  readonly onTimeout: 'exit' | 'kill_task';
}

const GO = 0;
const PARK = 1;
const DONE = 2;
const NONE: unique symbol = Symbol('none');
const FINISHED: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** One worker task of a stream: the item it runs, and its place in the stream's bookkeeping. */
class StreamWorker<T> {
  cell: ActorRef<never> | undefined;
  /** Its actor's abort signal, passed to `fn`: aborted when the worker is killed. */
  signal: AbortSignal | undefined;
  item: T | undefined;
  position = 0;
  busy = false;
  /** Retired, killed or exited: nothing it does counts any more. */
  dead = false;
  startedAt = 0;
  timer: TimerHandle | undefined;
  /** The callbacks its items' promises settle into, made once per worker. */
  readonly onValue: (value: unknown) => void;
  readonly onError: (error: unknown) => void;

  constructor(run: StreamRun<T, unknown>) {
    this.onValue = (value) => run.settled(this, { ok: value });
    this.onError = (error) => run.settled(this, { exit: error });
  }
}

interface WorkerArgs {
  readonly run: StreamRun<unknown, unknown>;
  readonly worker: StreamWorker<unknown>;
}

type WorkMsg = { readonly type: 'work' };
const WORK: WorkMsg = { type: 'work' };

/**
 * A worker task's actor: its first message starts its first item; from then on the worker runs
 * item after item as their promises settle (no message per item), and the actor exits `'normal'`
 * when the input is done, or is killed by the stream.
 */
const workerBehaviour: Behaviour<WorkerArgs, WorkMsg, WorkerArgs> = {
  name: 'async_stream',
  init(args, ctx) {
    const { run, worker } = args;
    worker.cell = ctx.self;
    worker.signal = ctx.signal;
    ctx.self.onExit((signal) => run.workerExited(worker, signal.reason));
    ctx.self.cast(WORK);
    return args;
  },
  handle(args) {
    args.run.start(args.worker);
    return args;
  },
};

/** One iteration of a stream: its input, its workers and the results not yet taken. */
class StreamRun<T, R> implements AsyncIterableIterator<TaskResult<R>> {
  private readonly source: Iterator<T> | AsyncIterator<T>;
  private readonly isAsync: boolean;
  private readonly clock: Clock;
  private readonly max: number;
  private exhausted = false;
  private pulling = false;
  /** An item pulled from an async input that no worker has taken yet. */
  private held: T | typeof NONE = NONE;
  private closed = false;
  private failed = false;
  private raised = false;
  private failure: unknown;
  private nextPosition = 0;
  /** Items given to a worker and not finished. */
  private running = 0;
  /** Results the consumer can take now. */
  private ready = 0;
  /** Ordered: the next position to deliver, and results by position. */
  private head = 0;
  private slots: Array<TaskResult<R> | undefined>;
  private mask: number;
  /** Unordered: results in finishing order. */
  private queue: TaskResult<R>[] = [];
  private queueHead = 0;
  private readonly workers = new Set<StreamWorker<T>>();
  private parked: StreamWorker<T>[] = [];
  private pumping = false;
  private waiter: { resolve(result: IteratorResult<TaskResult<R>>): void; reject(error: unknown): void } | undefined;
  private pendingNext: Promise<IteratorResult<TaskResult<R>>> | undefined;

  constructor(
    private readonly host: StreamHost,
    items: Iterable<T> | AsyncIterable<T>,
    private readonly fn: (item: T, signal: AbortSignal) => R | PromiseLike<R>,
    private readonly config: StreamConfig,
  ) {
    const asyncFactory = (items as AsyncIterable<T>)[Symbol.asyncIterator];
    this.isAsync = typeof asyncFactory === 'function';
    this.source = this.isAsync ? (items as AsyncIterable<T>)[Symbol.asyncIterator]() : (items as Iterable<T>)[Symbol.iterator]();
    this.clock = host.system.clock;
    this.max = config.maxConcurrency;
    // Ordered results wait in a ring indexed by position; it doubles when the span in flight outgrows it.
    let size = 16;
    while (size < 2 * this.max) size *= 2;
    this.slots = config.ordered ? new Array(size).fill(undefined) : [];
    this.mask = size - 1;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<TaskResult<R>>> {
    if (this.waiter) {
      // A next() while one is pending: answered after it, in order.
      const next = (): Promise<IteratorResult<TaskResult<R>>> => this.next();
      const after = (this.pendingNext as Promise<unknown>).then(next, next);
      this.pendingNext = after;
      return after;
    }
    if (this.ready > 0) {
      const value = this.takeReady();
      this.pump();
      return Promise.resolve({ value, done: false });
    }
    if (this.failed) return this.raise();
    if (this.isFinished()) {
      this.finish();
      return Promise.resolve(FINISHED);
    }
    const promise = new Promise<IteratorResult<TaskResult<R>>>((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
    this.pendingNext = promise;
    this.pump();
    this.settleWaiter();
    return promise;
  }

  async return(): Promise<IteratorResult<TaskResult<R>>> {
    if (!this.closed) {
      const closing = this.close(true);
      this.settleWaiter();
      await closing;
    }
    return FINISHED;
  }

  /** A worker's actor has started: it runs the item it was spawned for. */
  start(worker: StreamWorker<T>): void {
    if (!worker.dead && worker.busy) this.run(worker);
  }

  /**
   * Runs the worker's current item, and the next ones while they finish synchronously: it
   * returns when an item is pending (its promise's callbacks take over), or the worker is parked
   * or done.
   */
  private run(worker: StreamWorker<T>): void {
    const fn = this.fn;
    for (;;) {
      const item = worker.item as T;
      worker.item = undefined;
      let result: TaskResult<R>;
      try {
        const value = fn(item, worker.signal as AbortSignal);
        if (isThenable(value)) {
          value.then(worker.onValue as (value: R) => void, worker.onError);
          return;
        }
        result = { ok: value };
      } catch (error) {
        result = { exit: error };
      }
      if (!this.finished(worker, result)) return;
    }
  }

  /** @internal an item's promise settled */
  settled(worker: StreamWorker<T>, result: TaskResult<R>): void {
    if (this.finished(worker, result)) this.run(worker);
  }

  /** Records the worker's result and feeds it: true when it has its next item to run. */
  private finished(worker: StreamWorker<T>, result: TaskResult<R>): boolean {
    if (worker.dead) return false; // killed (a timeout, a break) while its item ran: the result is dropped
    worker.busy = false;
    this.running -= 1;
    this.deliver(worker.position, result);
    this.settleWaiter();
    const step = this.feed(worker);
    if (step === DONE) {
      this.retire(worker);
      worker.cell?.kill('normal');
    }
    return step === GO;
  }

  /** A worker's actor exited: one we did not stop loses its item with `{ exit: reason }`. */
  workerExited(worker: StreamWorker<T>, reason: unknown): void {
    if (worker.dead) return;
    this.retire(worker);
    const index = this.parked.indexOf(worker);
    if (index >= 0) this.parked.splice(index, 1);
    if (worker.busy) {
      worker.busy = false;
      this.running -= 1;
      this.deliver(worker.position, { exit: reason });
    }
    this.pump();
    this.settleWaiter();
  }

  /** A job for `worker`: GO (its item is set), PARK (it is parked until woken) or DONE. */
  private feed(worker: StreamWorker<T>): number {
    if (this.closed || worker.dead) return DONE;
    if (this.hasRoom()) {
      const item = this.take();
      if (item !== NONE) {
        this.assign(worker, item);
        return GO;
      }
      if (this.exhausted || this.closed) return DONE;
    }
    this.parked.push(worker);
    return PARK;
  }

  /**
   * Whether another item may start: fewer than `maxConcurrency` finished results are held for the
   * consumer, counting in ordered mode those waiting behind a slower earlier item (in flight is
   * bounded by the workers, at most `maxConcurrency`).
   */
  private hasRoom(): boolean {
    const held = this.config.ordered ? this.nextPosition - this.head - this.running : this.ready;
    return held < this.max;
  }

  /** Hands items to parked workers, or to new ones, while the window allows. */
  private pump(): void {
    if (this.pumping) return; // the loop below sees whatever a nested call would have done
    this.pumping = true;
    try {
      while (!this.closed && this.hasRoom()) {
        const worker = this.parked.pop();
        if (worker === undefined && this.workers.size >= this.max) return;
        const item = this.take();
        if (item === NONE) {
          if (worker === undefined) return;
          if (this.exhausted || this.closed) this.stopWorker(worker);
          else this.parked.push(worker);
          return;
        }
        if (worker === undefined) {
          this.spawn(item);
        } else {
          this.assign(worker, item);
          this.run(worker);
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  /** The next input item, or NONE (the input is done, or an async pull is under way). */
  private take(): T | typeof NONE {
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
      this.fail(error, false);
      return NONE;
    }
    if (!step.done) return step.value;
    this.exhausted = true;
    this.releaseParked();
    return NONE;
  }

  private pull(): void {
    if (this.pulling) return;
    this.pulling = true;
    let pending: Promise<IteratorResult<T>>;
    try {
      pending = Promise.resolve((this.source as AsyncIterator<T>).next());
    } catch (error) {
      this.pulling = false;
      this.fail(error, false);
      return;
    }
    pending.then(
      (step) => {
        this.pulling = false;
        if (this.closed) return;
        if (step.done) {
          this.exhausted = true;
          this.releaseParked();
        } else {
          this.held = step.value;
          this.pump();
        }
        this.settleWaiter();
      },
      (error: unknown) => {
        this.pulling = false;
        this.fail(error, false);
        this.settleWaiter();
      },
    );
  }

  private assign(worker: StreamWorker<T>, item: T): void {
    if (this.config.ordered && this.nextPosition - this.head >= this.slots.length) this.grow();
    worker.item = item;
    worker.position = this.nextPosition;
    this.nextPosition += 1;
    worker.busy = true;
    this.running += 1;
    if (this.config.timeout === Number.POSITIVE_INFINITY) return;
    worker.startedAt = this.clock.now();
    if (worker.timer === undefined) this.arm(worker, this.config.timeout);
  }

  private arm(worker: StreamWorker<T>, delayMs: number): void {
    worker.timer = this.clock.setTimeout(() => {
      worker.timer = undefined;
      this.checkTimeout(worker);
    }, delayMs);
  }

  /** A worker's timer fired: its current item has timed out, or the timer is re-armed for it. */
  private checkTimeout(worker: StreamWorker<T>): void {
    if (worker.dead || !worker.busy || this.closed) return;
    const { timeout } = this.config;
    const elapsed = this.clock.now() - worker.startedAt;
    if (elapsed < timeout) {
      this.arm(worker, timeout - elapsed);
      return;
    }
    if (this.config.onTimeout === 'exit') {
      this.fail(
        new ThunderlineError(
          'ERR_TASK_TIMEOUT',
          `asyncStream: a task did not finish its item within ${timeout} ms; the stream stopped its tasks`,
        ),
        true,
      );
    } else {
      // Elixir's on_timeout: :kill_task: the task is killed and the item yields { exit: 'timeout' }.
      this.retire(worker);
      worker.busy = false;
      this.running -= 1;
      worker.cell?.kill('killed');
      this.deliver(worker.position, { exit: 'timeout' });
      this.pump();
    }
    this.settleWaiter();
  }

  private spawn(item: T): void {
    const worker = new StreamWorker<T>(this as StreamRun<T, unknown>);
    this.workers.add(worker);
    this.assign(worker, item);
    const args: WorkerArgs = { run: this as StreamRun<unknown, unknown>, worker: worker as StreamWorker<unknown> };
    const spec: DynamicChildSpec = {
      id: 'async_stream',
      restart: 'temporary',
      start: ({ system }) => spawnTask(system, workerBehaviour, args),
    };
    this.host.startChild(spec).then(
      (ref) => {
        if (worker.dead) ref?.kill('killed');
      },
      (error: unknown) => {
        if (worker.dead) return;
        this.retire(worker);
        worker.busy = false;
        this.running -= 1;
        this.fail(error, true);
        this.settleWaiter();
      },
    );
  }

  /** Doubles the ordered ring, keeping every position in flight at its place. */
  private grow(): void {
    const old = this.slots;
    const oldMask = this.mask;
    const slots = new Array<TaskResult<R> | undefined>(old.length * 2).fill(undefined);
    const mask = slots.length - 1;
    for (let position = this.head; position < this.nextPosition; position += 1) slots[position & mask] = old[position & oldMask];
    this.slots = slots;
    this.mask = mask;
  }

  private deliver(position: number, result: TaskResult<R>): void {
    if (!this.config.ordered) {
      if (this.waiter) this.hand(result);
      else {
        this.queue.push(result);
        this.ready += 1;
      }
      return;
    }
    if (position === this.head && this.waiter) {
      this.head += 1;
      this.hand(result);
    } else {
      this.slots[position & this.mask] = result;
    }
    const { slots, mask } = this;
    while (this.head + this.ready < this.nextPosition && slots[(this.head + this.ready) & mask] !== undefined) this.ready += 1;
  }

  private hand(result: TaskResult<R>): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve({ value: result, done: false });
  }

  private takeReady(): TaskResult<R> {
    this.ready -= 1;
    if (this.config.ordered) {
      const index = this.head & this.mask;
      const result = this.slots[index] as TaskResult<R>;
      this.slots[index] = undefined;
      this.head += 1;
      return result;
    }
    const result = this.queue[this.queueHead] as TaskResult<R>;
    this.queue[this.queueHead] = undefined as unknown as TaskResult<R>;
    this.queueHead += 1;
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    }
    return result;
  }

  /** Answers a pending next(): a result, the failure, or the end. */
  private settleWaiter(): void {
    const waiter = this.waiter;
    if (!waiter) return;
    if (this.ready > 0) {
      this.waiter = undefined;
      waiter.resolve({ value: this.takeReady(), done: false });
      this.pump();
    } else if (this.failed) {
      this.waiter = undefined;
      this.raised = true;
      waiter.reject(this.failure);
    } else if (this.isFinished()) {
      this.waiter = undefined;
      this.finish();
      waiter.resolve(FINISHED);
    }
  }

  private raise(): Promise<IteratorResult<TaskResult<R>>> {
    if (this.raised) return Promise.resolve(FINISHED);
    this.raised = true;
    return Promise.reject(this.failure);
  }

  private isFinished(): boolean {
    if (this.closed) return true;
    return this.exhausted && this.running === 0 && this.ready === 0 && this.held === NONE && !this.pulling;
  }

  /** The input is done and every result taken: idle workers end normally. */
  private finish(): void {
    this.closed = true;
    this.releaseParked();
  }

  private releaseParked(): void {
    const parked = this.parked;
    this.parked = [];
    for (const worker of parked) this.stopWorker(worker);
  }

  /** An idle worker with nothing more to do ends normally. */
  private stopWorker(worker: StreamWorker<T>): void {
    this.retire(worker);
    worker.cell?.kill('normal');
  }

  private fail(error: unknown, returnSource: boolean): void {
    if (this.closed) return;
    this.failed = true;
    this.failure = error;
    void this.close(returnSource).catch(() => undefined);
  }

  /** Kills every worker, drops what was not taken, and closes the input if asked. */
  private close(returnSource: boolean): Promise<unknown> {
    this.closed = true;
    for (const worker of this.workers) {
      worker.dead = true;
      this.clock.clearTimeout(worker.timer);
      worker.timer = undefined;
      worker.cell?.kill('killed');
    }
    this.workers.clear();
    this.parked = [];
    if (!this.failed) {
      this.ready = 0;
      this.slots.fill(undefined);
      this.queue = [];
      this.queueHead = 0;
    }
    if (!returnSource) return Promise.resolve();
    try {
      return Promise.resolve(this.source.return?.());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A worker leaves the stream: it no longer counts, and its timer goes. */
  private retire(worker: StreamWorker<T>): void {
    worker.dead = true;
    this.workers.delete(worker);
    this.clock.clearTimeout(worker.timer);
    worker.timer = undefined;
  }
}

function optionError(rule: string, got: unknown): ThunderlineError {
  return new ThunderlineError(
    'ERR_INVALID_OPTION',
    `asyncStream: ${rule}, got ${typeof got === 'string' ? JSON.stringify(got) : String(got)}`,
  );
}

/**
 * Options of {@link asyncStream}.
 *
 * @example
 * const options: AsyncStreamOptions = { maxConcurrency: 4, ordered: false, timeout: 10_000, onTimeout: 'kill_task' };
 */
export interface AsyncStreamOptions {
  /** Items in flight at once; default `os.availableParallelism()`. */
  maxConcurrency?: number;
  /** Results in input order (default) or as they finish. */
  ordered?: boolean;
  /** ms of system-clock time each item may run (default 5000), or `Infinity`. */
  timeout?: number;
  /** On a timeout: reject the iteration with `ERR_TASK_TIMEOUT` (default), or yield `{ exit: 'timeout' }` for that item and go on. */
  onTimeout?: 'exit' | 'kill_task';
}

/**
 * Validates `options` and returns a stream over `items`; each iteration (each `for await`) runs
 * `fn` over the items afresh. Throws `ERR_INVALID_OPTION` at once for bad arguments.
 *
 * @example
 * const results = asyncStream(host, [1, 2, 3], async (n) => n * 2, { maxConcurrency: 2, ordered: false }, 8);
 */
export function asyncStream<T, R>(
  host: StreamHost,
  items: Iterable<T> | AsyncIterable<T>,
  fn: (item: T, signal: AbortSignal) => R | PromiseLike<R>,
  options: AsyncStreamOptions,
  defaultConcurrency: number,
): AsyncIterable<TaskResult<R>> {
  const isIterable = typeof items === 'object' && items !== null && (Symbol.asyncIterator in items || Symbol.iterator in items);
  if (!isIterable && typeof items !== 'string') throw optionError('items must be an iterable or an async iterable', items);
  if (typeof fn !== 'function') throw optionError('fn must be a function', fn);
  const { maxConcurrency = defaultConcurrency, ordered = true, timeout = 5000, onTimeout = 'exit' } = options;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1)
    throw optionError('maxConcurrency must be an integer greater than zero', maxConcurrency);
  if (typeof ordered !== 'boolean') throw optionError('ordered must be true or false', ordered);
  if (typeof timeout !== 'number' || !(timeout >= 0)) throw optionError('timeout must be a number >= 0 or Infinity', timeout);
  if (onTimeout !== 'exit' && onTimeout !== 'kill_task') throw optionError('onTimeout must be "exit" or "kill_task"', onTimeout);
  const config: StreamConfig = { maxConcurrency, ordered, timeout, onTimeout };
  return {
    [Symbol.asyncIterator]: () => new StreamRun<T, R>(host, items, fn, config),
  };
}
