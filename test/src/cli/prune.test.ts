import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openCerebrosStore } from '../../../actors/cerebros/index.ts';
import { main } from '../../../src/cli/main.ts';
import { parseStartFlags } from '../../../src/cli/start.ts';
import type { CliIo } from '../../../src/cli/usage-error.ts';
import { openStore } from '../../../src/store/open-store.ts';
import { change, makeTmpDir, removeTmpDir } from '../store/helpers.ts';

const JAN_1 = Date.UTC(2026, 0, 1);
const DAY_MS = 86_400_000;

interface Context {
  dir: string;
  file: string;
}

/** The CLI in this process, on real files: its exit code and what it printed. */
async function cli(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line) };
  const code = await main(args, io);
  return { code, out, err };
}

/** A ledger with one history row and one cerebros trial per day of January 2026 (row i on day i). */
function writeLedger(file: string): void {
  const store = openStore(file);
  store.writeBatch(Array.from({ length: 31 }, (_, index) => change({ domain: `d${index + 1}`, occurredAt: JAN_1 + index * DAY_MS })));
  store.close();
  const cerebros = openCerebrosStore(file);
  cerebros.insertRun({ runId: 'c1', startedAt: JAN_1, seed: 1, searchSpace: {} });
  for (let day = 0; day < 31; day += 1) {
    cerebros.insertTrial({
      runId: 'c1',
      trialNo: day + 1,
      source: 'schedule',
      tick: day,
      params: {},
      score: day / 100,
      improved: false,
      createdAt: JAN_1 + day * DAY_MS,
    });
  }
  cerebros.close();
}

function times(file: string, table: string, column: string): number[] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare<[], { at: number }>(`SELECT ${column} AS at FROM ${table} ORDER BY id`)
      .all()
      .map((row) => row.at);
  } finally {
    db.close();
  }
}

const prune = suite<Context>('thunderline prune', { dir: '', file: '' });

prune.before.each((context) => {
  context.dir = makeTmpDir();
  context.file = path.join(context.dir, 'thunderline.db');
});

prune.after.each((context) => {
  removeTmpDir(context.dir);
});

prune('deletes the trials older than --before, keeps the newer ones and the audit history, and records it', async (context) => {
  writeLedger(context.file);
  const result = await cli(['prune', '--db', context.file, '--before', '2026-01-11']);
  assert.is(result.code, 0, result.err.join('\n'));
  assert.equal(result.out, ['cerebros_trials: 10 rows before 2026-01-11T00:00:00.000Z deleted (ids 1..10)']);
  const trials = times(context.file, 'cerebros_trials', 'created_at');
  assert.is(trials.length, 21);
  assert.is(trials[0], JAN_1 + 10 * DAY_MS);
  assert.is(times(context.file, 'domain_activation_history', 'occurred_at').length, 31, 'the audit history is untouched');
  const db = new Database(context.file, { readonly: true });
  const recorded = db
    .prepare('SELECT run_id, source, table_name, rule, rows_deleted, first_id, last_id, cut_before FROM ledger_prunes')
    .all();
  db.close();
  assert.equal(recorded, [
    {
      run_id: null,
      source: 'prune',
      table_name: 'cerebros_trials',
      rule: 'before 2026-01-11T00:00:00.000Z',
      rows_deleted: 10,
      first_id: 1,
      last_id: 10,
      cut_before: JAN_1 + 10 * DAY_MS,
    },
  ]);
});

prune('prunes the audit history only when --tables names it; --dry-run deletes nothing; --vacuum leaves one file', async (context) => {
  writeLedger(context.file);
  const before = ['prune', '--db', context.file, '--before', '2026-01-21T00:00:00Z'];
  const dry = await cli([...before, '--tables', 'domain_activation_history', '--dry-run']);
  assert.is(dry.code, 0, dry.err.join('\n'));
  assert.equal(dry.out, ['domain_activation_history: 20 rows before 2026-01-21T00:00:00.000Z would be deleted (ids 1..20)']);
  assert.is(times(context.file, 'domain_activation_history', 'occurred_at').length, 31);
  const real = await cli([...before, '--tables', 'domain_activation_history,cerebros_trials', '--vacuum', '--json']);
  assert.is(real.code, 0, real.err.join('\n'));
  assert.equal(JSON.parse(real.out[0] as string), {
    db: context.file,
    before: '2026-01-21T00:00:00.000Z',
    dryRun: false,
    tables: [
      { table: 'domain_activation_history', rowsDeleted: 20, firstId: 1, lastId: 20 },
      { table: 'cerebros_trials', rowsDeleted: 20, firstId: 1, lastId: 20 },
    ],
  });
  assert.equal(
    times(context.file, 'domain_activation_history', 'occurred_at'),
    Array.from({ length: 11 }, (_, index) => JAN_1 + (20 + index) * DAY_MS),
  );
  assert.ok(!fs.existsSync(`${context.file}-wal`), 'a stopped database is one file again');
});

prune('refuses bad usage with one line and exit 2, and a file a runtime holds with exit 1', async (context) => {
  writeLedger(context.file);
  const cases: Array<[string[], string]> = [
    [
      ['--before', '2026-13-01'],
      '--before must be a date (2026-01-31), an ISO time (2026-01-31T12:00:00Z) or an age in days (30d), got "2026-13-01"',
    ],
    [['--before', '3x'], '--before must be a date (2026-01-31), an ISO time (2026-01-31T12:00:00Z) or an age in days (30d), got "3x"'],
    [[], 'prune: --before <date> is required, e.g. --before 2026-01-31 or --before 30d'],
    [
      ['--before', '30d', '--tables', 'notes'],
      '--tables: unknown table "notes"; known: domain_activation_history, cerebros_trials, ledger_prunes',
    ],
  ];
  for (const [args, message] of cases) {
    const result = await cli(['prune', '--db', context.file, ...args]);
    assert.is(result.code, 2, args.join(' '));
    assert.equal(result.err, [`thunderline: ${message}`]);
  }
  const missing = await cli(['prune', '--db', path.join(context.dir, 'none.db'), '--before', '30d']);
  assert.is(missing.code, 2);
  const held = openStore(context.file);
  try {
    const locked = await cli(['prune', '--db', context.file, '--before', '30d']);
    assert.is(locked.code, 1);
    assert.match(locked.err[0] as string, /^thunderline: database ".*" is in use: another thunderline runtime holds its lock/);
  } finally {
    held.close();
  }
  assert.is(times(context.file, 'cerebros_trials', 'created_at').length, 31, 'nothing was pruned');
});

// --- start --retain-history

const retain = suite('thunderline start --retain-history');

retain('takes a rule for the audit history and table=rule for a domain table', () => {
  const config = parseStartFlags(['--retain-history', '90d', '--retain-history', 'cerebros_trials=2000rows']);
  if (config === 'help') throw new Error('expected a config, got help');
  assert.equal(config.retainHistory, { history: '90d', tables: { cerebros_trials: '2000rows' } });
  const none = parseStartFlags([]);
  if (none === 'help') throw new Error('expected a config, got help');
  assert.equal(none.retainHistory, { history: undefined, tables: {} });
});

retain('refuses a bad rule or an unknown table with exit 2, naming the value', async () => {
  const bad = await cli(['start', '--no-server', '--db', ':memory:', '--retain-history', '3x']);
  assert.is(bad.code, 2);
  assert.equal(bad.err, [
    'thunderline: --retain-history must be a number of days from 1 to 36500 ("30d"), a number of rows >= 1 ("100000rows") or "all", got "3x"',
  ]);
  const unknown = await cli(['start', '--no-server', '--db', ':memory:', '--retain-history', 'notes=1d']);
  assert.is(unknown.code, 2);
  assert.equal(unknown.err, [
    'thunderline: --retain-history: unknown table "notes" in "notes=1d"; tables: domain_activation_history, cerebros_trials',
  ]);
});

prune.run();
retain.run();
