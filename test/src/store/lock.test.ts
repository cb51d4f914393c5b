/**
 * One writer per database file: a writer store holds `<db>-lock` for its whole life, a second
 * writer (in this process or another) is refused at once with ERR_DATABASE_LOCKED naming the
 * holder, readers are never refused, and the OS releases the lock when the holder dies.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startRuntime } from '../../../index.ts';
import { ManualClock } from '../../../src/clock.ts';
import { DatabaseLockedError, openStore } from '../../../src/store/index.ts';
import { within } from '../../support/within.ts';
import { catchThunderlineError, change, makeTmpDir, REPO_ROOT, removeTmpDir } from './helpers.ts';

interface LockContext {
  dir: string;
  file: string;
  child: ChildProcess | undefined;
  /** Closed by after.each, whatever the test did. */
  closers: Array<() => unknown>;
}

const lock = suite<LockContext>('store: one writer per file');
lock.before.each((context) => {
  context.dir = makeTmpDir();
  context.file = path.join(context.dir, 'thunderline.db');
  context.child = undefined;
  context.closers = [];
});
lock.after.each(async (context) => {
  for (const close of context.closers.reverse()) {
    try {
      await close();
    } catch {
      // already closed by the test
    }
  }
  const { child } = context;
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  removeTmpDir(context.dir);
});

lock('a second writer on the same file is refused at once, naming the holder; the holder goes on writing', (context) => {
  const holder = openStore(context.file);
  context.closers.push(() => holder.close());
  holder.beginRun({ runId: 'run-holder', startedAt: 1_000, tickIntervalMs: 1000, version: 'test' });

  const error = catchThunderlineError(() => openStore(context.file));
  assert.is(error.code, 'ERR_DATABASE_LOCKED');
  assert.instance(error, DatabaseLockedError);
  assert.equal((error as DatabaseLockedError).holder, { pid: process.pid, runId: 'run-holder', startedAt: 1_000 });
  assert.match(error.message, `database "${context.file}" is in use`);
  assert.match(error.message, `pid ${process.pid}`);
  assert.match(error.message, 'run run-holder');

  holder.writeBatch([change({ runId: 'run-holder', domain: 'billing', event: 'activated', status: 'active', tick: 1 })]);
  assert.equal(
    holder.readDomains().map((row) => row.status),
    ['active'],
  );
});

lock('readers are never refused while a writer holds the file', (context) => {
  const holder = openStore(context.file);
  context.closers.push(() => holder.close());
  holder.beginRun({ runId: 'run-holder', startedAt: 1_000, tickIntervalMs: null, version: 'test' });
  const reader = openStore(context.file, { readonly: true });
  try {
    assert.is(reader.latestRun()?.runId, 'run-holder');
  } finally {
    reader.close();
  }
});

lock('the lock lives in <db>-lock beside the database, is released on close and never deleted', (context) => {
  const first = openStore(context.file);
  assert.ok(fs.existsSync(`${context.file}-lock`), 'the lock file exists while the store is open');
  first.close();
  assert.ok(fs.existsSync(`${context.file}-lock`), 'the lock file stays after close');
  const second = openStore(context.file);
  second.close();
  assert.equal(fs.readdirSync(context.dir).sort(), ['thunderline.db', 'thunderline.db-lock']);
});

lock('a second path to the same file (a symlink) takes the same lock', (context) => {
  const holder = openStore(context.file);
  context.closers.push(() => holder.close());
  const link = path.join(context.dir, 'link.db');
  fs.symlinkSync(context.file, link);
  assert.is(catchThunderlineError(() => openStore(link)).code, 'ERR_DATABASE_LOCKED');
  const relative = path.relative(process.cwd(), context.file);
  assert.is(catchThunderlineError(() => openStore(relative)).code, 'ERR_DATABASE_LOCKED');
});

lock(':memory: takes no lock: any number of in-memory stores', () => {
  const stores = [openStore(':memory:'), openStore(':memory:')];
  for (const store of stores) store.close();
});

lock('a second runtime in the same process is refused; the first keeps ticking', async (context) => {
  const clock = new ManualClock();
  const first = await startRuntime({ database: context.file, tickInterval: 'manual', clock });
  context.closers.push(() => first.stop());
  const error = await startRuntime({ database: context.file, tickInterval: 'manual', clock: new ManualClock() }).then(
    () => {
      throw new Error('the second runtime started');
    },
    (reason: unknown) => reason,
  );
  assert.instance(error, DatabaseLockedError);
  assert.match((error as Error).message, `run ${first.runId}`);
  await first.tick();
  assert.is(first.currentTick(), 1);
  await first.stop();
  const reader = openStore(context.file, { readonly: true });
  try {
    assert.equal(
      reader.readRuns().map((run) => [run.runId, run.stopReason]),
      [[first.runId, 'shutdown']],
      'the refused runtime recorded no run',
    );
  } finally {
    reader.close();
  }
});

lock('a writer never waits on a lock: a write blocked by an outside writer fails at once', (context) => {
  const store = openStore(context.file);
  context.closers.push(() => store.close());
  const outsider = new Database(context.file);
  context.closers.push(() => outsider.close());
  outsider.exec('BEGIN IMMEDIATE');
  const started = performance.now();
  const error = catchThunderlineError(() => store.writeBatch([change({ domain: 'billing' })]));
  const waitedMs = performance.now() - started;
  outsider.exec('ROLLBACK');
  assert.is(error.code, 'ERR_DB_FAILURE');
  assert.match(error.message, 'database is locked');
  // busy_timeout 0: SQLite answers SQLITE_BUSY without sleeping (a busy_timeout of 5000 waited 5 s).
  assert.ok(waitedMs < 1000, `writeBatch waited ${waitedMs.toFixed(0)} ms`);
  store.writeBatch([change({ domain: 'billing' })]);
});

/** Spawns the writer fixture and resolves once it has committed `count` batches. */
function startWriter(file: string): { child: ChildProcess; flushed: Promise<void> } {
  const fixture = path.join(REPO_ROOT, 'test', 'src', 'store', 'fixtures', 'write-until-killed.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, file, '5'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const flushed = new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      if (/^flushed \d+$/.test(line)) resolve();
    });
    child.on('exit', (code, signal) => reject(new Error(`the writer exited (code ${code}, signal ${signal}) first: ${stderr}`)));
  });
  return { child, flushed };
}

lock('another process holding the file is named; after kill -9 the lock is free at once', async (context) => {
  const { child, flushed } = startWriter(context.file);
  context.child = child;
  await within(flushed, 'the writer fixture to commit a batch', 30_000);

  const error = catchThunderlineError(() => openStore(context.file));
  assert.is(error.code, 'ERR_DATABASE_LOCKED');
  assert.match(error.message, `pid ${child.pid}`);
  assert.match(error.message, `run crash-${child.pid}`);

  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  child.kill('SIGKILL');
  assert.is(await within(exited, 'the writer to die', 10_000), 'SIGKILL');
  const store = openStore(context.file);
  store.close();
});

lock.run();
