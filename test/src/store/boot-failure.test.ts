/**
 * A runtime whose first write fails reports that first failure, not the failure of closing the
 * run that follows from the same cause, and leaves the file's lock free.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startRuntime } from '../../../index.ts';
import { ManualClock } from '../../../src/clock.ts';
import { ThunderlineError } from '../../../src/errors.ts';
import { openStore } from '../../../src/store/index.ts';
import { makeTmpDir, removeTmpDir } from './helpers.ts';

const boot = suite<{ dir: string }>('store: a failed start names its first failure');
boot.before.each((context) => {
  context.dir = makeTmpDir();
});
boot.after.each((context) => {
  removeTmpDir(context.dir);
});

boot('beginRun fails, then endRun fails for the same cause: the error is beginRun’s, and the lock is released', async ({ dir }) => {
  const file = path.join(dir, 'thunderline.db');
  openStore(file).close();
  // An outside writer holds the write lock of the WAL: every write of the runtime is refused
  // at once (busy timeout 0), the first one being beginRun.
  const outsider = new Database(file);
  try {
    outsider.pragma('journal_mode = WAL');
    outsider.exec('BEGIN IMMEDIATE');
    const error = await startRuntime({ database: file, tickInterval: 'manual', clock: new ManualClock() }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    assert.instance(error, ThunderlineError);
    assert.match((error as Error).message, /beginRun "[^"]+" failed: database is locked/);
    assert.not.match((error as Error).message, 'endRun');
    outsider.exec('ROLLBACK');
  } finally {
    outsider.close();
  }
  openStore(file).close();
});

boot.run();
