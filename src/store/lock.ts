/**
 * One writer per database file: the writer holds an exclusive SQLite lock on a sidecar file,
 * `<db>-lock`, for its whole life. A second writer, in this process or another, is refused at
 * once; the OS drops the lock when the holder's process ends, however it ends (`kill -9`
 * included), so there is no stale lock to clean up and no process id to trust.
 *
 * @example
 * const lock = acquireDatabaseLock('./thunderline.db');   // throws ERR_DATABASE_LOCKED if held
 * try { ... write ... } finally { lock.release(); }
 *
 * Why a sidecar file and SQLite's own locks: SQLite's POSIX advisory locks are released by the
 * kernel when the process dies and are tracked per file across the connections of one process,
 * so the same mechanism refuses a second runtime in this process and in another. The database
 * itself cannot hold the lock: an exclusive lock there would also shut out the readers
 * (`status`, `history`). The lock file holds no data and is never deleted: deleting it would
 * let a newcomer lock a fresh file while the holder still locks the unlinked one.
 *
 * @internal Used by `openStore`; not part of the public API.
 */

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ThunderlineError } from '../errors.ts';
import { messageOf } from './preflight.ts';

/** What is known of the runtime holding a database: its open run in `runtime_runs`. */
export interface LockHolder {
  /** null for a run recorded by a build without the `pid` column */
  readonly pid: number | null;
  readonly runId: string;
  /** ms since the Unix epoch */
  readonly startedAt: number;
}

/**
 * `ERR_DATABASE_LOCKED`: another runtime writes this database file. `holder` names it when its
 * run is recorded (it is not in the first milliseconds of its start).
 */
export class DatabaseLockedError extends ThunderlineError {
  readonly holder: LockHolder | undefined;
  /** the lock file */
  readonly lockPath: string;

  constructor(databasePath: string, lockPath: string, holder: LockHolder | undefined) {
    const who = holder
      ? `pid ${holder.pid ?? 'unknown'}, run ${holder.runId}, started ${new Date(holder.startedAt).toISOString()}`
      : 'its run is not recorded yet';
    super(
      'ERR_DATABASE_LOCKED',
      `database "${databasePath}" is in use: another thunderline runtime holds its lock "${lockPath}" (${who}); stop that runtime or pass another --db path`,
    );
    this.name = 'DatabaseLockedError';
    this.holder = holder;
    this.lockPath = lockPath;
  }
}

/** A held database lock; `release` is idempotent. */
export interface DatabaseLock {
  readonly lockPath: string;
  release(): void;
}

/**
 * The lock file of a database path: beside the real file, so every path to one file (a
 * symlink, `./x.db` and `x.db`) names the same lock. SQLite follows symlinks the same way for
 * its `-wal` and `-shm` files.
 */
export function lockPathOf(databasePath: string): string {
  let real: string;
  try {
    real = fs.realpathSync(databasePath);
  } catch {
    // A new database: the directory exists (checked before), the file not yet.
    real = path.join(fs.realpathSync(path.dirname(databasePath)), path.basename(databasePath));
  }
  return `${real}-lock`;
}

/**
 * Takes the database's lock or throws. The lock is taken with busy timeout 0: a held lock is
 * answered at once, never waited for.
 *
 * @param onLocked builds the error thrown when another runtime holds the lock (it names the holder)
 * @throws what `onLocked` returns when the lock is held; `ERR_DB_FAILURE` when the lock file
 *   cannot be created or locked (a read-only directory, a lock file we may not write)
 */
export function acquireDatabaseLock(databasePath: string, onLocked: (lockPath: string) => Error): DatabaseLock {
  const lockPath = lockPathOf(databasePath);
  let db: Database.Database;
  try {
    db = new Database(lockPath, { timeout: 0 });
  } catch (error) {
    throw lockFailure(databasePath, lockPath, error);
  }
  try {
    if (db.readonly) throw new Error('the lock file is read-only to this user');
    // The lock is never given back until the connection closes; no journal file beside it.
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = MEMORY');
    db.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (error) {
    db.close();
    if (isBusy(error)) throw onLocked(lockPath);
    throw lockFailure(databasePath, lockPath, error);
  }
  return {
    lockPath,
    release() {
      if (db.open) db.close();
    },
  };
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

function lockFailure(databasePath: string, lockPath: string, error: unknown): ThunderlineError {
  return new ThunderlineError(
    'ERR_DB_FAILURE',
    `database "${databasePath}": cannot take its lock file "${lockPath}": ${messageOf(error)}; a runtime needs to create and write that file beside the database (is the directory writable?)`,
    { cause: error },
  );
}
