import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openStore, type RegistryStore } from '../../../src/store/index.ts';
import { catchThunderlineError, change } from './helpers.ts';

interface StoreContext {
  store: RegistryStore;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function storeSuite(title: string) {
  const group = suite<StoreContext>(title);
  group.before.each((context) => {
    context.store = openStore(':memory:');
  });
  group.after.each((context) => {
    context.store.close();
  });
  return group;
}

const writeBatch = storeSuite('writeBatch');

writeBatch('inserts a current row with a uuid the first time a domain changes', ({ store }) => {
  store.writeBatch([change({ domain: 'billing', tick: 0, occurredAt: 1_000 })]);
  const [row, ...rest] = store.readDomains();
  assert.equal(rest, []);
  assert.ok(row && UUID.test(row.id), `id ${row?.id} is a uuid`);
  assert.equal(row, {
    id: row.id,
    domainName: 'billing',
    status: 'waiting',
    tickCount: 0,
    metadata: {},
    activatedAt: null,
    updatedAt: 1_000,
    runId: 'run-1',
  });
});

writeBatch('upserts the current row and appends history in order', ({ store }) => {
  store.writeBatch([
    change({ domain: 'billing', event: 'waiting', status: 'waiting', tick: 0, occurredAt: 1_000 }),
    change({ domain: 'billing', event: 'activated', status: 'active', tick: 1, occurredAt: 2_000 }),
  ]);
  const idBefore = store.readDomains()[0]?.id;
  store.writeBatch([
    change({
      domain: 'billing',
      event: 'crashed',
      status: 'crashed',
      tick: 3,
      occurredAt: 3_000,
      runId: 'run-2',
      metadata: { reason: 'boom' },
    }),
  ]);
  const domains = store.readDomains();
  assert.is(domains.length, 1);
  assert.equal(domains[0], {
    id: idBefore,
    domainName: 'billing',
    status: 'crashed',
    tickCount: 3,
    metadata: { reason: 'boom' },
    activatedAt: 2_000,
    updatedAt: 3_000,
    runId: 'run-2',
  });
  const history = store.readHistory().reverse();
  assert.equal(
    history.map((row) => [row.id, row.event, row.tickCount, row.occurredAt, row.runId]),
    [
      [1, 'waiting', 0, 1_000, 'run-1'],
      [2, 'activated', 1, 2_000, 'run-1'],
      [3, 'crashed', 3, 3_000, 'run-2'],
    ],
  );
  assert.equal(history[2]?.metadata, { reason: 'boom' });
});

writeBatch('keeps activated_at across later changes and moves it on the next activation', ({ store }) => {
  store.writeBatch([change({ domain: 'billing', event: 'activated', status: 'active', tick: 1, occurredAt: 2_000 })]);
  store.writeBatch([change({ domain: 'billing', event: 'crashed', status: 'crashed', tick: 2, occurredAt: 3_000 })]);
  store.writeBatch([change({ domain: 'billing', event: 'restarting', status: 'restarting', tick: 2, occurredAt: 3_100 })]);
  store.writeBatch([change({ domain: 'billing', event: 'waiting', status: 'waiting', tick: 2, occurredAt: 3_200 })]);
  assert.is(store.readDomains()[0]?.activatedAt, 2_000);
  store.writeBatch([change({ domain: 'billing', event: 'activated', status: 'active', tick: 3, occurredAt: 4_000 })]);
  assert.is(store.readDomains()[0]?.activatedAt, 4_000);
});

writeBatch('orders the current rows by domain name', ({ store }) => {
  store.writeBatch([change({ domain: 'web' }), change({ domain: 'billing' }), change({ domain: 'core' })]);
  assert.equal(
    store.readDomains().map((row) => row.domainName),
    ['billing', 'core', 'web'],
  );
});

writeBatch('writes the whole batch or, when one change fails, nothing', ({ store }) => {
  const tooLong = 'x'.repeat(101);
  const error = catchThunderlineError(() => store.writeBatch([change({ domain: 'billing' }), change({ domain: tooLong })]));
  assert.is(error.code, 'ERR_DB_FAILURE');
  assert.is(
    error.message,
    'store ":memory:": writeBatch of 2 changes failed, nothing was written: CHECK constraint failed: active_domain_registry_domain_name_length',
  );
  assert.instance(error.cause, Error);
  assert.equal(store.readDomains(), []);
  assert.equal(store.readHistory(), []);
});

writeBatch('accepts a domain name of exactly 100 characters', ({ store }) => {
  store.writeBatch([change({ domain: 'x'.repeat(100) })]);
  assert.is(store.readDomains()[0]?.domainName.length, 100);
});

writeBatch('an empty batch writes nothing', ({ store }) => {
  store.writeBatch([]);
  assert.equal(store.readHistory(), []);
});

writeBatch('refuses to write after close, and close is idempotent', ({ store }) => {
  store.close();
  store.close();
  const error = catchThunderlineError(() => store.writeBatch([change({ domain: 'billing' })]));
  assert.is(error.code, 'ERR_DB_FAILURE');
  assert.is(error.message, 'store ":memory:" is closed; writeBatch needs an open store');
});

// ---

const readHistory = storeSuite('readHistory');

readHistory('returns the newest rows first', ({ store }) => {
  store.writeBatch([change({ domain: 'a', tick: 1 }), change({ domain: 'b', tick: 2 }), change({ domain: 'a', tick: 3 })]);
  assert.equal(
    store.readHistory().map((row) => row.tickCount),
    [3, 2, 1],
  );
});

readHistory('filters by domain and limits the count', ({ store }) => {
  store.writeBatch([
    change({ domain: 'a', tick: 1 }),
    change({ domain: 'b', tick: 2 }),
    change({ domain: 'a', tick: 3 }),
    change({ domain: 'a', tick: 4 }),
  ]);
  assert.equal(
    store.readHistory({ domain: 'a', limit: 2 }).map((row) => [row.domainName, row.tickCount]),
    [
      ['a', 4],
      ['a', 3],
    ],
  );
  assert.equal(
    store.readHistory({ limit: 1 }).map((row) => row.tickCount),
    [4],
  );
  assert.equal(store.readHistory({ domain: 'nobody' }), []);
});

readHistory('filters by run', ({ store }) => {
  store.writeBatch([change({ domain: 'a', runId: 'r1' }), change({ domain: 'a', runId: 'r2', tick: 5 })]);
  assert.equal(
    store.readHistory({ runId: 'r2' }).map((row) => [row.runId, row.tickCount]),
    [['r2', 5]],
  );
});

readHistory('returns at most 100 rows by default', ({ store }) => {
  store.writeBatch(Array.from({ length: 150 }, (_, tick) => change({ domain: 'a', tick })));
  const rows = store.readHistory();
  assert.is(rows.length, 100);
  assert.is(rows[0]?.tickCount, 149);
});

readHistory('refuses a limit that is not a positive integer', ({ store }) => {
  const error = catchThunderlineError(() => store.readHistory({ limit: 0 }));
  assert.is(error.code, 'ERR_INVALID_OPTION');
  assert.is(error.message, 'readHistory: limit must be a positive integer, got 0');
});

// ---

const runs = storeSuite('runs');

runs('records a run from begin to end', ({ store }) => {
  store.beginRun({ runId: 'r1', startedAt: 1_000, tickIntervalMs: 1000, version: '0.1.0' });
  assert.equal(store.latestRun(), {
    runId: 'r1',
    startedAt: 1_000,
    stoppedAt: null,
    stopReason: null,
    tickIntervalMs: 1000,
    version: '0.1.0',
    pid: process.pid,
  });
  store.endRun('r1', 5_000, 'normal');
  assert.equal(store.latestRun(), {
    runId: 'r1',
    startedAt: 1_000,
    stoppedAt: 5_000,
    stopReason: 'normal',
    tickIntervalMs: 1000,
    version: '0.1.0',
    pid: process.pid,
  });
});

runs('lists runs newest first, manual ticks as a null interval', ({ store }) => {
  store.beginRun({ runId: 'r1', startedAt: 1_000, tickIntervalMs: 1000, version: '0.1.0' });
  store.beginRun({ runId: 'r2', startedAt: 2_000, tickIntervalMs: null, version: '0.1.0' });
  store.beginRun({ runId: 'r3', startedAt: 3_000, tickIntervalMs: 250, version: '0.2.0' });
  assert.equal(
    store.readRuns().map((run) => [run.runId, run.tickIntervalMs]),
    [
      ['r3', 250],
      ['r2', null],
      ['r1', 1000],
    ],
  );
  assert.equal(
    store.readRuns(1).map((run) => run.runId),
    ['r3'],
  );
  assert.is(store.latestRun()?.runId, 'r3');
});

runs('has no latest run before the first begins', ({ store }) => {
  assert.is(store.latestRun(), undefined);
});

runs('refuses to begin a run id twice', ({ store }) => {
  store.beginRun({ runId: 'r1', startedAt: 1_000, tickIntervalMs: null, version: '0.1.0' });
  const error = catchThunderlineError(() => store.beginRun({ runId: 'r1', startedAt: 2_000, tickIntervalMs: null, version: '0.1.0' }));
  assert.is(error.code, 'ERR_DB_FAILURE');
  assert.is(error.message, 'store ":memory:": beginRun "r1" failed: UNIQUE constraint failed: runtime_runs.run_id');
});

runs('ending a run that never began changes nothing', ({ store }) => {
  store.endRun('nobody', 5_000, 'normal');
  assert.equal(store.readRuns(), []);
});

writeBatch.run();
readHistory.run();
runs.run();
