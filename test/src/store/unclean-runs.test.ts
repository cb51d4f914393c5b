/**
 * A run that never closed (its process died) is closed by the next writer on the file, before
 * anything else is written: `stopped_at` is the last moment the ledger heard from it, the reason
 * begins `unclean`, and each of its domains that was still running is recorded `inactive`.
 */
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openStore, type RegistryStore } from '../../../src/store/index.ts';
import { change, makeTmpDir, removeTmpDir } from './helpers.ts';

interface UncleanContext {
  dir: string;
  file: string;
}

const unclean = suite<UncleanContext>('store: closing unclean runs');
unclean.before.each((context) => {
  context.dir = makeTmpDir();
  context.file = path.join(context.dir, 'thunderline.db');
});
unclean.after.each((context) => {
  removeTmpDir(context.dir);
});

/** Opens the file as a writer, runs `fn`, then closes without ending any run: a process that died. */
function dieWith(file: string, fn: (store: RegistryStore) => void): void {
  const store = openStore(file);
  fn(store);
  store.close();
}

function read<T>(file: string, fn: (store: RegistryStore) => T): T {
  const store = openStore(file, { readonly: true });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

unclean('the next writer closes the open run at its last history row and records its running domains inactive', ({ file }) => {
  dieWith(file, (store) => {
    store.beginRun({ runId: 'killed', startedAt: 1_000, tickIntervalMs: 1000, version: 'test' });
    store.writeBatch([
      change({ runId: 'killed', domain: 'billing', event: 'waiting', status: 'waiting', tick: 0, occurredAt: 1_100 }),
      change({ runId: 'killed', domain: 'shipping', event: 'waiting', status: 'waiting', tick: 0, occurredAt: 1_100 }),
      change({ runId: 'killed', domain: 'stopped', event: 'waiting', status: 'waiting', tick: 0, occurredAt: 1_100 }),
      change({ runId: 'killed', domain: 'gaveup', event: 'waiting', status: 'waiting', tick: 0, occurredAt: 1_100 }),
      change({ runId: 'killed', domain: 'billing', event: 'activated', status: 'active', tick: 1, occurredAt: 1_200 }),
      change({ runId: 'killed', domain: 'stopped', event: 'deactivated', status: 'inactive', tick: 1, occurredAt: 1_250 }),
      change({ runId: 'killed', domain: 'gaveup', event: 'failed', status: 'failed', tick: 2, occurredAt: 1_300 }),
      change({ runId: 'killed', domain: 'shipping', event: 'crashed', status: 'crashed', tick: 3, occurredAt: 1_400 }),
    ]);
  });
  assert.is(
    read(file, (store) => store.latestRun()?.stoppedAt),
    null,
    'a reader leaves the run open: only a writer holding the lock knows the process is gone',
  );

  const next = openStore(file);
  next.close();

  const { run, domains, newest } = read(file, (store) => ({
    run: store.latestRun(),
    domains: store.readDomains().map((row) => [row.domainName, row.status, row.tickCount, row.updatedAt, row.runId]),
    newest: store.readHistory({ limit: 3 }),
  }));
  assert.is(run?.runId, 'killed');
  assert.is(run?.stoppedAt, 1_400, 'stopped when the ledger last heard from it');
  assert.match(run?.stopReason ?? '', /^unclean: /);
  assert.match(run?.stopReason ?? '', `pid ${process.pid}`);
  assert.match(run?.stopReason ?? '', 'ended without closing the run');
  assert.equal(domains, [
    ['billing', 'inactive', 1, 1_400, 'killed'],
    ['gaveup', 'failed', 2, 1_300, 'killed'],
    ['shipping', 'inactive', 3, 1_400, 'killed'],
    ['stopped', 'inactive', 1, 1_250, 'killed'],
  ]);
  assert.equal(
    newest.map((row) => [row.runId, row.domainName, row.event, row.tickCount, row.occurredAt, row.metadata.previousStatus]),
    [
      ['killed', 'shipping', 'deactivated', 3, 1_400, 'crashed'],
      ['killed', 'billing', 'deactivated', 1, 1_400, 'active'],
      ['killed', 'shipping', 'crashed', 3, 1_400, undefined],
    ],
  );
  for (const row of newest.slice(0, 2)) assert.is(row.metadata.reason, run?.stopReason);
});

unclean('a run that wrote no history is closed at its start', ({ file }) => {
  dieWith(file, (store) => store.beginRun({ runId: 'early', startedAt: 7_000, tickIntervalMs: null, version: 'test' }));
  openStore(file).close();
  const run = read(file, (store) => store.latestRun());
  assert.is(run?.stoppedAt, 7_000);
  assert.match(run?.stopReason ?? '', /^unclean: /);
});

unclean('closed runs, and domains a later run took over, are left as they are', ({ file }) => {
  const store = openStore(file);
  store.beginRun({ runId: 'clean', startedAt: 1_000, tickIntervalMs: null, version: 'test' });
  store.writeBatch([change({ runId: 'clean', domain: 'billing', event: 'activated', status: 'active', tick: 1, occurredAt: 1_100 })]);
  store.endRun('clean', 2_000, 'shutdown');
  store.beginRun({ runId: 'killed', startedAt: 3_000, tickIntervalMs: null, version: 'test' });
  store.writeBatch([change({ runId: 'killed', domain: 'shipping', event: 'activated', status: 'active', tick: 1, occurredAt: 3_100 })]);
  store.close();

  openStore(file).close();
  const { runs, domains } = read(file, (reader) => ({
    runs: reader.readRuns().map((run) => [run.runId, run.stoppedAt, run.stopReason?.split(':')[0]]),
    domains: reader.readDomains().map((row) => [row.domainName, row.status, row.runId]),
  }));
  assert.equal(runs, [
    ['killed', 3_100, 'unclean'],
    ['clean', 2_000, 'shutdown'],
  ]);
  assert.equal(domains, [
    ['billing', 'active', 'clean'],
    ['shipping', 'inactive', 'killed'],
  ]);
});

unclean('every run left open is closed, each at its own last moment', ({ file }) => {
  dieWith(file, (store) => {
    store.beginRun({ runId: 'first', startedAt: 1_000, tickIntervalMs: null, version: 'test' });
    store.writeBatch([change({ runId: 'first', domain: 'a', event: 'activated', status: 'active', tick: 1, occurredAt: 1_500 })]);
    store.beginRun({ runId: 'second', startedAt: 2_000, tickIntervalMs: null, version: 'test' });
    store.writeBatch([change({ runId: 'second', domain: 'b', event: 'activated', status: 'active', tick: 1, occurredAt: 2_500 })]);
  });
  openStore(file).close();
  const runs = read(file, (store) => store.readRuns().map((run) => [run.runId, run.stoppedAt, run.stopReason?.startsWith('unclean: ')]));
  assert.equal(runs, [
    ['second', 2_500, true],
    ['first', 1_500, true],
  ]);
});

unclean('beginRun records the process id, which names the holder', ({ file }) => {
  const store = openStore(file);
  store.beginRun({ runId: 'mine', startedAt: 1_000, tickIntervalMs: null, version: 'test' });
  assert.is(store.latestRun()?.pid, process.pid);
  store.endRun('mine', 2_000, 'shutdown');
  store.close();
});

unclean.run();
