/**
 * One iteration of an `asyncStream` (task-stream.ts): hands the input's items to up to
 * `maxConcurrency` worker tasks (task-stream-worker.ts), started under the task supervisor only
 * when there is an item for them, hands their results to the consumer (task-stream-output.ts),
 * times items out on the system clock (one timer per worker, re-armed from its current item's
 * start when it fires early), and answers the consumer's `return()`.
 *
 * @example
 * const run = new StreamRun(host, [1, 2, 3], async (n) => n * 2, { maxConcurrency: 2, ordered: true, timeout: 5000, onTimeout: 'exit' });
 * await run.next(); // { value: { ok: 2 }, done: false }
 */
import type { ActorRef } from '../actor/actor-ref.ts';
import type { ActorSystem } from '../actor/actor-system.ts';
import type { Clock } from '../clock.ts';
import { ThunderlineError } from '../errors.ts';
import type { DynamicChildSpec } from './dynamic-supervisor.ts';
import { spawnTask, type TaskResult } from './task.ts';
import { NONE, StreamInput } from './task-stream-input.ts';
import { FINISHED, StreamOutput } from './task-stream-output.ts';
import { StreamWorker, type WorkerArgs, type WorkerHost, workerBehaviour } from './task-stream-worker.ts';

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

/**
 * The options of `asyncStream`, every one filled in.
 *
 * @example
 * const config: StreamConfig = { maxConcurrency: 8, ordered: true, timeout: 5000, onTimeout: 'exit' };
 */
export interface StreamConfig {
  readonly maxConcurrency: number;
  readonly ordered: boolean;
  /** ms of system-clock time each item may run; `Infinity` for no limit. */
  readonly timeout: number;
  readonly onTimeout: 'exit' | 'kill_task';
}

const GO = 0;
const PARK = 1;
const DONE = 2;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * One iteration of a stream: its input, its workers and the results not yet taken.
 *
 * @example
 * for await (const result of new StreamRun(host, items, fn, config)) console.log(result);
 */
export class StreamRun<T, R> implements AsyncIterableIterator<TaskResult<R>>, WorkerHost<T> {
  private readonly input: StreamInput<T>;
  private readonly clock: Clock;
  private readonly max: number;
  private closed = false;
  private nextPosition = 0;
  /** Items given to a worker and not finished. */
  private running = 0;
  /** The results not taken yet and the consumer's pending next() calls. */
  private readonly output: StreamOutput<R>;
  private readonly workers = new Set<StreamWorker<T>>();
  private parked: StreamWorker<T>[] = [];
  private pumping = false;

  constructor(
    private readonly host: StreamHost,
    items: Iterable<T> | AsyncIterable<T>,
    private readonly fn: (item: T, signal: AbortSignal) => R | PromiseLike<R>,
    private readonly config: StreamConfig,
  ) {
    this.input = new StreamInput(items, {
      pulled: () => {
        this.pump();
        this.output.settle();
      },
      ended: () => {
        this.releaseParked();
        this.output.settle();
      },
      failed: (error) => {
        this.fail(error, false);
        this.output.settle();
      },
    });
    this.clock = host.system.clock;
    this.max = config.maxConcurrency;
    this.output = new StreamOutput<R>({ pump: () => this.pump(), ended: () => this.ended() }, config.ordered, config.maxConcurrency);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<TaskResult<R>>> {
    return this.output.next();
  }

  async return(): Promise<IteratorResult<TaskResult<R>>> {
    if (!this.closed) {
      const closing = this.close(true);
      this.output.settle();
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
    this.output.deliver(worker.position, result);
    this.output.settle();
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
      this.output.deliver(worker.position, { exit: reason });
    }
    this.pump();
    this.output.settle();
  }

  /** A job for `worker`: GO (its item is set), PARK (it is parked until woken) or DONE. */
  private feed(worker: StreamWorker<T>): number {
    if (this.closed || worker.dead) return DONE;
    if (this.hasRoom()) {
      const item = this.input.take();
      if (item !== NONE) {
        this.assign(worker, item);
        return GO;
      }
      if (this.input.exhausted || this.closed) return DONE;
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
    return this.output.buffer.held(this.nextPosition, this.running) < this.max;
  }

  /** Hands items to parked workers, or to new ones, while the window allows. */
  private pump(): void {
    if (this.pumping) return; // the loop below sees whatever a nested call would have done
    this.pumping = true;
    try {
      while (!this.closed && this.hasRoom()) {
        const worker = this.parked.pop();
        if (worker === undefined && this.workers.size >= this.max) return;
        const item = this.input.take();
        if (item === NONE) {
          if (worker === undefined) return;
          if (this.input.exhausted || this.closed) this.stopWorker(worker);
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

  private assign(worker: StreamWorker<T>, item: T): void {
    this.output.buffer.reserve(this.nextPosition);
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
      this.output.deliver(worker.position, { exit: 'timeout' });
      this.pump();
    }
    this.output.settle();
  }

  private spawn(item: T): void {
    const worker = new StreamWorker<T>(this);
    this.workers.add(worker);
    this.assign(worker, item);
    const args: WorkerArgs<unknown> = { host: this as WorkerHost<unknown>, worker: worker as StreamWorker<unknown> };
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
        this.output.settle();
      },
    );
  }

  /**
   * True when no result will come any more: closed, or the input is done and every result taken.
   * Then the iteration finishes: idle workers end normally.
   */
  private ended(): boolean {
    const over = this.closed || (this.input.exhausted && this.running === 0 && this.output.buffer.ready === 0 && this.input.idle);
    if (over) {
      this.closed = true;
      this.releaseParked();
    }
    return over;
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
    this.output.fail(error);
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
    if (!this.output.failed) this.output.buffer.clear();
    return this.input.close(returnSource);
  }

  /** A worker leaves the stream: it no longer counts, and its timer goes. */
  private retire(worker: StreamWorker<T>): void {
    worker.dead = true;
    this.workers.delete(worker);
    this.clock.clearTimeout(worker.timer);
    worker.timer = undefined;
  }
}
