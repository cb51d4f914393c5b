/**
 * Opens the durable registry store: checks the file, applies the drizzle migrations and
 * returns a {@link RegistryStore} ready for synchronous writes.
 *
 * @example
 * import { openStore } from './open-store.ts';
 *
 * const store = openStore('./thunderline.db');           // created and migrated if new
 * const view = openStore('./thunderline.db', { readonly: true });  // for `status`/`history`
 * view.readDomains();
 */

import Database from 'better-sqlite3';
import { describeValue, ThunderlineError } from '../errors.ts';
import { applyMigrations, loadMigrations, type MigrationSet } from './migrations.ts';
import { assertSchemaNotNewer, inspectDatabaseFile, messageOf } from './preflight.ts';
import type { RegistryStore } from './registry-store.ts';
import { SqliteRegistryStore } from './sqlite-store.ts';

export type { RegistryStore } from './registry-store.ts';

/** The path of an in-memory database, which starts empty and vanishes on close. */
export const MEMORY_PATH = ':memory:';

/** How long a statement waits for another connection's lock before failing, ms. */
const BUSY_TIMEOUT_MS = 5000;

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /**
   * Open an existing database without migrating or writing it (the CLI's `status` and
   * `history`); a missing file is an error. Default `false`.
   */
  readonly?: boolean;
}

/**
 * Opens (creating and migrating if needed) the registry store at `path`.
 *
 * Before SQLite touches the file it refuses, leaving the file as it was: a path whose
 * directory is missing (`ERR_DB_DIRECTORY_MISSING`), a file that is not an SQLite database
 * (`ERR_DB_NOT_SQLITE`), and a database migrated by a newer build (`ERR_DB_SCHEMA_NEWER`).
 * A file database runs in WAL mode with `synchronous = NORMAL`, so a committed batch
 * survives the process being killed.
 *
 * @param path a file path, or `:memory:`
 * @param options see {@link OpenStoreOptions}; default `{ readonly: false }`
 * @throws ThunderlineError `ERR_DB_DIRECTORY_MISSING`, `ERR_DB_NOT_SQLITE`,
 *   `ERR_DB_SCHEMA_NEWER`, `ERR_DB_FAILURE` (SQLite failed, or `readonly` and no database),
 *   `ERR_INVALID_OPTION` (empty path, or `readonly` with `:memory:`)
 */
export function openStore(path: string, options: OpenStoreOptions = {}): RegistryStore {
  const readonly = options.readonly ?? false;
  if (typeof path !== 'string' || path === '') {
    throw new ThunderlineError('ERR_INVALID_OPTION', `database path must be a file path or ":memory:", got ${describeValue(path)}`);
  }
  const memory = path === MEMORY_PATH;
  if (memory && readonly) {
    throw new ThunderlineError(
      'ERR_INVALID_OPTION',
      `database ":memory:" cannot be opened read-only: an in-memory database starts empty; pass the file of a run`,
    );
  }
  const migrations = loadMigrations();
  if (!memory) {
    const file = inspectDatabaseFile(path, migrations.version);
    if (readonly && !file.exists) {
      throw new ThunderlineError('ERR_DB_FAILURE', `no database at ${path}; run \`thunderline start --db ${path}\` first`);
    }
  }

  const db = connect(path, readonly);
  try {
    const version = memory ? 0 : assertSchemaNotNewer(db, path, migrations);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (readonly) {
      assertMigrated(path, version, migrations);
    } else {
      if (!memory) db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      applyMigrations(db, migrations);
    }
    const wal = db.pragma('journal_mode', { simple: true }) === 'wal';
    return new SqliteRegistryStore(db, path, { readonly, wal });
  } catch (error) {
    db.close();
    if (error instanceof ThunderlineError) throw error;
    throw new ThunderlineError('ERR_DB_FAILURE', `database "${path}": cannot open it: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

/**
 * A read-only store still opens the file read-write, with `query_only` on: SQLite's own
 * read-only mode leaves `-wal`/`-shm` files behind after a `status` on a WAL database,
 * while a read-write connection removes them when it is the last one to close.
 */
function connect(path: string, readonly: boolean): Database.Database {
  try {
    const db = new Database(path, { fileMustExist: readonly, timeout: BUSY_TIMEOUT_MS });
    if (readonly) db.pragma('query_only = ON');
    return db;
  } catch (error) {
    throw new ThunderlineError('ERR_DB_FAILURE', `database "${path}": cannot open it: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

function assertMigrated(path: string, version: number, migrations: MigrationSet): void {
  if (version < migrations.version) {
    throw new ThunderlineError(
      'ERR_DB_FAILURE',
      `database "${path}" has schema version ${version}, older than this build's ${migrations.version}; run \`thunderline start --db ${path}\` once to migrate it`,
    );
  }
}
