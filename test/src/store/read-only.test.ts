/**
 * Readers open the file read-only and create nothing, whatever state the file is in: stopped
 * cleanly (one file), in WAL mode with its log checkpointed away, or with a live writer's log
 * beside it. A cleanly stopped database is left as one file in rollback-journal mode.
 * (Read-only files and directories, which root cannot feel, are covered with real processes
 * in test/src/cli/ledger-read-only.test.ts.)
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openStore } from '../../../src/store/index.ts';
import { change, makeTmpDir, removeTmpDir, snapshotFile } from './helpers.ts';

interface ReadContext {
  dir: string;
  file: string;
}

const reading = suite<ReadContext>('store: readers create nothing');
reading.before.each((context) => {
  context.dir = makeTmpDir();
  context.file = path.join(context.dir, 'thunderline.db');
});
reading.after.each((context) => {
  removeTmpDir(context.dir);
});

function journalHeader(file: string): number[] {
  return [...fs.readFileSync(file).subarray(18, 20)];
}

reading('a cleanly closed database is one file in rollback-journal mode', ({ dir, file }) => {
  const store = openStore(file);
  assert.equal(journalHeader(file), [2, 2], 'WAL while open');
  store.writeBatch([change({ domain: 'billing' })]);
  store.close();
  assert.equal(journalHeader(file), [1, 1], 'rollback journal at rest');
  assert.equal(fs.readdirSync(dir).sort(), ['thunderline.db', 'thunderline.db-lock']);
});

reading('a WAL database whose log was checkpointed away is read without creating -wal or -shm', ({ dir, file }) => {
  const store = openStore(file);
  store.writeBatch([change({ domain: 'billing', event: 'activated', status: 'active', tick: 1 })]);
  store.close();
  // As another tool (or an older thunderline) leaves it: WAL mode in the header, no -wal file.
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.close();
  assert.equal(journalHeader(file), [2, 2]);
  const before = snapshotFile(file);

  const reader = openStore(file, { readonly: true });
  try {
    assert.equal(
      reader.readDomains().map((row) => row.status),
      ['active'],
    );
  } finally {
    reader.close();
  }
  const after = snapshotFile(file);
  assert.ok(after.bytes.equals(before.bytes));
  assert.equal(after.dirEntries, before.dirEntries, `nothing created in ${dir}`);
});

reading('a reader sees a live writer’s committed rows, creates nothing, and never blocks it', ({ file }) => {
  const writer = openStore(file);
  try {
    writer.writeBatch([change({ domain: 'billing', event: 'activated', status: 'active', tick: 1 })]);
    const entries = fs.readdirSync(path.dirname(file)).sort();
    const reader = openStore(file, { readonly: true });
    try {
      assert.equal(
        reader.readDomains().map((row) => row.status),
        ['active'],
      );
      // A reader mid-read (an open statement iterator holds its snapshot) does not stop the writer.
      const raw = new Database(file, { readonly: true });
      const rows = raw.prepare('SELECT * FROM domain_activation_history').iterate();
      rows.next();
      for (let tick = 2; tick < 50; tick += 1) writer.writeBatch([change({ domain: 'billing', tick, occurredAt: tick })]);
      rows.return?.();
      raw.close();
      assert.is(reader.readHistory({ limit: 1 })[0]?.tickCount, 49);
    } finally {
      reader.close();
    }
    assert.equal(fs.readdirSync(path.dirname(file)).sort(), entries, 'the reader added nothing');
  } finally {
    writer.close();
  }
});

reading.run();
