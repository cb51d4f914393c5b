/**
 * The worker tasks of an `asyncStream` (task-stream.ts): each is a task actor that runs item after
 * item for one stream iteration (task-stream-run.ts). Its first message starts its first item; from
 * then on each item's settling starts the next, through the two callbacks the worker makes once.
 *
 * @example
 * const worker = new StreamWorker<number>(run);
 * await spawnTask(system, workerBehaviour, { run, worker });
 */
import type { ActorRef } from '../actor/actor-ref.ts';
import type { Behaviour } from '../actor/behaviour.ts';
import type { TimerHandle } from '../clock.ts';
import type { TaskResult } from './task.ts';

/**
 * What a worker reports to its stream iteration.
 *
 * @example
 * const run: WorkerHost<number> = { start: (worker) => runItem(worker), settled, workerExited };
 */
export interface WorkerHost<T> {
  /** The worker's actor runs: it starts the item it was spawned for. */
  start(worker: StreamWorker<T>): void;
  /** The worker's current item settled. */
  settled(worker: StreamWorker<T>, result: TaskResult<unknown>): void;
  /** The worker's actor exited. */
  workerExited(worker: StreamWorker<T>, reason: unknown): void;
}

/**
 * One worker task of a stream: the item it runs, and its place in the stream's bookkeeping.
 *
 * @example
 * const worker = new StreamWorker<number>(run); // worker.busy, worker.position, worker.timer
 */
export class StreamWorker<T> {
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

  constructor(host: WorkerHost<T>) {
    this.onValue = (value) => host.settled(this, { ok: value });
    this.onError = (error) => host.settled(this, { exit: error });
  }
}

/**
 * The start argument of a worker's actor.
 *
 * @example
 * const args: WorkerArgs<number> = { host: run, worker };
 */
export interface WorkerArgs<T> {
  readonly host: WorkerHost<T>;
  readonly worker: StreamWorker<T>;
}

type WorkMsg = { readonly type: 'work' };
const WORK: WorkMsg = { type: 'work' };

/**
 * A worker task's actor: its first message starts its first item; from then on the worker runs
 * item after item as their promises settle (no message per item), and the actor exits `'normal'`
 * when the input is done, or is killed by the stream.
 *
 * @example
 * const ref = await spawnTask(system, workerBehaviour, { host: run, worker });
 */
export const workerBehaviour: Behaviour<WorkerArgs<unknown>, WorkMsg, WorkerArgs<unknown>> = {
  name: 'async_stream',
  init(args, ctx) {
    const { host, worker } = args;
    worker.cell = ctx.self;
    worker.signal = ctx.signal;
    ctx.self.onExit((signal) => host.workerExited(worker, signal.reason));
    ctx.self.cast(WORK);
    return args;
  },
  handle(args) {
    args.host.start(args.worker);
    return args;
  },
};
