/**
 * `thunderline history --run <id>`: one run's status changes from the ledger (what the dashboard's
 * past runs show through `GET /api/history?run=`), and a clear usage error for an unknown run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineDomain, startRuntime } from '../../../index.ts';
import { runCli } from './helpers.ts';

const HistoryRun = suite<{ dir: string; db: string }>('history --run', { dir: '', db: '' });

HistoryRun.before.each((context) => {
  context.dir = mkdtempSync(path.join(tmpdir(), 'thunderline-history-run-'));
  context.db = path.join(context.dir, 'ledger.db');
});

HistoryRun.after.each((context) => {
  rmSync(context.dir, { recursive: true, force: true });
});

async function oneRun(db: string, domain: string): Promise<string> {
  const runtime = await startRuntime({ tickInterval: 'manual', database: db, domains: [defineDomain({ name: domain })] });
  await runtime.tick();
  await runtime.stop();
  return runtime.runId;
}

HistoryRun('prints only the chosen run, as the dashboard reads it', async ({ db }) => {
  const first = await oneRun(db, 'billing');
  const second = await oneRun(db, 'shipping');
  const result = await runCli(['history', '--db', db, '--run', first, '--json']);
  assert.is(result.code, 0, result.stderr);
  const rows = JSON.parse(result.stdout) as Array<{ runId: string; domainName: string; event: string }>;
  assert.equal(rows.map((row) => `${row.domainName} ${row.event}`).reverse(), [
    'billing waiting',
    'billing activated',
    'billing deactivated',
  ]);
  assert.ok(rows.every((row) => row.runId === first));
  const other = JSON.parse((await runCli(['history', '--db', db, '--run', second, '--json'])).stdout) as Array<{ domainName: string }>;
  assert.ok(other.length === 3 && other.every((row) => row.domainName === 'shipping'));
});

HistoryRun('an unknown run is a usage error naming the value and the runs there are', async ({ db }) => {
  const known = await oneRun(db, 'billing');
  const result = await runCli(['history', '--db', db, '--run', 'abc']);
  assert.is(result.code, 2);
  assert.match(result.stderr, `thunderline: --run "abc": no such run in ${db}; latest runs: ${known}`);
});

HistoryRun.run();
