/**
 * `thunderline start` with timed ticks, end to end: a round's status changes are on disk once
 * the round completes (a SIGKILL right after loses none of them), `--max-ticks N` handles and
 * logs ticks 1..N exactly once and nothing beyond at any interval, and `--json-logs` holds every
 * event from the first. The ledger is read with a separate read-only connection.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { DomainEventType } from '../../../src/events.ts';
import { HISTORY_EVENT_OF } from '../../../src/store/status-names.ts';
import { runCli, startCli } from './helpers.ts';

/** The suite may share 2 cores with another copy of itself: generous, and only ever a failure's bound. */
const CHILD_TIMEOUT_MS = 60_000;
/** Every Thunderline domain (`supervisors/thunderline.ts`), none disabled. */
const DOMAINS = 9;

interface Context {
  dir: string;
  db: string;
}

const test = suite<Context>('start: rounds on disk, exact --max-ticks', { dir: '', db: '' });
test.before.each((context) => {
  context.dir = mkdtempSync(path.join(tmpdir(), 'thunderline-rounds-'));
  context.db = path.join(context.dir, 'run.db');
});
test.after.each((context) => {
  rmSync(context.dir, { recursive: true, force: true });
});

interface Row {
  domain: string;
  event: string;
  tick: number;
}

/** The history on disk, oldest first, read-only (as another process would). */
function ledger(file: string): { rows: Row[]; run: { stopped_at: number | null; stop_reason: string | null } | undefined } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare<[], { domain_name: string; event: string; tick_count: number }>(
        'SELECT domain_name, event, tick_count FROM domain_activation_history ORDER BY id',
      )
      .all()
      .map((row) => ({ domain: row.domain_name, event: row.event, tick: row.tick_count }));
    const run = db
      .prepare<[], { stopped_at: number | null; stop_reason: string | null }>('SELECT stopped_at, stop_reason FROM runtime_runs')
      .get();
    return { rows, run };
  } finally {
    db.close();
  }
}

/** `domain_activated billing  tick=1` → the history row it stands for. */
const LOGGED_CHANGE = /\s(domain_(waiting|activated|deactivated|crashed|restarting|failed)) (\S+) {2}tick=(\d+)/;

test('SIGKILL right after a timed round is reported complete: every status change of that round is on disk', async ({ db }) => {
  const cli = startCli(['start', '--tick-interval', '200', '--db', db, '--no-server'], { timeoutMs: CHILD_TIMEOUT_MS });
  const complete = /tick 1 round complete: (\d+) status changes? on disk/;
  await cli.waitFor(complete);
  cli.child.kill('SIGKILL');
  const result = await cli.result;
  assert.is(result.signal, 'SIGKILL', 'killed, not stopped');
  const upToRound = result.stdout.slice(0, result.stdout.search(complete));
  const logged = upToRound
    .split('\n')
    .map((line) => LOGGED_CHANGE.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ domain: match[3] as string, event: HISTORY_EVENT_OF[match[1] as DomainEventType], tick: Number(match[4]) }));
  const activatedAtTick1 = logged.filter((row) => row.event === 'activated' && row.tick === 1);
  assert.ok(activatedAtTick1.length > 0, `tick 1 activated domains: ${result.stdout}`);
  const { rows, run } = ledger(db);
  assert.is(run?.stopped_at, null, 'the run never closed: nothing was written at a graceful stop');
  for (const change of logged) {
    assert.ok(
      rows.some((row) => row.domain === change.domain && row.event === change.event && row.tick === change.tick),
      `${change.domain} ${change.event}@${change.tick} was logged before the round line but is not on disk`,
    );
  }
  const written = Number(complete.exec(result.stdout)?.[1]);
  assert.is(written, activatedAtTick1.length, "the round line counts the round's changes");
});

for (const interval of [1, 10, 100]) {
  test(`--tick-interval ${interval} --max-ticks 3 --json-logs: ticks 1, 2, 3 once each, every event from the first, and the ledger agrees`, async ({
    db,
  }) => {
    const run = await runCli(['start', '--tick-interval', String(interval), '--max-ticks', '3', '--db', db, '--no-server', '--json-logs'], {
      timeoutMs: CHILD_TIMEOUT_MS,
    });
    assert.is(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    const events = lines
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { type: string; tick?: number; domain?: string });
    assert.equal(
      events.filter((event) => event.type === 'tick').map((event) => event.tick),
      [1, 2, 3],
    );
    const domainEvents = events.filter((event) => event.type.startsWith('domain_'));
    assert.ok(
      domainEvents.every((event) => (event.tick ?? 0) <= 3),
      'no event beyond tick 3',
    );
    for (const type of ['domain_waiting', 'domain_activated', 'domain_deactivated']) {
      assert.is(domainEvents.filter((event) => event.type === type).length, DOMAINS, `${type}: every domain, from the first event on`);
    }
    const { rows, run: closed } = ledger(db);
    assert.equal(
      rows,
      domainEvents.map((event) => ({ domain: event.domain, event: HISTORY_EVENT_OF[event.type as DomainEventType], tick: event.tick })),
      'the ledger holds exactly the logged status changes, in order',
    );
    assert.is(closed?.stop_reason, 'shutdown');
    assert.ok(
      rows.filter((row) => row.event === 'deactivated').every((row) => row.tick === 3),
      'deactivated at tick 3',
    );
  });
}

test('--max-ticks 2 without --json-logs: the log shows tick 1 and the rounds, and stops at 2', async ({ db }) => {
  const run = await runCli(['start', '--tick-interval', '5', '--max-ticks', '2', '--db', db, '--no-server'], {
    timeoutMs: CHILD_TIMEOUT_MS,
  });
  assert.is(run.code, 0, run.stderr);
  assert.match(run.stdout, /tick 1 round complete: \d+ status changes? on disk/);
  assert.match(run.stdout, /thunderline: stopped \(shutdown\)/);
  const ticks = ledger(db).rows.map((row) => row.tick);
  assert.is(Math.max(...ticks), 2);
});

test.run();
