/**
 * Finds the generated drizzle migrations (`drizzle/`) and applies them; the number of
 * migrations is the schema version, which is also kept in `PRAGMA user_version`.
 *
 * @example
 * const migrations = loadMigrations();      // { folder, migrations, version }
 * applyMigrations(sqlite, migrations);      // idempotent; sets user_version = version
 * readAppliedMigrations(sqlite);            // what __drizzle_migrations records
 *
 * @internal Used by `openStore`; not part of the public API.
 */

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { ThunderlineError } from '../errors.ts';

/** The table drizzle's migrator records applied migrations in. */
const MIGRATIONS_TABLE = '__drizzle_migrations';

/** A migration as drizzle identifies it: the journal's `when` and the SQL file's sha256. */
export interface KnownMigration {
  readonly createdAt: number;
  readonly hash: string;
}

/** The migrations this build ships; `version` is their count. */
export interface MigrationSet {
  readonly folder: string;
  readonly migrations: readonly KnownMigration[];
  readonly version: number;
}

let cachedSet: MigrationSet | undefined;

/**
 * Finds the `drizzle/` folder by walking up from this module: it lives at `src/store/` when
 * run from source and at `dist/src/store/` when built, and the package ships `drizzle/` at
 * its root, so the nearest folder holding `drizzle/meta/_journal.json` is ours.
 *
 * @param startDir where to start looking; default: this module's directory
 */
export function findMigrationsFolder(startDir = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = startDir;
  for (;;) {
    const candidate = path.join(dir, 'drizzle');
    if (fs.existsSync(path.join(candidate, 'meta', '_journal.json'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new ThunderlineError(
        'ERR_DB_FAILURE',
        `cannot find the database migrations: no "drizzle/meta/_journal.json" in "${startDir}" or any folder above it; the thunderline package is incomplete, reinstall it`,
      );
    }
    dir = parent;
  }
}

/** Reads this build's migrations once per process. */
export function loadMigrations(): MigrationSet {
  if (cachedSet) return cachedSet;
  const folder = findMigrationsFolder();
  const migrations = readMigrationFiles({ migrationsFolder: folder }).map((meta) => ({
    createdAt: meta.folderMillis,
    hash: meta.hash,
  }));
  cachedSet = { folder, migrations, version: migrations.length };
  return cachedSet;
}

/** The migrations recorded in a database, oldest first; empty when it was never migrated. */
export function readAppliedMigrations(db: Database.Database): KnownMigration[] {
  const table = db
    .prepare<[string], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?")
    .get(MIGRATIONS_TABLE);
  if (!table) return [];
  const rows = db
    .prepare<[], { hash: unknown; created_at: unknown }>(`SELECT hash, created_at FROM "${MIGRATIONS_TABLE}" ORDER BY created_at`)
    .all();
  return rows.map((row) => ({ createdAt: Number(row.created_at), hash: String(row.hash) }));
}

/** The first applied migration that is not one of `known` (same `when` and same SQL), if any. */
export function findUnknownMigration(applied: readonly KnownMigration[], known: readonly KnownMigration[]): KnownMigration | undefined {
  return applied.find((entry) => !known.some((k) => k.createdAt === entry.createdAt && k.hash === entry.hash));
}

/** The schema version a database is at: its `user_version`, or its applied migrations if more. */
export function readSchemaVersion(db: Database.Database, applied: readonly KnownMigration[]): number {
  const userVersion = Number(db.pragma('user_version', { simple: true }));
  return Math.max(userVersion, applied.length);
}

/**
 * Applies every migration the database lacks (drizzle's `migrate`, idempotent), then records
 * the schema version in `user_version`, the fast check of the next open.
 */
export function applyMigrations(db: Database.Database, set: MigrationSet): void {
  migrate(drizzle(db), { migrationsFolder: set.folder });
  if (Number(db.pragma('user_version', { simple: true })) !== set.version) {
    db.pragma(`user_version = ${set.version}`);
  }
}
