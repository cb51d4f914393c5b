/**
 * The write-ahead log's checkpoints, off the event loop. SQLite's automatic checkpoint runs
 * inside whichever commit takes the `-wal` past 1000 pages: that commit copies 4 MB into the
 * database file and syncs it, 10 to 20 ms on this project's machine, with every tick, message and
 * socket of the process waiting (`docs/operations.md`, "WAL checkpoints"). While a checkpointer runs
 * for a file, every Thunderline writer connection to it (the registry store's, cerebros', the
 * history pruner's) has automatic checkpoints off, and a worker thread with a connection of its
 * own checkpoints the log every `intervalMs`.
 *
 * @example
 * const checkpointer = startCheckpointer({ path: './thunderline.db', db, clock });
 * // ... writers opened on the file from now on leave checkpoints to it ...
 * await checkpointer.checkpoint();   // one cycle now: { passes, frames, backfilled, settled, fallback }
 * await checkpointer.stop();         // writers checkpoint themselves again
 *
 * A passive checkpoint never blocks a writer, but the log only starts again from its beginning
 * when a writer begins after a checkpoint that left nothing behind. A commit that lands while the
 * worker copies leaves a few frames behind, so the worker runs passes until one finds the log as
 * the pass before it left it (at most `maxPasses`; the later passes copy a commit or two, a fraction
 * of a millisecond). Should writes never pause for that long and the log reach `fallbackFrames`,
 * the owner's connection finishes the checkpoint on the event loop (the worker has copied all but
 * the last frames, so it is short), which bounds the `-wal` file. Should the worker fail, the
 * writers get their automatic checkpoints back and the failure goes to `onError`.
 */

import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { Clock, TimerHandle } from '../clock.ts';
import { emitTelemetry } from '../telemetry/index.ts';

/** Defaults of {@link CheckpointerOptions}. */
export const CHECKPOINTER_DEFAULTS = { intervalMs: 1000, maxPasses: 4, fallbackFrames: 4096 } as const;

/** SQLite's own threshold, which writers get back when no checkpointer runs for their file. */
export const SQLITE_AUTOCHECKPOINT_PAGES = 1000;

/** Options of {@link startCheckpointer}. */
export interface CheckpointerOptions {
  /** The database file. */
  path: string;
  /** The owner's writer connection: its automatic checkpoints go off, and it runs the fallback. */
  db: Database.Database;
  /** Schedules the cycles. */
  clock: Clock;
  /** ms from the end of one cycle to the start of the next; default 1000. */
  intervalMs?: number;
  /** Passes a cycle runs at most to find the log settled; default 4. */
  maxPasses?: number;
  /** Frames in the log at which an unsettled cycle is finished on the owner's connection; default 4096 (16 MB of 4 KB pages). */
  fallbackFrames?: number;
  /** The worker failed or a checkpoint threw; the writers checkpoint themselves from then on. */
  onError?: (error: unknown) => void;
}

/** What one cycle did. */
export interface CheckpointCycle {
  /** Passes the worker ran. */
  passes: number;
  /** Frames in the log at the last pass (-1: the file is not in WAL mode). */
  frames: number;
  /** Of those, frames copied into the database file. */
  backfilled: number;
  /** The last pass found the log as the one before left it: the next commit starts the log again. */
  settled: boolean;
  /** The owner's connection finished the checkpoint ({@link CheckpointerOptions.fallbackFrames}). */
  fallback: boolean;
  /** ms the worker spent. */
  durationMs: number;
}

/** A pass's row of `PRAGMA wal_checkpoint`. */
interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

type WorkerReply =
  | { type: 'cycle'; passes: number; frames: number; backfilled: number; settled: boolean; durationMs: number }
  | { type: 'error'; message: string };

/**
 * The worker, CommonJS run by `eval` so that it loads the same way from `src/` under tsx and from
 * `dist/`. It opens the file with no busy wait (a passive checkpoint never waits anyway) and
 * answers each `cycle` request with what its passes did.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const failed = (error) => ({ type: 'error', message: error instanceof Error ? error.message : String(error) });
let db;
let checkpoint;
try {
  db = new Database(workerData.path, { fileMustExist: true });
  db.pragma('busy_timeout = 0');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 0');
  checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
} catch (error) {
  db?.close();
  parentPort.postMessage(failed(error));
  parentPort.close();
}
parentPort.on('message', (message) => {
  if (message.type === 'stop') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const started = performance.now();
    let row = checkpoint.get();
    let passes = 1;
    let settled = false;
    while (passes < workerData.maxPasses) {
      const next = checkpoint.get();
      passes += 1;
      // The log as the pass before left it, wholly copied, or started again: settled.
      settled = next.busy === 0 && next.log <= row.log && next.checkpointed === next.log;
      row = next;
      if (settled) break;
    }
    parentPort.postMessage({ type: 'cycle', passes, frames: row.log, backfilled: row.checkpointed, settled, durationMs: performance.now() - started });
  } catch (error) {
    parentPort.postMessage(failed(error));
  }
});
`;

/** Checkpointers by resolved path: a writer opened on one of these files hands its checkpoints over. */
const running = new Map<string, Checkpointer>();

/**
 * Called by `openWriteConnection` for each writer it opens on a file: when a checkpointer runs for
 * that file, the connection's automatic checkpoints go off and it gets them back when the
 * checkpointer stops.
 */
export function adoptWriter(path: string, db: Database.Database): void {
  running.get(resolve(path))?.adopt(db);
}

/** See the module comment. */
export class Checkpointer {
  readonly #options: CheckpointerOptions;
  readonly #key: string;
  readonly #intervalMs: number;
  readonly #writers = new Set<Database.Database>();
  #worker: Worker | undefined;
  #timer: TimerHandle | undefined;
  #cycle: Promise<CheckpointCycle> | undefined;
  #pending: { resolve: (cycle: CheckpointCycle) => void; reject: (error: Error) => void } | undefined;
  #stopped = false;
  #failed = false;
  #exited: Promise<void> | undefined;

  constructor(options: CheckpointerOptions) {
    this.#options = options;
    this.#key = resolve(options.path);
    this.#intervalMs = options.intervalMs ?? CHECKPOINTER_DEFAULTS.intervalMs;
    if (running.has(this.#key)) throw new Error(`a checkpointer already runs for ${this.#key}`);
    running.set(this.#key, this);
    this.adopt(options.db);
    this.#schedule();
  }

  /** True until {@link stop}, and while the worker has not failed. */
  get active(): boolean {
    return !this.#stopped && !this.#failed;
  }

  /** Turns a writer's automatic checkpoints off while this checkpointer runs. */
  adopt(db: Database.Database): void {
    if (!this.active || !db.open) return;
    db.pragma('wal_autocheckpoint = 0');
    this.#writers.add(db);
  }

  /**
   * Runs one cycle now (or joins the one under way): the worker's passes, then the fallback when
   * the log is past `fallbackFrames` and not settled. The worker starts on the first cycle, so a
   * runtime that stops within a second never starts one.
   *
   * @throws Error when the checkpointer has stopped or failed
   */
  checkpoint(): Promise<CheckpointCycle> {
    if (!this.active) return Promise.reject(new Error(`the checkpointer of ${this.#key} is ${this.#stopped ? 'stopped' : 'failed'}`));
    this.#cycle ??= this.#runCycle().finally(() => {
      this.#cycle = undefined;
    });
    return this.#cycle;
  }

  /**
   * Stops the schedule and the worker (after the pass it is in), and gives the writers that are
   * still open their automatic checkpoints back.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const worker = this.#halt();
    if (worker && !this.#failed) {
      worker.ref();
      worker.postMessage({ type: 'stop' });
      await this.#exited;
    }
    this.#pending?.reject(new Error(`the checkpointer of ${this.#key} stopped`));
    this.#pending = undefined;
  }

  #schedule(): void {
    if (!this.active) return;
    this.#timer = this.#options.clock.setTimeout(() => {
      this.#timer = undefined;
      this.checkpoint().then(
        () => this.#schedule(),
        () => {
          // Reported by #fail; a stopped checkpointer schedules nothing.
        },
      );
    }, this.#intervalMs);
  }

  async #runCycle(): Promise<CheckpointCycle> {
    const worker = this.#worker ?? this.#spawn();
    // Held while a cycle is under way, so that the process waits for its answer.
    worker.ref();
    const reply = await new Promise<CheckpointCycle>((resolveCycle, reject) => {
      this.#pending = { resolve: resolveCycle, reject };
      worker.postMessage({ type: 'cycle' });
    }).finally(() => {
      // A stop under way holds the worker until it exits.
      if (!this.#stopped) worker.unref();
    });
    const fallbackFrames = this.#options.fallbackFrames ?? CHECKPOINTER_DEFAULTS.fallbackFrames;
    if (this.active && !reply.settled && reply.frames >= fallbackFrames && this.#options.db.open) {
      let row: CheckpointRow;
      try {
        row = (this.#options.db.pragma('wal_checkpoint(PASSIVE)') as CheckpointRow[])[0] as CheckpointRow;
      } catch (error) {
        this.#fail(error instanceof Error ? error : new Error(String(error)));
        throw error;
      }
      reply.fallback = true;
      reply.frames = row.log;
      reply.backfilled = row.checkpointed;
      reply.settled = row.busy === 0 && row.log === row.checkpointed;
    }
    emitTelemetry('wal_checkpoint', { ...reply });
    return reply;
  }

  #spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        path: this.#key,
        maxPasses: this.#options.maxPasses ?? CHECKPOINTER_DEFAULTS.maxPasses,
      },
    });
    // Between cycles the runtime's own timers and sockets keep the process alive, not the worker.
    worker.unref();
    this.#exited = new Promise((resolveExit) => worker.once('exit', () => resolveExit()));
    worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'error') {
        this.#fail(new Error(`checkpoint of ${this.#key} failed: ${reply.message}`));
        return;
      }
      const pending = this.#pending;
      this.#pending = undefined;
      const { passes, frames, backfilled, settled, durationMs } = reply;
      pending?.resolve({ passes, frames, backfilled, settled, fallback: false, durationMs });
    });
    worker.on('error', (error: unknown) =>
      this.#fail(error instanceof Error ? error : new Error(`the checkpoint worker of ${this.#key} failed: ${JSON.stringify(error)}`)),
    );
    worker.on('exit', (code) => {
      if (!this.#stopped) this.#fail(new Error(`the checkpoint worker of ${this.#key} exited with code ${code}`));
    });
    this.#worker = worker;
    return worker;
  }

  /** The worker failed: writers checkpoint themselves again, and nothing more is scheduled. */
  #fail(error: Error): void {
    if (!this.active) return;
    this.#failed = true;
    void this.#halt()?.terminate();
    this.#pending?.reject(error);
    this.#pending = undefined;
    this.#options.onError?.(error);
  }

  /** Cancels the next cycle, gives the writers back, and detaches the worker, which it returns. */
  #halt(): Worker | undefined {
    this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#release();
    const worker = this.#worker;
    this.#worker = undefined;
    return worker;
  }

  #release(): void {
    if (running.get(this.#key) === this) running.delete(this.#key);
    for (const db of this.#writers) {
      if (db.open) db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
    }
    this.#writers.clear();
  }
}

/** Starts a {@link Checkpointer} for `options.path`; see the module comment. */
export function startCheckpointer(options: CheckpointerOptions): Checkpointer {
  return new Checkpointer(options);
}
