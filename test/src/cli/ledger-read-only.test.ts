/**
 * Readers are read-only, with real processes and real permissions: `status` and `history` work
 * on a read-only file in a read-only directory, before and after a `kill -9` (reading what is
 * still in the write-ahead log), and create or change nothing; `start` on a read-only file fails
 * with one line naming that failure.
 *
 * Root ignores file permissions, so when the suite runs as root the commands under test run as
 * `nobody` (READ_ONLY_USER): the read-only cases are then as real as for any user. Should root be
 * unable to switch users, the readers still prove they create and change nothing, and the two
 * `start` cases, which need a refused write, say they were not checked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { within } from '../../support/within.ts';
import { runCli, startCli } from './helpers.ts';
import {
  fingerprint,
  LINE_TIMEOUT_MS,
  makeLedgerDir,
  oneErrorLine,
  PERMISSIONS_BITE,
  READ_ONLY_USER,
  removeLedgerDir,
  runCliAs,
  tickLine,
} from './ledger-helpers.ts';

interface ReadOnlyContext {
  dir: string;
  db: string;
  cleanup: Array<() => void>;
}

const readOnly = suite<ReadOnlyContext>('cli ledger: readers are read-only');
readOnly.before.each((context) => {
  context.dir = makeLedgerDir();
  context.db = path.join(context.dir, 'thunderline.db');
  context.cleanup = [];
});
readOnly.after.each((context) => {
  for (const cleanup of context.cleanup) cleanup();
  removeLedgerDir(context.dir);
});

/** chmod every file of `dir` to `fileMode`, then the directory to `dirMode`. */
function protect(dir: string, fileMode: number, dirMode: number): void {
  for (const name of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, name), fileMode);
  fs.chmodSync(dir, dirMode);
}

interface StatusJson {
  run: { runId: string; stoppedAt: number | null } | null;
  domains: Array<{ domainName: string; status: string }>;
}

async function readAsUser(db: string): Promise<{ status: StatusJson; historyRows: number }> {
  const status = await runCliAs(['status', '--db', db, '--json'], READ_ONLY_USER);
  assert.is(status.code, 0, status.stderr);
  const human = await runCliAs(['status', '--db', db], READ_ONLY_USER);
  assert.is(human.code, 0, human.stderr);
  const history = await runCliAs(['history', '--db', db, '--json', '--limit', '1000'], READ_ONLY_USER);
  assert.is(history.code, 0, history.stderr);
  return { status: JSON.parse(status.stdout) as StatusJson, historyRows: (JSON.parse(history.stdout) as unknown[]).length };
}

readOnly('status and history read a stopped database in a read-only directory and create nothing', async (context) => {
  const run = await runCli(['start', '--db', context.db, '--tick-interval', '50', '--no-server', '--max-ticks', '2'], {
    timeoutMs: 90_000,
  });
  assert.is(run.code, 0, run.stderr);
  protect(context.dir, 0o444, 0o555);
  const before = fingerprint(context.dir);

  const { status, historyRows } = await readAsUser(context.db);
  assert.type(status.run?.stoppedAt, 'number');
  assert.ok(status.domains.length >= 9);
  assert.ok(historyRows >= 27, `${historyRows} history rows`);
  assert.equal(fingerprint(context.dir), before, 'no file created or changed');
});

readOnly('status in a writable directory on a read-only file leaves no -wal or -shm behind', async (context) => {
  const run = await runCli(['start', '--db', context.db, '--tick-interval', '50', '--no-server', '--max-ticks', '1'], {
    timeoutMs: 90_000,
  });
  assert.is(run.code, 0, run.stderr);
  protect(context.dir, 0o444, 0o777);
  const before = fingerprint(context.dir);
  await readAsUser(context.db);
  assert.equal(fingerprint(context.dir), before, 'no file created or changed');
});

readOnly('after kill -9, status in a read-only directory reads the rows still in the WAL and creates nothing', async (context) => {
  const start = startCli(['start', '--db', context.db, '--tick-interval', '50', '--no-server', '--json-logs'], { timeoutMs: 90_000 });
  context.cleanup.push(() => {
    if (start.child.exitCode === null && start.child.signalCode === null) start.child.kill('SIGKILL');
  });
  await within(start.waitFor(tickLine(3)), 'tick 3', LINE_TIMEOUT_MS);
  start.child.kill('SIGKILL');
  await within(start.result, 'the start to die', LINE_TIMEOUT_MS);
  assert.ok(fs.existsSync(`${context.db}-wal`), 'the dead writer left its write-ahead log');
  protect(context.dir, 0o444, 0o555);
  const before = fingerprint(context.dir);

  const { status } = await readAsUser(context.db);
  assert.is(status.run?.stoppedAt, null, 'the dead run is not closed yet');
  assert.ok(status.domains.length >= 9, `domains: ${status.domains.map((domain) => domain.domainName)}`);
  for (const domain of status.domains) assert.is(domain.status, 'active', domain.domainName);
  if (PERMISSIONS_BITE) assert.equal(fingerprint(context.dir), before, 'no file created or changed');
  else {
    // Root, reading as root: permissions do not stop SQLite from taking its read marks in the
    // shared-memory index (-shm), as any reader of a live WAL file does; nothing else may change.
    const withoutShm = (entries: Record<string, string>) => ({ ...entries, [`${path.basename(context.db)}-shm`]: 'present' });
    assert.equal(withoutShm(fingerprint(context.dir)), withoutShm(before), 'no file created; only the -shm read marks changed');
  }
});

readOnly('start on a read-only database file fails with one line naming that failure', async (context) => {
  if (!PERMISSIONS_BITE) {
    console.log('  (root that cannot switch users: a read-only file does not stop it; not checked)');
    return;
  }
  const run = await runCli(['start', '--db', context.db, '--tick-interval', '50', '--no-server', '--max-ticks', '1'], {
    timeoutMs: 90_000,
  });
  assert.is(run.code, 0, run.stderr);
  fs.chmodSync(context.db, 0o444);
  fs.chmodSync(`${context.db}-lock`, 0o666);
  fs.chmodSync(context.dir, 0o777);
  const before = fingerprint(context.dir);

  const result = await runCliAs(['start', '--db', context.db, '--tick-interval', '50', '--no-server', '--max-ticks', '1'], READ_ONLY_USER);
  assert.is(result.code, 1, result.stderr);
  const line = oneErrorLine(result.stderr);
  assert.match(line, `database "${context.db}" is read-only`);
  assert.not.match(line, 'endRun');
  assert.equal(fingerprint(context.dir), before, 'nothing created or changed');
});

readOnly('start in a read-only directory fails with one line naming the lock file it cannot create', async (context) => {
  if (!PERMISSIONS_BITE) {
    console.log('  (root that cannot switch users: a read-only directory does not stop it; not checked)');
    return;
  }
  fs.chmodSync(context.dir, 0o555);
  const result = await runCliAs(['start', '--db', context.db, '--tick-interval', '50', '--no-server', '--max-ticks', '1'], READ_ONLY_USER);
  assert.is(result.code, 1, result.stderr);
  assert.match(oneErrorLine(result.stderr), `"${context.db}-lock"`);
  assert.equal(fs.readdirSync(context.dir), []);
});

readOnly.run();
