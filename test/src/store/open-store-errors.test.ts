import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openStore } from '../../../src/store/index.ts';
import { catchThunderlineError, change, type FileSnapshot, makeTmpDir, ourSchemaVersion, removeTmpDir, snapshotFile } from './helpers.ts';

interface DirContext {
  dir: string;
}

function dirSuite(title: string) {
  const group = suite<DirContext>(title);
  group.before.each((context) => {
    context.dir = makeTmpDir();
  });
  group.after.each((context) => {
    removeTmpDir(context.dir);
  });
  return group;
}

function assertUntouched(file: string, before: FileSnapshot): void {
  const after = snapshotFile(file);
  assert.ok(after.bytes.equals(before.bytes), 'the bytes are unchanged');
  assert.is(after.mtimeMs, before.mtimeMs, 'the mtime is unchanged');
  assert.equal(after.dirEntries, before.dirEntries, 'no -wal, -shm or other file appeared');
}

const notSqlite = dirSuite('refusing a file that is not SQLite');

notSqlite('refuses a text file and leaves it byte-for-byte untouched', ({ dir }) => {
  const file = path.join(dir, 'notes.txt');
  fs.writeFileSync(file, 'remember the milk\n'.repeat(20));
  const before = snapshotFile(file);
  const error = catchThunderlineError(() => openStore(file));
  assert.is(error.code, 'ERR_DB_NOT_SQLITE');
  assert.is(
    error.message,
    `database "${file}" is not an SQLite database (it does not start with the SQLite header); it was left untouched; pass another --db path`,
  );
  assertUntouched(file, before);
});

notSqlite('refuses a file shorter than the SQLite header', ({ dir }) => {
  const file = path.join(dir, 'short.db');
  fs.writeFileSync(file, 'SQLite');
  const before = snapshotFile(file);
  assert.is(catchThunderlineError(() => openStore(file)).code, 'ERR_DB_NOT_SQLITE');
  assertUntouched(file, before);
});

notSqlite('refuses a text file in readonly mode too', ({ dir }) => {
  const file = path.join(dir, 'notes.txt');
  fs.writeFileSync(file, 'remember the milk\n');
  const before = snapshotFile(file);
  assert.is(catchThunderlineError(() => openStore(file, { readonly: true })).code, 'ERR_DB_NOT_SQLITE');
  assertUntouched(file, before);
});

notSqlite('refuses a directory given as the database path', ({ dir }) => {
  const error = catchThunderlineError(() => openStore(dir));
  assert.is(error.code, 'ERR_DB_NOT_SQLITE');
  assert.is(error.message, `database "${dir}" is not an SQLite database: it is a directory or special file; pass a file path with --db`);
});

notSqlite('treats an empty file as a new database', ({ dir }) => {
  const file = path.join(dir, 'empty.db');
  fs.writeFileSync(file, '');
  const store = openStore(file);
  store.writeBatch([change({ domain: 'billing' })]);
  store.close();
  assert.is(fs.readFileSync(file).subarray(0, 15).toString('latin1'), 'SQLite format 3');
});

// ---

const directory = dirSuite('refusing a missing directory');

directory('refuses a path whose directory does not exist, and creates nothing', ({ dir }) => {
  const missing = path.join(dir, 'no', 'such');
  const file = path.join(missing, 'thunderline.db');
  const error = catchThunderlineError(() => openStore(file));
  assert.is(error.code, 'ERR_DB_DIRECTORY_MISSING');
  assert.is(error.message, `database "${file}": directory "${missing}" does not exist; create it or pass another --db path`);
  assert.equal(fs.readdirSync(dir), []);
});

directory('refuses a path whose directory is a file', ({ dir }) => {
  const notADir = path.join(dir, 'file');
  fs.writeFileSync(notADir, 'x');
  const file = path.join(notADir, 'thunderline.db');
  const error = catchThunderlineError(() => openStore(file));
  assert.is(error.code, 'ERR_DB_DIRECTORY_MISSING');
  assert.is(error.message, `database "${file}": directory "${notADir}" is not a directory; create it or pass another --db path`);
});

// ---

const newer = dirSuite('refusing a newer schema');

newer('refuses a database whose user_version is higher than ours and leaves it untouched', ({ dir }) => {
  const file = path.join(dir, 'future.db');
  const ours = ourSchemaVersion();
  openStore(file).close();
  const db = new Database(file);
  db.exec('CREATE TABLE something_new (x)');
  db.pragma(`user_version = ${ours + 7}`);
  db.close();
  const before = snapshotFile(file);
  const error = catchThunderlineError(() => openStore(file));
  assert.is(error.code, 'ERR_DB_SCHEMA_NEWER');
  assert.is(
    error.message,
    `database "${file}" has schema version ${ours + 7}, newer than this build supports (${ours}); it was left untouched; upgrade thunderline or pass another --db path`,
  );
  assertUntouched(file, before);
});

newer('refuses a WAL database that records a migration this build does not know', ({ dir }) => {
  const file = path.join(dir, 'branch.db');
  openStore(file).close();
  const db = new Database(file);
  db.prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)').run('f'.repeat(64), 9_999_999_999_999);
  db.close();
  const before = snapshotFile(file);
  const ours = ourSchemaVersion();
  const error = catchThunderlineError(() => openStore(file));
  assert.is(error.code, 'ERR_DB_SCHEMA_NEWER');
  assert.is(
    error.message,
    `database "${file}" has schema version ${ours + 1}, newer than this build supports (${ours}); it was left untouched; upgrade thunderline or pass another --db path`,
  );
  assertUntouched(file, before);
});

newer('refuses a database whose applied migration differs from ours at the same count', ({ dir }) => {
  const file = path.join(dir, 'edited.db');
  openStore(file).close();
  const db = new Database(file);
  db.prepare('UPDATE __drizzle_migrations SET hash = ?').run('0'.repeat(64));
  const createdAt = db.prepare<[], { created_at: number }>('SELECT created_at FROM __drizzle_migrations').get()?.created_at;
  db.close();
  const before = snapshotFile(file);
  const ours = ourSchemaVersion();
  const error = catchThunderlineError(() => openStore(file));
  assert.is(error.code, 'ERR_DB_SCHEMA_NEWER');
  assert.is(
    error.message,
    `database "${file}" has schema version ${ours} including a migration this build does not know (created ${createdAt}, sha256 000000000000); this build supports schema version ${ours}; it was left untouched; use the thunderline that created it or pass another --db path`,
  );
  assertUntouched(file, before);
});

// ---

const readonly = dirSuite('opening read-only');

readonly('refuses a missing file with the command that creates it, and creates nothing', ({ dir }) => {
  const file = path.join(dir, 'thunderline.db');
  const error = catchThunderlineError(() => openStore(file, { readonly: true }));
  assert.is(error.code, 'ERR_DB_FAILURE');
  assert.is(error.message, `no database at ${file}; run \`thunderline start --db ${file}\` first`);
  assert.equal(fs.readdirSync(dir), []);
});

readonly('reads an existing database and leaves no -wal or -shm file behind', ({ dir }) => {
  const file = path.join(dir, 'thunderline.db');
  const writer = openStore(file);
  writer.writeBatch([change({ domain: 'billing', event: 'activated', status: 'active', tick: 1 })]);
  writer.close();
  const before = snapshotFile(file);
  const store = openStore(file, { readonly: true });
  assert.is(store.readonly, true);
  assert.equal(
    store.readDomains().map((row) => [row.domainName, row.status]),
    [['billing', 'active']],
  );
  store.close();
  assertUntouched(file, before);
});

readonly('refuses writes', ({ dir }) => {
  const file = path.join(dir, 'thunderline.db');
  openStore(file).close();
  const store = openStore(file, { readonly: true });
  const error = catchThunderlineError(() => store.writeBatch([change({ domain: 'billing' })]));
  store.close();
  assert.is(error.code, 'ERR_DB_FAILURE');
  assert.is(error.message, `store "${file}" was opened read-only; writeBatch needs a store opened without readonly`);
});

readonly('refuses an SQLite file that was never migrated', ({ dir }) => {
  const file = path.join(dir, 'other.db');
  const db = new Database(file);
  db.exec('CREATE TABLE scratch (x); DROP TABLE scratch');
  db.close();
  const error = catchThunderlineError(() => openStore(file, { readonly: true }));
  assert.is(error.code, 'ERR_DB_FAILURE');
  assert.is(
    error.message,
    `database "${file}" has schema version 0, older than this build's ${ourSchemaVersion()}; run \`thunderline start --db ${file}\` once to migrate it`,
  );
});

readonly('refuses :memory:, which would always be empty', () => {
  const error = catchThunderlineError(() => openStore(':memory:', { readonly: true }));
  assert.is(error.code, 'ERR_INVALID_OPTION');
  assert.is(error.message, 'database ":memory:" cannot be opened read-only: an in-memory database starts empty; pass the file of a run');
});

readonly('refuses an empty path', () => {
  const error = catchThunderlineError(() => openStore(''));
  assert.is(error.code, 'ERR_INVALID_OPTION');
  assert.is(error.message, 'database path must be a file path or ":memory:", got ""');
});

notSqlite.run();
directory.run();
newer.run();
readonly.run();
