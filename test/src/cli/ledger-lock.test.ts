/**
 * One writer, honest ledger, with real processes: a second `start` on a file in use is refused
 * at once (exit 1, one line naming the holder) and the first runs on; after `kill -9` the next
 * `start` takes the file at once and closes the dead run as unclean, its domains `inactive`.
 */
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openStore, type RunRow } from '../../../src/store/index.ts';
import { within } from '../../support/within.ts';
import { runCli, startCli } from './helpers.ts';
import { LINE_TIMEOUT_MS, lastTick, makeLedgerDir, oneErrorLine, removeLedgerDir, tickLine } from './ledger-helpers.ts';

interface LedgerContext {
  dir: string;
  db: string;
  cleanup: Array<() => void>;
}

const ledger = suite<LedgerContext>('cli ledger: one writer per file');
ledger.before.each((context) => {
  context.dir = makeLedgerDir();
  context.db = path.join(context.dir, 'thunderline.db');
  context.cleanup = [];
});
ledger.after.each((context) => {
  for (const cleanup of context.cleanup) cleanup();
  removeLedgerDir(context.dir);
});

type Start = ReturnType<typeof startCli>;

/** `start --json-logs` on the context's file; killed after the test if still running. */
function start(context: LedgerContext, extra: string[] = []): Start {
  const cli = startCli(['start', '--db', context.db, '--tick-interval', '50', '--no-server', '--json-logs', ...extra], {
    timeoutMs: 90_000,
  });
  context.cleanup.push(() => {
    if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  });
  return cli;
}

async function runIdOf(cli: Start): Promise<string> {
  await within(cli.waitFor(/run \S+ on /), 'the start banner', LINE_TIMEOUT_MS);
  const runId = /run (\S+) on /.exec(await cli.output())?.[1];
  if (!runId) throw new Error('no run id in the banner');
  return runId;
}

function readLedger(db: string): { runs: RunRow[]; domains: Array<[string, string, string | null]> } {
  const store = openStore(db, { readonly: true });
  try {
    return {
      runs: store.readRuns(),
      domains: store.readDomains().map((row) => [row.domainName, row.status, row.runId]),
    };
  } finally {
    store.close();
  }
}

ledger('a second start on a file in use exits 1 at once naming the holder; the first runs on and stops cleanly', async (context) => {
  const first = start(context);
  const runId = await runIdOf(first);
  await within(first.waitFor(tickLine(2)), 'tick 2 of the first start', LINE_TIMEOUT_MS);

  const second = await runCli(['start', '--db', context.db, '--tick-interval', '50', '--no-server'], { timeoutMs: 60_000 });
  assert.is(second.code, 1, second.stderr);
  const line = oneErrorLine(second.stderr);
  assert.match(line, `database "${context.db}" is in use`);
  assert.match(line, `pid ${first.child.pid}`);
  assert.match(line, `run ${runId}`);
  assert.is(second.stdout, '', 'the refused start printed no banner');

  const tickAfter = lastTick(await first.output()) + 3;
  await within(first.waitFor(tickLine(tickAfter)), `tick ${tickAfter} of the first start`, LINE_TIMEOUT_MS);
  first.child.kill('SIGTERM');
  const result = await within(first.result, 'the first start to stop', LINE_TIMEOUT_MS);
  assert.is(result.code, 0, result.stderr);
  const { runs } = readLedger(context.db);
  assert.equal(
    runs.map((run) => [run.runId, run.stopReason, run.pid]),
    [[runId, 'shutdown', first.child.pid]],
    'one run: the refused start recorded nothing',
  );
});

ledger('after kill -9 the next start takes the file at once and closes the dead run as unclean', async (context) => {
  const first = start(context);
  const deadRun = await runIdOf(first);
  // Tick 3: tick 1's activations are flushed (a flush at least every tick).
  await within(first.waitFor(tickLine(3)), 'tick 3 of the first start', LINE_TIMEOUT_MS);
  first.child.kill('SIGKILL');
  const killed = await within(first.result, 'the first start to die', LINE_TIMEOUT_MS);
  assert.is(killed.signal, 'SIGKILL');

  const before = readLedger(context.db);
  assert.is(before.runs[0]?.stoppedAt, null, 'killed: the run is still open');
  assert.ok(
    before.domains.some(([name, status]) => name === 'thundergrid' && status === 'active'),
    'the dead run left thundergrid active',
  );

  // thundergrid is left out of the next run, so only the unclean close can tell the truth about it.
  const second = await runCli(
    ['start', '--db', context.db, '--tick-interval', '50', '--no-server', '--max-ticks', '2', '--disable', 'thundergrid'],
    { timeoutMs: 90_000 },
  );
  assert.is(second.code, 0, second.stderr);

  const after = readLedger(context.db);
  const dead = after.runs.find((run) => run.runId === deadRun);
  assert.ok(dead, 'the dead run is still recorded');
  assert.match(dead.stopReason ?? '', /^unclean: /);
  assert.match(dead.stopReason ?? '', `pid ${first.child.pid}`);
  assert.equal(after.runs.length, 2);
  assert.is(after.runs[0]?.stopReason, 'shutdown');

  const history = await runCli(['history', '--db', context.db, '--json', '--limit', '1000']);
  assert.is(history.code, 0, history.stderr);
  const rows = JSON.parse(history.stdout) as Array<{
    runId: string;
    domainName: string;
    event: string;
    occurredAt: number;
    metadata: { reason?: string };
  }>;
  const deadRows = rows.filter((row) => row.runId === deadRun);
  const closing = deadRows.filter((row) => row.metadata.reason === dead.stopReason);
  assert.ok(closing.length >= 9, `every domain of the dead run was closed: ${closing.map((row) => row.domainName)}`);
  for (const row of closing) assert.is(row.event, 'deactivated');
  const lastHeard = Math.max(...deadRows.filter((row) => !closing.includes(row)).map((row) => row.occurredAt));
  assert.is(dead.stoppedAt, lastHeard, 'stopped when the ledger last heard from it');

  const status = await runCli(['status', '--db', context.db, '--json']);
  assert.is(status.code, 0, status.stderr);
  const parsed = JSON.parse(status.stdout) as { domains: Array<{ domainName: string; status: string; runId: string }> };
  const grid = parsed.domains.find((domain) => domain.domainName === 'thundergrid');
  assert.equal(grid && [grid.status, grid.runId], ['inactive', deadRun], 'status tells the truth about the dead run');
  for (const domain of parsed.domains) assert.is(domain.status, 'inactive', domain.domainName);
});

ledger.run();
