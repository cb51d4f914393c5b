/**
 * The checks `openStore` makes before SQLite may touch a file, so a wrong `--db` path is
 * refused with a clear error and the file is left byte-for-byte as it was.
 *
 * @example
 * const found = inspectDatabaseFile('./thunderline.db');
 * // throws ERR_DB_DIRECTORY_MISSING or ERR_DB_NOT_SQLITE
 * if (!found.exists) { ... a new database will be created ... }
 * assertSchemaNotNewer(readOnlyConnection, './thunderline.db', migrations); // ERR_DB_SCHEMA_NEWER
 *
 * @internal Used by `openStore`; not part of the public API.
 */

import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { ThunderlineError } from '../errors.ts';
import { findUnknownMigration, type KnownMigration, type MigrationSet, readAppliedMigrations, readSchemaVersion } from './migrations.ts';

/** The 16 bytes every SQLite 3 database file starts with. */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const HEADER_BYTES = 100;

/** What the pre-open checks learned about the file. */
export interface FileInspection {
  /** false when there is no file yet, or an empty one (SQLite treats both as a new database) */
  readonly exists: boolean;
}

/**
 * Checks the directory and, when the file exists, that it starts with the SQLite header. Reads
 * the file with plain `fs`, so nothing is created or changed whatever the outcome. Whose
 * database it is and its schema version are checked next, on a read-only connection
 * (`connection.ts`): another application's file may have any `user_version`.
 *
 * @param filePath the database path as the user gave it (not `:memory:`)
 */
export function inspectDatabaseFile(filePath: string): FileInspection {
  const dir = path.dirname(filePath);
  const dirState = directoryState(dir);
  if (dirState !== 'directory') {
    const problem = dirState === 'missing' ? 'does not exist' : 'is not a directory';
    throw new ThunderlineError(
      'ERR_DB_DIRECTORY_MISSING',
      `database "${filePath}": directory "${dir}" ${problem}; create it or pass another --db path`,
    );
  }
  let stat: fs.Stats;
  try {
    stat = fs.statSync(filePath);
  } catch (error) {
    if (isNotFound(error)) return { exists: false };
    throw new ThunderlineError('ERR_DB_FAILURE', `database "${filePath}": cannot read it: ${messageOf(error)}`, {
      cause: error,
    });
  }
  if (!stat.isFile()) {
    throw new ThunderlineError(
      'ERR_DB_NOT_SQLITE',
      `database "${filePath}" is not an SQLite database: it is a directory or special file; pass a file path with --db`,
    );
  }
  if (stat.size === 0) return { exists: false };

  const header = readHeader(filePath);
  if (header.length < SQLITE_MAGIC.length || !header.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) {
    throw new ThunderlineError(
      'ERR_DB_NOT_SQLITE',
      `database "${filePath}" is not an SQLite database (it does not start with the SQLite header); it was left untouched; pass another --db path`,
    );
  }
  return { exists: true };
}

/**
 * The version check, on an open connection before anything is written (a read-only one first,
 * then the writer's under the lock): the header may be stale while a write-ahead log holds
 * newer pages, and a database migrated by another build may record a migration we do not know
 * even at the same count.
 *
 * @returns the database's schema version (0 for a new database)
 */
export function assertSchemaNotNewer(db: Database.Database, filePath: string, set: MigrationSet): number {
  const applied: KnownMigration[] = readAppliedMigrations(db);
  const dbVersion = readSchemaVersion(db, applied);
  if (dbVersion > set.version) throw schemaNewer(filePath, dbVersion, set.version);
  const unknown = findUnknownMigration(applied, set.migrations);
  if (unknown) {
    throw new ThunderlineError(
      'ERR_DB_SCHEMA_NEWER',
      `database "${filePath}" has schema version ${dbVersion} including a migration this build does not know (created ${unknown.createdAt}, sha256 ${unknown.hash.slice(0, 12)}); this build supports schema version ${set.version}; it was left untouched; use the thunderline that created it or pass another --db path`,
    );
  }
  return dbVersion;
}

function schemaNewer(filePath: string, dbVersion: number, ours: number): ThunderlineError {
  return new ThunderlineError(
    'ERR_DB_SCHEMA_NEWER',
    `database "${filePath}" has schema version ${dbVersion}, newer than this build supports (${ours}); it was left untouched; upgrade thunderline or pass another --db path`,
  );
}

function readHeader(filePath: string): Buffer {
  const fd = fs.openSync(filePath, 'r');
  try {
    const buffer = Buffer.alloc(HEADER_BYTES);
    const bytesRead = fs.readSync(fd, buffer, 0, HEADER_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    fs.closeSync(fd);
  }
}

function directoryState(dir: string): 'directory' | 'missing' | 'other' {
  try {
    return fs.statSync(dir).isDirectory() ? 'directory' : 'other';
  } catch {
    return 'missing';
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** @internal */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
