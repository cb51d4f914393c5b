import path from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineDomain, startRuntime } from '../../../index.ts';
import { ManualClock } from '../../../src/clock.ts';
import { openWriteConnection } from '../../../src/store/connection.ts';
import { openStore } from '../../../src/store/open-store.ts';
import { Pruner, startRetention } from '../../../src/store/pruner.ts';
import {
  formatRetentionRule,
  HISTORY_TABLE,
  PRUNES_TABLE,
  parseRetentionRule,
  recordPrune,
  TablePruner,
} from '../../../src/store/retention.ts';
import { startThunderline, THUNDERLINE_DOMAINS } from '../../../supervisors/thunderline.ts';
import { catchThunderlineError, change, fileSuite, makeTmpDir, removeTmpDir } from './helpers.ts';

const DAY_MS = 86_400_000;

/** Writes `count` history rows, the i-th (from 1) at `at(i)`, through the registry store; returns nothing open. */
function writeHistory(file: string, count: number, at: (i: number) => number): void {
  const store = openStore(file);
  try {
    store.writeBatch(Array.from({ length: count }, (_, index) => change({ domain: `d${index + 1}`, occurredAt: at(index + 1) })));
  } finally {
    store.close();
  }
}

function ids(db: Database.Database, table: string): number[] {
  return db
    .prepare<[], { id: number }>(`SELECT id FROM ${table} ORDER BY id`)
    .all()
    .map((row) => row.id);
}

function prunes(db: Database.Database): Array<Record<string, unknown>> {
  return db
    .prepare('SELECT run_id, source, table_name, rule, rows_deleted, first_id, last_id FROM ledger_prunes ORDER BY id')
    .all() as Array<Record<string, unknown>>;
}

// --- rules

const rules = suite('retention rules');

rules('reads all, <n>d and <n>rows, and writes them back the same', () => {
  assert.equal(parseRetentionRule('all', 'x'), { keep: 'all' });
  assert.equal(parseRetentionRule('30d', 'x'), { keep: 'days', days: 30 });
  assert.equal(parseRetentionRule('100000rows', 'x'), { keep: 'rows', rows: 100_000 });
  for (const text of ['all', '1d', '36500d', '1rows', '10000rows']) assert.is(formatRetentionRule(parseRetentionRule(text, 'x')), text);
});

rules('refuses anything else, naming the value and the forms allowed', () => {
  for (const bad of ['3x', '30', '0d', '36501d', '0rows', '-1d', '1.5d', '30 d', 'ALL', '', 12]) {
    const error = catchThunderlineError(() => parseRetentionRule(bad, '--retain-history'));
    assert.is(error.code, 'ERR_INVALID_OPTION');
    assert.is(
      error.message,
      `--retain-history must be a number of days from 1 to 36500 ("30d"), a number of rows >= 1 ("100000rows") or "all", got ${JSON.stringify(bad)}`,
    );
  }
});

rules('startRuntime refuses a bad retainHistory before it creates a file', async () => {
  const dir = makeTmpDir();
  try {
    const file = path.join(dir, 'x.db');
    const error = await startRuntime({ database: file, retainHistory: '3x' }).then(
      () => undefined,
      (reason: unknown) => reason as { code?: string; message?: string },
    );
    assert.is(error?.code, 'ERR_INVALID_OPTION');
    assert.match(String(error?.message), /^retainHistory must be a number of days .* got "3x"$/);
    assert.not.ok((await import('node:fs')).existsSync(file));
  } finally {
    removeTmpDir(dir);
  }
});

// --- the pruner on a real file

const pruner = fileSuite('retention: the pruner on a real file');

pruner('a rows rule keeps the newest rows, deleting one batch per timer turn, and records the pass once', (context) => {
  writeHistory(context.file, 1000, (i) => i);
  const { db } = openWriteConnection(context.file, { lock: false });
  context.open.push(db);
  const clock = new ManualClock();
  const live = new Pruner({
    db,
    clock,
    runId: 'run-1',
    tables: [{ table: HISTORY_TABLE, rule: parseRetentionRule('300rows', 'x') }],
    batchRows: 100,
  });
  live.start();
  clock.advance(9_999);
  assert.is(ids(db, 'domain_activation_history').length, 1000, 'nothing before the first pass');
  clock.advance(1);
  assert.is(ids(db, 'domain_activation_history')[0], 101, 'one batch of 100 at the first pass, then it yields');
  assert.equal(prunes(db), [], 'the pass is recorded when it ends');
  clock.advance(10);
  assert.equal(
    ids(db, 'domain_activation_history'),
    Array.from({ length: 300 }, (_, index) => 701 + index),
  );
  assert.equal(prunes(db), [
    {
      run_id: 'run-1',
      source: 'retention',
      table_name: 'domain_activation_history',
      rule: '300rows',
      rows_deleted: 700,
      first_id: 1,
      last_id: 700,
    },
  ]);
  // Nothing due: the next passes delete and record nothing.
  clock.advance(60_000);
  assert.is(prunes(db).length, 1);
  live.stop();
  assert.is(clock.pendingTimers(), 0);
});

pruner('a days rule deletes the rows older than the cut and keeps the newer ones', (context) => {
  const clock = new ManualClock(0, Date.UTC(2026, 5, 1));
  const now = clock.wallNow();
  // One row an hour over the last 10 days, oldest first.
  writeHistory(context.file, 240, (i) => now - (241 - i) * 3_600_000);
  const { db } = openWriteConnection(context.file, { lock: false });
  context.open.push(db);
  const live = new Pruner({
    db,
    clock,
    runId: null,
    tables: [{ table: HISTORY_TABLE, rule: parseRetentionRule('3d', 'x') }],
    batchRows: 7,
  });
  live.runToCompletion();
  const left = db.prepare<[], { at: number }>('SELECT occurred_at AS at FROM domain_activation_history ORDER BY id').all();
  assert.is(left.length, 72);
  assert.ok(left.every((row) => row.at >= now - 3 * DAY_MS));
  assert.is(left[0]?.at, now - 72 * 3_600_000);
  assert.equal(prunes(db), [
    {
      run_id: null,
      source: 'retention',
      table_name: 'domain_activation_history',
      rule: '3d',
      rows_deleted: 168,
      first_id: 1,
      last_id: 168,
    },
  ]);
});

pruner('a batch refused by a lock another program holds is reported, and the next pass prunes', (context) => {
  writeHistory(context.file, 50, (i) => i);
  const { db } = openWriteConnection(context.file, { lock: false });
  context.open.push(db);
  const other = new Database(context.file);
  context.open.push(other);
  const errors: unknown[] = [];
  const clock = new ManualClock();
  const live = new Pruner({
    db,
    clock,
    runId: null,
    tables: [{ table: HISTORY_TABLE, rule: parseRetentionRule('10rows', 'x') }],
    onError: (error) => errors.push(error),
  });
  live.start();
  other.exec('BEGIN IMMEDIATE');
  clock.advance(10_000);
  assert.is(errors.length, 1);
  assert.match(String(errors[0]), /database is locked/);
  other.exec('COMMIT');
  assert.is(ids(db, 'domain_activation_history').length, 50);
  clock.advance(10_000);
  assert.equal(ids(db, 'domain_activation_history')[0], 41);
  live.stop();
});

pruner('a pruner stopped after its connection closed leaves no timer on the clock', (context) => {
  writeHistory(context.file, 10, (i) => i);
  const { db } = openWriteConnection(context.file, { lock: false });
  const clock = new ManualClock();
  const stop = startRetention(db, HISTORY_TABLE, { rule: parseRetentionRule('1rows', 'x'), clock, runId: null });
  assert.is(clock.pendingTimers(), 1);
  db.close();
  stop();
  assert.is(clock.pendingTimers(), 0);
});

pruner('ledger_prunes keeps its own newest 10,000 rows', (context) => {
  openStore(context.file).close();
  const { db } = openWriteConnection(context.file, { lock: false });
  context.open.push(db);
  for (let i = 1; i <= 10_003; i += 1) {
    recordPrune(db, {
      runId: null,
      source: 'retention',
      table: 'cerebros_trials',
      rule: '1rows',
      rowsDeleted: i,
      firstId: i,
      lastId: i,
      cutBefore: null,
      startedAt: i,
      finishedAt: i,
    });
  }
  const kept = ids(db, 'ledger_prunes');
  assert.is(kept.length, 10_000);
  assert.is(kept[0], 4);
  assert.equal(PRUNES_TABLE.defaultRule, { keep: 'rows', rows: 10_000 });
});

pruner('TablePruner leaves a table whose rule keeps all, or which is empty, alone', (context) => {
  openStore(context.file).close();
  const { db } = openWriteConnection(context.file, { lock: false });
  context.open.push(db);
  const table = new TablePruner(db, HISTORY_TABLE);
  assert.is(table.batch({ keep: 'rows', rows: 1 }, Date.now(), 10).deleted, 0);
  assert.is(table.batch({ keep: 'days', days: 1 }, Date.now(), 10).deleted, 0);
  assert.is(table.batch({ keep: 'all' }, Date.now(), 10).deleted, 0);
});

// --- a runtime's retention

const runtime = fileSuite('retention: a runtime on a real file');

runtime('keeps the whole audit history by default, however long it runs', async (context) => {
  const clock = new ManualClock();
  const rt = await startRuntime({ database: context.file, clock, tickInterval: 'manual', domains: [defineDomain({ name: 'billing' })] });
  await rt.tick();
  await rt.flush();
  clock.advance(400 * DAY_MS);
  await rt.stop();
  const db = new Database(context.file, { readonly: true });
  context.open.push(db);
  assert.equal(
    db
      .prepare<[], { event: string }>('SELECT event FROM domain_activation_history ORDER BY id')
      .all()
      .map((row) => row.event),
    ['waiting', 'activated', 'deactivated'],
  );
  assert.equal(prunes(db), []);
});

runtime(
  'retainHistory prunes rows older than the rule while it runs, keeps newer ones and records the pass with its run',
  async (context) => {
    const clock = new ManualClock();
    const rt = await startRuntime({
      database: context.file,
      clock,
      tickInterval: 'manual',
      retainHistory: '1d',
      domains: [defineDomain({ name: 'billing' })],
    });
    await rt.tick();
    await rt.flush();
    clock.advance(DAY_MS + 20_000);
    rt.kill('billing', 'boom');
    await rt.tick();
    await rt.stop();
    const db = new Database(context.file, { readonly: true });
    context.open.push(db);
    const events = db
      .prepare<[], { event: string }>('SELECT event FROM domain_activation_history ORDER BY id')
      .all()
      .map((row) => row.event);
    assert.equal(events.slice(0, 2), ['crashed', 'restarting'], 'the rows of a day ago are gone, the newer ones kept');
    assert.equal(prunes(db), [
      {
        run_id: rt.runId,
        source: 'retention',
        table_name: 'domain_activation_history',
        rule: '1d',
        rows_deleted: 2,
        first_id: 1,
        last_id: 2,
      },
    ]);
  },
);

runtime(
  'the Thunderline tree keeps cerebros_trials to its rule, records each prune with the run, and leaves the history alone',
  async (context) => {
    const clock = new ManualClock();
    const rt = await startThunderline(
      { database: context.file, clock, tickInterval: 'manual' },
      { disable: THUNDERLINE_DOMAINS.filter((name) => name !== 'cerebros'), cerebros: { trialEvery: 1, seed: 5, retainTrials: '5rows' } },
    );
    for (let tick = 0; tick < 30; tick += 1) await rt.tick();
    await rt.flush();
    const history = new Database(context.file, { readonly: true });
    context.open.push(history);
    const historyBefore = ids(history, 'domain_activation_history');
    clock.advance(10_000);
    const trials = ids(history, 'cerebros_trials');
    assert.equal(trials, [25, 26, 27, 28, 29]);
    assert.equal(prunes(history), [
      { run_id: rt.runId, source: 'retention', table_name: 'cerebros_trials', rule: '5rows', rows_deleted: 24, first_id: 1, last_id: 24 },
    ]);
    assert.equal(ids(history, 'domain_activation_history'), historyBefore);
    await rt.stop();
  },
);

rules.run();
pruner.run();
runtime.run();
