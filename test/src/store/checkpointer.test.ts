import diagnostics from 'node:diagnostics_channel';
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import * as assert from 'uvu/assert';
import { defineDomain, startRuntime } from '../../../index.ts';
import { ManualClock } from '../../../src/clock.ts';
import { type CheckpointCycle, SQLITE_AUTOCHECKPOINT_PAGES, startCheckpointer } from '../../../src/store/checkpointer.ts';
import { openWriteConnection } from '../../../src/store/connection.ts';
import { openStore } from '../../../src/store/open-store.ts';
import type { SqliteRegistryStore } from '../../../src/store/sqlite-store.ts';
import { type FileContext, fileSuite } from './helpers.ts';

/** A WAL frame: a 24-byte header and a 4 KB page (SQLite's default page size). */
const FRAME_BYTES = 24 + 4096;
const WAL_HEADER_BYTES = 32;

const test = fileSuite('WAL checkpoints on a worker thread');

function autocheckpoint(db: Database.Database): number {
  return db.pragma('wal_autocheckpoint', { simple: true }) as number;
}

/** Frames the `-wal` file has room for: with automatic checkpoints it never passes about 1000. */
function walFrames(file: string): number {
  return Math.floor((fs.statSync(`${file}-wal`).size - WAL_HEADER_BYTES) / FRAME_BYTES);
}

/** What `promise` rejects with; fails the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.unreachable('expected a rejection');
}

/** `count` commits of one 3 KB row each: about a page of the log per commit. */
function commits(db: Database.Database, count: number): void {
  db.exec('CREATE TABLE IF NOT EXISTS scratch (id INTEGER PRIMARY KEY, body TEXT)');
  const insert = db.prepare('INSERT INTO scratch (body) VALUES (?)');
  for (let i = 0; i < count; i += 1) insert.run('x'.repeat(3000));
}

/** Opens the store and a second writer beside it, as cerebros opens one beside the registry store. */
function writers(context: FileContext): { store: SqliteRegistryStore; owner: Database.Database; open(): Database.Database } {
  const store = openStore(context.file) as SqliteRegistryStore;
  context.open.push(store);
  return {
    store,
    owner: store.connection,
    open: () => {
      const { db } = openWriteConnection(context.file, { lock: false });
      context.open.push(db);
      return db;
    },
  };
}

test('a writer opened on the file commits without checkpointing; a cycle copies the log and the next commit starts it again', async (context) => {
  const { owner, open } = writers(context);
  const clock = new ManualClock();
  const checkpointer = startCheckpointer({ path: context.file, db: owner, clock });
  const writer = open();
  assert.is(autocheckpoint(owner), 0);
  assert.is(autocheckpoint(writer), 0);

  commits(writer, 1500);
  const frames = walFrames(context.file);
  assert.ok(frames >= 1500, `no commit checkpointed: the log holds ${frames} frames, past SQLite's ${SQLITE_AUTOCHECKPOINT_PAGES}`);

  const cycle = await checkpointer.checkpoint();
  assert.ok(cycle.settled, JSON.stringify(cycle));
  assert.not.ok(cycle.fallback);
  assert.ok(cycle.frames >= 1500, JSON.stringify(cycle));
  assert.is(cycle.backfilled, cycle.frames);
  assert.ok(cycle.passes >= 2 && cycle.passes <= 4, JSON.stringify(cycle));

  // The next commit writes at the start of the log: a checkpoint now finds one commit's frames.
  commits(writer, 1);
  const [after] = writer.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>;
  assert.ok((after?.log ?? 0) <= 3, `the log started again, got ${JSON.stringify(after)}`);
  assert.ok(walFrames(context.file) >= 1500, 'the -wal file keeps its size; its frames are overwritten from the start');
  await checkpointer.stop();
});

test('cycles run every intervalMs of the clock, one at a time; each is published on thunderline:wal_checkpoint', async (context) => {
  const { owner, open } = writers(context);
  const clock = new ManualClock();
  const seen: CheckpointCycle[] = [];
  const onCycle = (message: unknown): void => {
    seen.push(message as CheckpointCycle);
  };
  diagnostics.subscribe('thunderline:wal_checkpoint', onCycle);
  try {
    const checkpointer = startCheckpointer({ path: context.file, db: owner, clock, intervalMs: 500 });
    const writer = open();
    commits(writer, 20);
    clock.advance(499);
    assert.is(seen.length, 0);
    clock.advance(1);
    // The cycle the timer started; a call now joins it instead of starting another.
    const first = await checkpointer.checkpoint();
    assert.is(seen.length, 1);
    assert.equal(seen[0], first);
    assert.ok(first.settled && first.frames >= 20, JSON.stringify(first));

    commits(writer, 5);
    clock.advance(500);
    await checkpointer.checkpoint();
    assert.is(seen.length, 2);
    await checkpointer.stop();
    clock.advance(5000);
    assert.is(seen.length, 2, 'a stopped checkpointer schedules nothing');
    assert.match(String(await rejection(checkpointer.checkpoint())), /stopped/);
  } finally {
    diagnostics.unsubscribe('thunderline:wal_checkpoint', onCycle);
  }
});

test('stop gives the open writers their automatic checkpoints back; writers opened after it keep them', async (context) => {
  const { owner, open } = writers(context);
  const checkpointer = startCheckpointer({ path: context.file, db: owner, clock: new ManualClock() });
  const writer = open();
  await checkpointer.checkpoint();
  await checkpointer.stop();
  assert.is(autocheckpoint(owner), SQLITE_AUTOCHECKPOINT_PAGES);
  assert.is(autocheckpoint(writer), SQLITE_AUTOCHECKPOINT_PAGES);
  assert.is(autocheckpoint(open()), SQLITE_AUTOCHECKPOINT_PAGES);
  // A new checkpointer may run for the file once the old one stopped.
  const again = startCheckpointer({ path: context.file, db: owner, clock: new ManualClock() });
  assert.is(autocheckpoint(owner), 0);
  await again.stop();
});

test('a stop while a cycle is under way waits for the cycle and the worker; the process is held until then', async (context) => {
  const { owner, open } = writers(context);
  const checkpointer = startCheckpointer({ path: context.file, db: owner, clock: new ManualClock() });
  commits(open(), 200);
  // Nothing else holds the event loop here: were the worker let go before it exits, the process would end mid-test.
  const cycle = checkpointer.checkpoint();
  await checkpointer.stop();
  const settled = await cycle.then(
    (value) => value,
    (error: unknown) => error,
  );
  assert.ok(settled instanceof Error ? /stopped/.test(settled.message) : (settled as CheckpointCycle).passes >= 1, String(settled));
  assert.is(autocheckpoint(owner), SQLITE_AUTOCHECKPOINT_PAGES);
});

test('a cycle that does not settle and leaves fallbackFrames in the log is finished on the owner connection', async (context) => {
  const { owner, open } = writers(context);
  // One pass can never see the log settled, so every cycle is unsettled.
  const checkpointer = startCheckpointer({ path: context.file, db: owner, clock: new ManualClock(), maxPasses: 1, fallbackFrames: 300 });
  const writer = open();
  commits(writer, 10);
  const small = await checkpointer.checkpoint();
  assert.equal({ passes: small.passes, settled: small.settled, fallback: small.fallback }, { passes: 1, settled: false, fallback: false });
  commits(writer, 400);
  const large = await checkpointer.checkpoint();
  assert.ok(large.fallback, JSON.stringify(large));
  assert.ok(large.settled && large.backfilled === large.frames, JSON.stringify(large));
  commits(writer, 1);
  const [after] = writer.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>;
  assert.ok((after?.log ?? 0) <= 3, `the log started again, got ${JSON.stringify(after)}`);
  await checkpointer.stop();
});

test('a worker that fails is reported, and the writers checkpoint themselves again', async (context) => {
  const { owner } = writers(context);
  const missing = path.join(context.dir, 'moved-away.db');
  const errors: unknown[] = [];
  const checkpointer = startCheckpointer({ path: missing, db: owner, clock: new ManualClock(), onError: (error) => errors.push(error) });
  assert.is(autocheckpoint(owner), 0);
  const error = await rejection(checkpointer.checkpoint());
  assert.is(errors.length, 1);
  assert.is(errors[0], error);
  assert.match(String(error), /checkpoint of .*moved-away\.db failed: unable to open database file/);
  assert.not.ok(checkpointer.active);
  assert.is(autocheckpoint(owner), SQLITE_AUTOCHECKPOINT_PAGES);
  assert.match(String(await rejection(checkpointer.checkpoint())), /failed/);
  await checkpointer.stop();
});

test('a runtime on a file runs a checkpointer: writers beside it leave checkpoints to its cycles until it stops', async (context) => {
  const clock = new ManualClock();
  const cycles: CheckpointCycle[] = [];
  let cycled: (() => void) | undefined;
  const onCycle = (message: unknown): void => {
    cycles.push(message as CheckpointCycle);
    cycled?.();
  };
  diagnostics.subscribe('thunderline:wal_checkpoint', onCycle);
  try {
    const runtime = await startRuntime({
      database: context.file,
      tickInterval: 'manual',
      clock,
      domains: [defineDomain({ name: 'billing' })],
    });
    const { db: writer } = openWriteConnection(context.file, { lock: false });
    assert.is(autocheckpoint(writer), 0);
    commits(writer, 1200);
    assert.ok(walFrames(context.file) >= 1200);
    const next = new Promise<void>((resolve) => {
      cycled = resolve;
    });
    clock.advance(1000);
    await next;
    assert.is(cycles.length, 1);
    assert.ok(cycles[0]?.settled && (cycles[0]?.frames ?? 0) >= 1200, JSON.stringify(cycles[0]));
    await runtime.stop();
    assert.is(autocheckpoint(writer), SQLITE_AUTOCHECKPOINT_PAGES);
    writer.close();
  } finally {
    diagnostics.unsubscribe('thunderline:wal_checkpoint', onCycle);
  }
});

test.run();
