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
 * iterator's `return`) kills the running workers and calls the input's `return`. An iterator
 * dropped without either is never told: its workers can stay parked, counting toward the task
 * supervisor's `maxChildren`, until the supervisor stops (nothing here can tell an abandoned
 * iterator from a slow consumer).
 *
 * @example
 * for await (const result of tasks.asyncStream(urls, (url, signal) => fetch(url, { signal }), { maxConcurrency: 4 })) {
 *   if ('ok' in result) console.log(result.ok.status);
 * }
 */
import type { ThunderlineError } from '../errors.ts';
import { checkOptionNames, optionError } from './options.ts';
import type { TaskResult } from './task.ts';
import { type StreamConfig, type StreamHost, StreamRun } from './task-stream-run.ts';

export type { StreamHost } from './task-stream-run.ts';

/** The options `asyncStream` takes, in the order an unknown option's error lists them. */
const OPTION_NAMES: readonly (keyof AsyncStreamOptions)[] = ['maxConcurrency', 'ordered', 'timeout', 'onTimeout'];

function invalid(what: string, rule: string, got: unknown): ThunderlineError {
  return optionError(`asyncStream: ${what}`, rule, got, 'ERR_INVALID_OPTION');
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
  if (!isIterable && typeof items !== 'string') throw invalid('items', 'must be an iterable or an async iterable', items);
  if (typeof fn !== 'function') throw invalid('fn', 'must be a function', fn);
  if (typeof options !== 'object' || options === null) throw invalid('options', 'must be an object', options);
  checkOptionNames(options, OPTION_NAMES, 'asyncStream:', 'ERR_INVALID_OPTION');
  const { maxConcurrency = defaultConcurrency, ordered = true, timeout = 5000, onTimeout = 'exit' } = options;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
    throw invalid('maxConcurrency', 'must be an integer greater than zero', maxConcurrency);
  }
  if (typeof ordered !== 'boolean') throw invalid('ordered', 'must be true or false', ordered);
  if (typeof timeout !== 'number' || !(timeout >= 0)) throw invalid('timeout', 'must be a number >= 0 or Infinity', timeout);
  if (onTimeout !== 'exit' && onTimeout !== 'kill_task') throw invalid('onTimeout', 'must be "exit" or "kill_task"', onTimeout);
  const config: StreamConfig = { maxConcurrency, ordered, timeout, onTimeout };
  return {
    [Symbol.asyncIterator]: () => new StreamRun<T, R>(host, items, fn, config),
  };
}
