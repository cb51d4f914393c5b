/**
 * Opens the durable registry store: checks the file, takes its lock, applies the drizzle
 * migrations, closes the runs a dead process left open, and returns a {@link RegistryStore}
 * ready for synchronous writes.
 *
 * @example
 * import { openStore } from './open-store.ts';
 *
 * const store = openStore('./thunderline.db');           // created and migrated if new
 * const view = openStore('./thunderline.db', { readonly: true });  // for `status`/`history`
 * view.readDomains();
 */

import { describeValue, ThunderlineError } from '../errors.ts';
import { checkOurs, MEMORY_PATH, openReadConnection, openWriteConnection } from './connection.ts';
import { loadMigrations, type MigrationSet } from './migrations.ts';
import { inspectDatabaseFile } from './preflight.ts';
import type { RegistryStore } from './registry-store.ts';
import { SqliteRegistryStore } from './sqlite-store.ts';

export { MEMORY_PATH } from './connection.ts';
export type { RegistryStore } from './registry-store.ts';

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /**
   * Open an existing database read-only, creating nothing (the CLI's `status` and `history`);
   * a missing file is an error. Default `false`.
   */
  readonly?: boolean;
}

/**
 * Opens (creating and migrating if needed) the registry store at `path`.
 *
 * A writer is the file's only writer: it holds the lock file `<path>-lock` until `close()`, and a
 * second writer, in this process or another, is refused with `ERR_DATABASE_LOCKED` naming the
 * holder (`:memory:` takes no lock). Before anything is created or written it refuses, leaving
 * the file as it was: a path whose directory is missing (`ERR_DB_DIRECTORY_MISSING`), a file
 * that is not SQLite (`ERR_DB_NOT_SQLITE`), another application's database
 * (`ERR_DB_NOT_THUNDERLINE`) and a database migrated by a newer build (`ERR_DB_SCHEMA_NEWER`).
 * A file database runs in WAL mode with `synchronous = NORMAL`, so a committed batch survives
 * the process being killed; once it holds the lock, the writer closes every run a dead process
 * left open (`stop_reason` beginning `unclean`, its running domains recorded `inactive`).
 *
 * A reader (`readonly: true`) takes no lock, never blocks the writer, and creates nothing: no
 * `-wal`, `-shm` or lock file, even on a read-only file or in a read-only directory.
 *
 * @param path a file path, or `:memory:`
 * @param options see {@link OpenStoreOptions}; default `{ readonly: false }`
 * @throws ThunderlineError `ERR_DB_DIRECTORY_MISSING`, `ERR_DB_NOT_SQLITE`,
 *   `ERR_DB_NOT_THUNDERLINE`, `ERR_DB_SCHEMA_NEWER`, `ERR_DATABASE_LOCKED` (a
 *   `DatabaseLockedError`), `ERR_DB_FAILURE` (SQLite failed, the file is read-only to a writer,
 *   or `readonly` and no database), `ERR_INVALID_OPTION` (empty path, or `readonly` with `:memory:`)
 */
export function openStore(path: string, options: OpenStoreOptions = {}): RegistryStore {
  const readonly = options.readonly ?? false;
  if (typeof path !== 'string' || path === '') {
    throw new ThunderlineError('ERR_INVALID_OPTION', `database path must be a file path or ":memory:", got ${describeValue(path)}`);
  }
  if (readonly) return openReader(path);

  const connection = openWriteConnection(path, { lock: true });
  const store = new SqliteRegistryStore(connection.db, path, { readonly: false, wal: connection.wal }, connection.lock);
  try {
    store.closeUncleanRuns();
  } catch (error) {
    store.close();
    throw error;
  }
  return store;
}

function openReader(path: string): RegistryStore {
  if (path === MEMORY_PATH) {
    throw new ThunderlineError(
      'ERR_INVALID_OPTION',
      `database ":memory:" cannot be opened read-only: an in-memory database starts empty; pass the file of a run`,
    );
  }
  const migrations = loadMigrations();
  if (!inspectDatabaseFile(path).exists) {
    throw new ThunderlineError('ERR_DB_FAILURE', `no database at ${path}; run \`thunderline start --db ${path}\` first`);
  }
  const db = openReadConnection(path);
  try {
    assertMigrated(path, checkOurs(db, path, migrations), migrations);
    return new SqliteRegistryStore(db, path, { readonly: true, wal: false });
  } catch (error) {
    db.close();
    throw error;
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
