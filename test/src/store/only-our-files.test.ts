/**
 * The store adopts a new path, an empty file or an SQLite file with no schema, and refuses an
 * SQLite file that holds another application's tables: ERR_DB_NOT_THUNDERLINE, the file
 * byte-for-byte untouched and nothing created beside it (no -wal, -shm or -lock). Cerebros'
 * connection goes through the same checks.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openCerebrosStore } from '../../../actors/cerebros/index.ts';
import { openStore } from '../../../src/store/index.ts';
import { catchThunderlineError, change, makeTmpDir, removeTmpDir } from './helpers.ts';

interface FileContext {
  dir: string;
}

const ours = suite<FileContext>('store: only our files');
ours.before.each((context) => {
  context.dir = makeTmpDir();
});
ours.after.each((context) => {
  removeTmpDir(context.dir);
});

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Another application's database: a notes table with a row, in the journal mode given. */
function foreignDatabase(file: string, journalMode: 'delete' | 'wal'): void {
  const db = new Database(file);
  db.pragma(`journal_mode = ${journalMode}`);
  db.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('remember the milk')");
  db.close();
}

for (const journalMode of ['delete', 'wal'] as const) {
  ours(`refuses another application's database (${journalMode} journal) and leaves it untouched`, ({ dir }) => {
    const file = path.join(dir, 'notes.db');
    foreignDatabase(file, journalMode);
    const hash = sha256(file);
    const mtimeMs = fs.statSync(file).mtimeMs;
    assert.equal(fs.readdirSync(dir), ['notes.db'], 'a WAL database closed cleanly has no -wal beside it');

    for (const open of [() => openStore(file), () => openStore(file, { readonly: true }), () => openCerebrosStore(file)]) {
      const error = catchThunderlineError(open);
      assert.is(error.code, 'ERR_DB_NOT_THUNDERLINE');
      assert.is(
        error.message,
        `database "${file}" is not a Thunderline database: it holds other tables (notes) and none of Thunderline's; it was left untouched; pass another --db path`,
      );
    }
    assert.is(sha256(file), hash, 'byte-for-byte untouched');
    assert.is(fs.statSync(file).mtimeMs, mtimeMs);
    assert.equal(fs.readdirSync(dir), ['notes.db'], 'no -wal, -shm or -lock file created');
  });
}

ours('adopts an SQLite file with no schema yet', ({ dir }) => {
  const file = path.join(dir, 'blank.db');
  const db = new Database(file);
  db.exec('CREATE TABLE scratch (x); DROP TABLE scratch');
  db.close();
  assert.ok(fs.statSync(file).size > 0, 'an SQLite file, not an empty one');
  const store = openStore(file);
  store.writeBatch([change({ domain: 'billing' })]);
  store.close();
});

ours('adopts an empty file and a new path', ({ dir }) => {
  const empty = path.join(dir, 'empty.db');
  fs.writeFileSync(empty, '');
  for (const file of [empty, path.join(dir, 'new.db')]) {
    const store = openStore(file);
    store.writeBatch([change({ domain: 'billing' })]);
    store.close();
  }
});

ours('a Thunderline database that also holds the user’s own tables is still ours', ({ dir }) => {
  const file = path.join(dir, 'thunderline.db');
  openStore(file).close();
  const db = new Database(file);
  db.exec('CREATE TABLE my_notes (x)');
  db.close();
  const store = openStore(file);
  store.close();
});

ours('cerebros shares the main connection setup: the same refusals, WAL, and no waiting on locks', ({ dir }) => {
  const notes = path.join(dir, 'notes.txt');
  fs.writeFileSync(notes, 'not a database\n');
  assert.is(catchThunderlineError(() => openCerebrosStore(notes)).code, 'ERR_DB_NOT_SQLITE');
  assert.is(catchThunderlineError(() => openCerebrosStore(path.join(dir, 'missing', 'x.db'))).code, 'ERR_DB_DIRECTORY_MISSING');

  const file = path.join(dir, 'thunderline.db');
  const cerebros = openCerebrosStore(file);
  try {
    const header = fs.readFileSync(file).subarray(18, 20);
    assert.equal([...header], [2, 2], 'the file is in WAL mode while cerebros has it open');
    const outsider = new Database(file);
    try {
      outsider.exec('BEGIN IMMEDIATE');
      const started = performance.now();
      assert.throws(() => cerebros.insertRun({ runId: 'r', startedAt: 1, seed: 1, searchSpace: {} }), /database is locked/);
      assert.ok(performance.now() - started < 1000, 'busy_timeout 0: no wait');
      outsider.exec('ROLLBACK');
    } finally {
      outsider.close();
    }
  } finally {
    cerebros.close();
  }
});

ours.run();
