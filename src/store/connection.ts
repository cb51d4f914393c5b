/**
 * The one place SQLite connections to a Thunderline database are made: the registry store's
 * writer, cerebros' writer beside it, and the read-only connections of `status`, `history` and
 * of the checks a writer makes before it touches a file.
 *
 * @example
 * const { db, lock, wal } = openWriteConnection('./thunderline.db', { lock: true });
 * const view = openReadConnection('./thunderline.db');   // creates nothing, writes nothing
 *
 * Busy timeouts (how long SQLite waits for another connection's lock, blocking the event loop):
 * - the lock file: 0, a second runtime is refused at once (`lock.ts`);
 * - a writer while it opens: {@link OPEN_BUSY_TIMEOUT_MS}, since switching a file to WAL and
 *   migrating it must wait for a reader of a rollback-journal file to finish its read;
 * - a writer once open: 0. The file lock makes it the only writer, and in WAL mode readers
 *   never take the write lock, so a busy answer means something outside Thunderline is writing
 *   the file; the write fails at once (the registry keeps the batch for its next flush) instead
 *   of freezing every actor, tick and socket of the process for seconds;
 * - a writer closing: {@link CLOSE_BUSY_TIMEOUT_MS}, to checkpoint and leave the file in
 *   rollback-journal mode when no reader is in the middle of a read; the loop has stopped then;
 * - a reader: {@link READ_BUSY_TIMEOUT_MS}; it runs in its own process (the CLI), and only waits
 *   while a writer switches journal modes at its start or stop.
 *
 * @internal Used by `openStore` and `actors/cerebros`; not part of the public API.
 */

import fs from 'node:fs';
import Database from 'better-sqlite3';
import { ThunderlineError } from '../errors.ts';
import { adoptWriter } from './checkpointer.ts';
import { acquireDatabaseLock, type DatabaseLock, DatabaseLockedError, type LockHolder } from './lock.ts';
import { applyMigrations, loadMigrations, type MigrationSet } from './migrations.ts';
import { assertSchemaNotNewer, inspectDatabaseFile, messageOf } from './preflight.ts';

/** The path of an in-memory database, which starts empty and vanishes on close. */
export const MEMORY_PATH = ':memory:';

/** See the module comment. */
export const OPEN_BUSY_TIMEOUT_MS = 5000;
export const WRITE_BUSY_TIMEOUT_MS = 0;
export const CLOSE_BUSY_TIMEOUT_MS = 500;
export const READ_BUSY_TIMEOUT_MS = 2000;

/** Thunderline's own tables: a file holding some other table and none of these is not ours. */
const THUNDERLINE_TABLES = new Set(['active_domain_registry', 'domain_activation_history', 'runtime_runs']);
/** Objects that say nothing about whose file it is (drizzle's table can be all a first, interrupted migration left). */
const NEUTRAL_OBJECTS = new Set(['__drizzle_migrations']);

/** Byte 18 and 19 of the header: the file format versions, 2 for WAL, 1 for a rollback journal. */
const JOURNAL_FORMAT_OFFSET = 18;
const WAL_FORMAT = 2;
const ROLLBACK_FORMAT = 1;
/** How often a reader re-reads a file that changed while it read it before opening it in place. */
const SNAPSHOT_ATTEMPTS = 3;

/** A writer's connection, set up and migrated. */
export interface WriteConnection {
  readonly db: Database.Database;
  /** the journal is a write-ahead log (a file, not `:memory:`) */
  readonly wal: boolean;
  /** held until released; only when asked for */
  readonly lock: DatabaseLock | undefined;
}

/** Options of {@link openWriteConnection}. */
export interface WriteConnectionOptions {
  /**
   * Take the file's lock (`lock.ts`): the registry store does, as the file's one writer;
   * cerebros does not, as it writes beside the registry store of the same runtime.
   */
  readonly lock: boolean;
}

/**
 * Opens a writer's connection: refuses, before anything is written or created, a missing
 * directory, a file that is not SQLite, another application's database and a newer schema;
 * then takes the lock (when asked), switches the file to WAL with `synchronous = NORMAL`,
 * applies the migrations and sets the busy timeout to 0.
 *
 * @throws ThunderlineError `ERR_DB_DIRECTORY_MISSING`, `ERR_DB_NOT_SQLITE`,
 *   `ERR_DB_NOT_THUNDERLINE`, `ERR_DB_SCHEMA_NEWER`, `ERR_DATABASE_LOCKED`
 *   ({@link DatabaseLockedError}), `ERR_DB_FAILURE`
 */
export function openWriteConnection(path: string, options: WriteConnectionOptions): WriteConnection {
  const migrations = loadMigrations();
  if (path === MEMORY_PATH) {
    const db = new Database(MEMORY_PATH);
    return guardOpen(path, [db], () => {
      applyMigrations(db, migrations);
      db.pragma(`busy_timeout = ${WRITE_BUSY_TIMEOUT_MS}`);
      return { db, wal: false, lock: undefined };
    });
  }

  const exists = inspectDatabaseFile(path).exists;
  // Every refusal is made on a read-only view, before the lock file or a -wal is created.
  if (exists) {
    withReadConnection(path, (db) => checkOurs(db, path, migrations));
    assertWritable(path);
  }
  const lock = options.lock
    ? acquireDatabaseLock(path, (lockPath) => new DatabaseLockedError(path, lockPath, readHolder(path)))
    : undefined;
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: OPEN_BUSY_TIMEOUT_MS });
  } catch (error) {
    lock?.release();
    throw openFailure(path, error);
  }
  const opened = db;
  return guardOpen(path, [opened, lock], () => {
    // Authoritative, under the lock: the file may have changed since the read-only look.
    checkOurs(opened, path, migrations);
    opened.pragma('journal_mode = WAL');
    opened.pragma('synchronous = NORMAL');
    applyMigrations(opened, migrations);
    opened.pragma(`busy_timeout = ${WRITE_BUSY_TIMEOUT_MS}`);
    // A checkpointer running for the file takes this writer's checkpoints off the event loop (`checkpointer.ts`).
    adoptWriter(path, opened);
    return { db: opened, wal: opened.pragma('journal_mode', { simple: true }) === 'wal', lock };
  });
}

/**
 * Closes a writer's connection: checkpoints the write-ahead log and, when no reader is in the
 * middle of a read, switches the file back to a rollback journal, so a stopped database is one
 * self-contained file that readers can open read-only without creating `-wal`/`-shm` files.
 * Best effort: every committed transaction is already durable, whatever happens here.
 */
export function closeWriteConnection(connection: Pick<WriteConnection, 'db' | 'wal'>): void {
  const { db } = connection;
  if (!db.open) return;
  try {
    db.pragma(`busy_timeout = ${CLOSE_BUSY_TIMEOUT_MS}`);
    if (connection.wal) {
      const [checkpoint] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
      if (checkpoint?.busy === 0) {
        db.pragma('optimize');
        db.pragma('journal_mode = DELETE');
      }
    } else {
      db.pragma('optimize');
    }
  } catch {
    // A reader holds the file: it stays in WAL mode, which the next reader reads in place.
  }
  db.close();
}

/**
 * Opens an existing SQLite file for reading without writing or creating anything, whatever its
 * state. A file in rollback-journal mode, or in WAL mode with its `-wal` (a live or killed
 * writer), is opened read-only in place (SQLITE_OPEN_READONLY, the `mode=ro` of a URI; this
 * build of better-sqlite3 does not take `file:` URIs, see docs/operations.md). A file in WAL
 * mode without its `-wal` would make even a read-only connection create `-wal` and `-shm` (or
 * fail in a read-only directory), while all of its content is in the file itself: it is read
 * into memory and opened from there, as `immutable=1` would, after checking the file did not
 * change while it was read.
 *
 * @param path an existing SQLite file (checked by `inspectDatabaseFile`)
 */
export function openReadConnection(path: string): Database.Database {
  for (let attempt = 0; attempt < SNAPSHOT_ATTEMPTS && needsSnapshot(path); attempt += 1) {
    const snapshot = readStableCopy(path);
    if (snapshot) {
      snapshot[JOURNAL_FORMAT_OFFSET] = ROLLBACK_FORMAT;
      snapshot[JOURNAL_FORMAT_OFFSET + 1] = ROLLBACK_FORMAT;
      return guardOpen(path, [], () => new Database(snapshot, { readonly: true }));
    }
  }
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: READ_BUSY_TIMEOUT_MS });
  } catch (error) {
    throw openFailure(path, error);
  }
  return db;
}

/** Runs `fn` on a read connection to `path` and closes it. */
export function withReadConnection<T>(path: string, fn: (db: Database.Database) => T): T {
  const db = openReadConnection(path);
  try {
    return guardOpen(path, [], () => fn(db));
  } finally {
    db.close();
  }
}

/**
 * Refuses a file that holds other objects and none of Thunderline's tables, or whose schema is
 * newer than this build's.
 *
 * @returns the file's schema version
 */
export function checkOurs(db: Database.Database, filePath: string, migrations: MigrationSet): number {
  const objects = db
    .prepare<[], { type: string; name: string }>("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
    .all()
    .filter((object) => !NEUTRAL_OBJECTS.has(object.name));
  const ours = objects.some((object) => object.type === 'table' && THUNDERLINE_TABLES.has(object.name));
  if (objects.length > 0 && !ours) {
    const tables = objects.filter((object) => object.type === 'table').map((object) => object.name);
    const names = (tables.length > 0 ? tables : objects.map((object) => object.name)).sort();
    const shown = names.length > 5 ? `${names.slice(0, 5).join(', ')}, ... (${names.length} in all)` : names.join(', ');
    throw new ThunderlineError(
      'ERR_DB_NOT_THUNDERLINE',
      `database "${filePath}" is not a Thunderline database: it holds other tables (${shown}) and none of Thunderline's; it was left untouched; pass another --db path`,
    );
  }
  return assertSchemaNotNewer(db, filePath, migrations);
}

/**
 * SQLite opens a file it may not write read-only without a word, and the first write then
 * fails deep inside the start; say it first, and plainly.
 */
function assertWritable(path: string): void {
  try {
    fs.accessSync(path, fs.constants.W_OK);
  } catch (error) {
    throw new ThunderlineError(
      'ERR_DB_FAILURE',
      `database "${path}" is read-only to this user (${(error as NodeJS.ErrnoException).code ?? messageOf(error)}); a runtime writes every status change to it: make the file writable or pass another --db path`,
      { cause: error },
    );
  }
}

/** The open run of the runtime holding `path`, read without writing; undefined when unknown. */
function readHolder(path: string): LockHolder | undefined {
  try {
    if (!inspectDatabaseFile(path).exists) return undefined;
    return withReadConnection(path, (db) => {
      const columns = db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('runtime_runs')").all();
      if (columns.length === 0) return undefined;
      const pid = columns.some((column) => column.name === 'pid') ? 'pid' : 'NULL';
      const row = db
        .prepare<[], { run_id: string; started_at: number; pid: number | null }>(
          `SELECT run_id, started_at, ${pid} AS pid FROM runtime_runs WHERE stopped_at IS NULL ORDER BY started_at DESC, rowid DESC LIMIT 1`,
        )
        .get();
      return row ? { pid: row.pid, runId: row.run_id, startedAt: row.started_at } : undefined;
    });
  } catch {
    // The holder may be in the middle of creating the file: say what we know, which is that it is held.
    return undefined;
  }
}

/** True when the file is in WAL mode and a read-only connection would have to create its `-wal` or `-shm`. */
function needsSnapshot(path: string): boolean {
  if (journalFormat(path) !== WAL_FORMAT) return false;
  const wal = sizeOf(`${sqlitePathOf(path)}-wal`);
  if (wal === undefined) return true;
  return wal === 0 && sizeOf(`${sqlitePathOf(path)}-shm`) === undefined;
}

/** The file's bytes, if it did not change (size, times, inode) and grew no `-wal` while they were read. */
function readStableCopy(path: string): Buffer | undefined {
  const before = fs.statSync(path, { bigint: true });
  const bytes = fs.readFileSync(path);
  const after = fs.statSync(path, { bigint: true });
  const same =
    before.ino === after.ino && before.size === after.size && before.mtimeNs === after.mtimeNs && before.ctimeNs === after.ctimeNs;
  return same && BigInt(bytes.length) === after.size && !needsReopen(path) ? bytes : undefined;
}

/** A `-wal` appeared: a writer opened the file meanwhile. */
function needsReopen(path: string): boolean {
  return sizeOf(`${sqlitePathOf(path)}-wal`) !== undefined;
}

function journalFormat(path: string): number | undefined {
  const fd = fs.openSync(path, 'r');
  try {
    const header = Buffer.alloc(2);
    return fs.readSync(fd, header, 0, 2, JOURNAL_FORMAT_OFFSET) === 2 ? header[0] : undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** SQLite names `-wal` and `-shm` after the file a symlink points to. */
function sqlitePathOf(path: string): string {
  try {
    return fs.realpathSync(path);
  } catch {
    return path;
  }
}

function sizeOf(file: string): number | undefined {
  try {
    return fs.statSync(file).size;
  } catch {
    return undefined;
  }
}

/** Runs `fn`; on failure closes what was opened and throws a ThunderlineError naming the path. */
function guardOpen<T>(path: string, opened: Array<Database.Database | DatabaseLock | undefined>, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    for (const resource of opened) {
      if (!resource) continue;
      if ('release' in resource) resource.release();
      else if (resource.open) resource.close();
    }
    if (error instanceof ThunderlineError) throw error;
    throw openFailure(path, error);
  }
}

function openFailure(path: string, error: unknown): ThunderlineError {
  return new ThunderlineError('ERR_DB_FAILURE', `database "${path}": cannot open it: ${messageOf(error)}`, { cause: error });
}
