import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openStore } from '../../../src/store/index.ts';
import { change, makeTmpDir, ourSchemaVersion, removeTmpDir } from './helpers.ts';

interface FileContext {
  dir: string;
  dbPath: string;
}

function columnsOf(db: Database.Database, table: string): string[] {
  return db
    .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}') ORDER BY cid`)
    .all()
    .map((row) => row.name);
}

const migrations = suite<FileContext>('migrations', { dir: '', dbPath: '' });

migrations.before.each((context) => {
  context.dir = makeTmpDir();
  context.dbPath = path.join(context.dir, 'thunderline.db');
});

migrations.after.each((context) => {
  removeTmpDir(context.dir);
});

migrations('creates the three registry tables, operator_actions and ledger_prunes with exactly the documented column names', (context) => {
  openStore(context.dbPath).close();
  const db = new Database(context.dbPath, { readonly: true });
  try {
    const tables = db
      .prepare<[], { name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%' AND name NOT LIKE 'cerebros_%' ORDER BY name",
      )
      .all()
      .map((row) => row.name);
    assert.equal(tables, ['active_domain_registry', 'domain_activation_history', 'ledger_prunes', 'operator_actions', 'runtime_runs']);
    // The operator's kills and restarts through the server (docs/protocol.md, "POST /api/actors/action").
    assert.equal(columnsOf(db, 'operator_actions'), [
      'id',
      'run_id',
      'occurred_at',
      'action',
      'actor',
      'path',
      'reason',
      'outcome',
      'detail',
    ]);
    assert.equal(columnsOf(db, 'active_domain_registry'), [
      'id',
      'domain_name',
      'status',
      'tick_count',
      'metadata',
      'activated_at',
      'updated_at',
      'run_id',
    ]);
    assert.equal(columnsOf(db, 'domain_activation_history'), [
      'id',
      'run_id',
      'domain_name',
      'event',
      'tick_count',
      'occurred_at',
      'metadata',
    ]);
    // The documented columns, then the holder's process id (the lock's holder, named when a second runtime is refused).
    assert.equal(columnsOf(db, 'runtime_runs'), [
      'run_id',
      'started_at',
      'stopped_at',
      'stop_reason',
      'tick_interval_ms',
      'version',
      'pid',
    ]);
    // What retention and `thunderline prune` deleted (docs/operations.md, "Retention").
    assert.equal(columnsOf(db, 'ledger_prunes'), [
      'id',
      'run_id',
      'source',
      'table_name',
      'rule',
      'rows_deleted',
      'first_id',
      'last_id',
      'cut_before',
      'started_at',
      'finished_at',
    ]);
  } finally {
    db.close();
  }
});

migrations('indexes the history by domain name and id', (context) => {
  openStore(context.dbPath).close();
  const db = new Database(context.dbPath, { readonly: true });
  try {
    const columns = db
      .prepare<[], { name: string }>("SELECT name FROM pragma_index_info('domain_activation_history_domain_name_id_idx') ORDER BY seqno")
      .all()
      .map((row) => row.name);
    assert.equal(columns, ['domain_name', 'id']);
  } finally {
    db.close();
  }
});

migrations('records the schema version in user_version', (context) => {
  openStore(context.dbPath).close();
  const db = new Database(context.dbPath, { readonly: true });
  try {
    assert.is(db.pragma('user_version', { simple: true }), ourSchemaVersion());
  } finally {
    db.close();
  }
});

migrations('reopening an existing database re-runs migrate idempotently and keeps the data', (context) => {
  const first = openStore(context.dbPath);
  first.writeBatch([change({ domain: 'billing', event: 'activated', status: 'active', tick: 1 })]);
  first.close();
  const second = openStore(context.dbPath);
  second.writeBatch([change({ domain: 'billing', event: 'deactivated', status: 'inactive', tick: 2 })]);
  assert.equal(
    second.readHistory().map((row) => row.event),
    ['deactivated', 'activated'],
  );
  second.close();
  const db = new Database(context.dbPath, { readonly: true });
  try {
    const applied = db.prepare<[], { count: number }>('SELECT count(*) AS count FROM __drizzle_migrations').get();
    assert.is(applied?.count, ourSchemaVersion());
  } finally {
    db.close();
  }
});

// ---

const journal = suite<FileContext>('journal mode', { dir: '', dbPath: '' });

journal.before.each((context) => {
  context.dir = makeTmpDir();
  context.dbPath = path.join(context.dir, 'thunderline.db');
});

journal.after.each((context) => {
  removeTmpDir(context.dir);
});

journal('a file database runs in WAL mode', (context) => {
  const store = openStore(context.dbPath);
  store.writeBatch([change({ domain: 'billing' })]);
  const db = new Database(context.dbPath, { readonly: true });
  try {
    assert.is(db.pragma('journal_mode', { simple: true }), 'wal');
  } finally {
    db.close();
    store.close();
  }
});

journal('closing a file store checkpoints the log and leaves no -wal or -shm file', (context) => {
  const store = openStore(context.dbPath);
  store.writeBatch([change({ domain: 'billing' })]);
  store.close();
  assert.equal(
    [`${context.dbPath}-wal`, `${context.dbPath}-shm`].filter((file) => fs.existsSync(file)),
    [],
  );
});

journal('an in-memory store works without a file', () => {
  const store = openStore(':memory:');
  store.writeBatch([change({ domain: 'billing' })]);
  assert.is(store.readDomains().length, 1);
  assert.is(store.path, ':memory:');
  store.close();
});

migrations.run();
journal.run();
