/**
 * Which files the CLI takes, with real processes: `start` refuses another application's SQLite
 * file (exit 2, one line, the file byte-for-byte untouched, nothing created beside it) and adopts
 * an empty file; `status` treats an empty file as it treats a missing one (exit 2).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from './helpers.ts';
import { fingerprint, makeLedgerDir, oneErrorLine, removeLedgerDir } from './ledger-helpers.ts';

interface FilesContext {
  dir: string;
}

const files = suite<FilesContext>('cli ledger: only our files');
files.before.each((context) => {
  context.dir = makeLedgerDir();
});
files.after.each((context) => {
  removeLedgerDir(context.dir);
});

for (const journalMode of ['delete', 'wal'] as const) {
  files(`start refuses another application's SQLite file (${journalMode} journal): exit 2, untouched, nothing created`, async ({ dir }) => {
    const file = path.join(dir, 'app.db');
    const db = new Database(file);
    db.pragma(`journal_mode = ${journalMode}`);
    db.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('hello')");
    db.close();
    const before = fingerprint(dir);
    assert.equal(Object.keys(before), ['app.db']);

    const result = await runCli(['start', '--db', file, '--tick-interval', '50', '--no-server', '--max-ticks', '1'], { timeoutMs: 60_000 });
    assert.is(result.code, 2, result.stderr);
    assert.match(oneErrorLine(result.stderr), `database "${file}" is not a Thunderline database`);
    assert.equal(fingerprint(dir), before, 'the same bytes, and no -wal, -shm or -lock beside it');
  });
}

files('start adopts an empty file', async ({ dir }) => {
  const file = path.join(dir, 'empty.db');
  fs.writeFileSync(file, '');
  const result = await runCli(['start', '--db', file, '--tick-interval', '50', '--no-server', '--max-ticks', '1'], { timeoutMs: 60_000 });
  assert.is(result.code, 0, result.stderr);
  const status = await runCli(['status', '--db', file, '--json']);
  assert.is(status.code, 0, status.stderr);
  assert.is((JSON.parse(status.stdout) as { run: { stopReason: string } }).run.stopReason, 'shutdown');
});

files('status and history on an empty file exit 2 like a missing file, and create nothing', async ({ dir }) => {
  const empty = path.join(dir, 'empty.db');
  fs.writeFileSync(empty, '');
  const missing = path.join(dir, 'missing.db');
  const before = fingerprint(dir);
  for (const file of [empty, missing]) {
    for (const command of ['status', 'history']) {
      const result = await runCli([command, '--db', file]);
      assert.is(result.code, 2, `${command} ${file}: ${result.stderr}`);
      assert.is(oneErrorLine(result.stderr), `thunderline: --db ${file}: no database there; run "thunderline start --db ${file}" first`);
    }
  }
  assert.equal(fingerprint(dir), before);
});

files.run();
