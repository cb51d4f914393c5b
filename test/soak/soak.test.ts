/**
 * The chaos soak, short (`npm run soak` is the long one; docs/operations.md, "Chaos soak"): every
 * fault once (steps.ts, `tour`) and then random steps, on the generated tree and on the
 * Thunderline tree, each on a real SQLite file, with every invariant checked after every step.
 * A failure prints the seed, the shrunk step list and the command that replays it;
 * `SOAK_SEED=<n>` runs another seed. Before that, each invariant's comparison is shown to fail on
 * broken input.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Recorded } from './boot.ts';
import { diffCells, diffHistory, diffResources, diffRuns, diffUncleanClose } from './invariants.ts';
import type { LedgerRow, LedgerRun } from './ledger.ts';
import { shrinkSteps } from './shrink.ts';
import { formatReport, soak } from './soak.ts';
import { generateSteps, parseSteps, tour } from './steps.ts';
import type { RunRecord } from './world.ts';

const SEED = process.env.SOAK_SEED ? Number(process.env.SOAK_SEED) : 20_261_129;

const event = (domain: string, kind: string, tick: number, reason?: string): Recorded => ({ domain, event: kind, tick, reason });
const rowsOf = (events: Recorded[], runId = 'r1', from = 1): LedgerRow[] =>
  events.map((each, index) => ({ id: from + index, runId, ...each, previousStatus: undefined }));
const record = (runId: string, end: RunRecord['end'], extra: Partial<RunRecord> = {}): RunRecord => ({
  runId,
  where: 'in-process',
  events: [],
  matched: 0,
  lastRowId: 0,
  end,
  ...extra,
});
const run = (runId: string, stoppedAt: number | null, stopReason: string | null): LedgerRun => ({
  runId,
  startedAt: 1,
  stoppedAt,
  stopReason,
  pid: 1,
});

const comparisons = suite('soak: each invariant fails on broken input');

comparisons('history: every status change is exactly one row, in order', () => {
  const events = [event('a', 'waiting', 0), event('a', 'activated', 1), event('a', 'crashed', 1, 'killed')];
  assert.is(diffHistory(events, rowsOf(events)), undefined);
  assert.match(diffHistory(events, rowsOf(events.slice(0, 2))) ?? '', 'status change 3 of 3: published a crashed @1 (killed), row nothing');
  assert.match(diffHistory(events, rowsOf([...events, events[2] as Recorded])) ?? '', 'status change 4 of 3');
  assert.match(diffHistory(events, rowsOf([events[1], events[0], events[2]] as Recorded[])) ?? '', 'status change 1 of 3');
  assert.match(diffHistory(events, rowsOf([events[0], events[1], event('a', 'crashed', 1, 'other')] as Recorded[])) ?? '', '(other)');
});

comparisons('runs: only the live run is open, each ended run closed as it ended', () => {
  const records = [record('old', 'shutdown'), record('live', 'live')];
  assert.equal(diffRuns(records, [run('old', 5, 'shutdown'), run('live', null, null)]), []);
  assert.match(diffRuns(records, [run('old', null, null), run('live', null, null)]).join(), 'run old (in-process, shutdown) is still open');
  assert.match(diffRuns(records, [run('old', 5, 'killed'), run('live', null, null)]).join(), 'closed with killed');
  assert.match(diffRuns(records, [run('old', 5, 'shutdown'), run('live', 6, 'shutdown')]).join(), 'is live but closed');
  assert.match(diffRuns(records, [run('old', 5, 'shutdown'), run('live', null, null), run('ghost', null, null)]).join(), '3 runs on file');
  const killed = [record('dead', 'killed'), record('live', 'live')];
  assert.equal(diffRuns(killed, [run('dead', null, null), run('live', null, null)]), [], 'a killed run is open until the next start');
  killed[0] = record('dead', 'killed', { closeChecked: true });
  assert.match(diffRuns(killed, [run('dead', null, null), run('live', null, null)]).join(), 'still open');
  assert.match(diffRuns(killed, [run('dead', 9, 'shutdown'), run('live', null, null)]).join(), 'closed with shutdown');
});

comparisons('unclean close: a prefix of what the killed process published, then one closing row per running domain', () => {
  const reason = 'unclean: the process (pid 7) ended without closing the run';
  const events = [event('a', 'waiting', 0), event('b', 'waiting', 0), event('a', 'activated', 1), event('b', 'activated', 1)];
  const closing = (domain: string, previousStatus: string): LedgerRow => ({
    id: 99,
    runId: 'r1',
    domain,
    event: 'deactivated',
    tick: 1,
    reason,
    previousStatus,
  });
  const good = [...rowsOf(events.slice(0, 3)), closing('a', 'active'), closing('b', 'waiting')];
  assert.is(diffUncleanClose(events, 2, good, reason), undefined);
  assert.match(diffUncleanClose(events, 4, good, reason) ?? '', '4 status changes were acknowledged');
  assert.match(diffUncleanClose(events, 2, good.slice(0, 4), reason) ?? '', 'but the domains still running were');
  const swapped = [...rowsOf([events[1], events[0], events[2]] as Recorded[]), closing('a', 'active'), closing('b', 'waiting')];
  assert.match(diffUncleanClose(events, 2, swapped, reason) ?? '', 'not a prefix');
});

comparisons('cells: every live cell has a supervisor, every running row a live cell', () => {
  assert.equal(diffCells(['application_1', 'd00001_7'], new Set(['application#1', 'd00001#7'])), []);
  assert.match(
    diffCells(['application_1', 'd00001_7', 'd00001.c0_9'], new Set(['application#1', 'd00001#7'])).join(),
    'd00001.c0_9 lives without',
  );
  assert.match(diffCells(['application_1'], new Set(['application#1', 'd00001#7'])).join(), 'd00001_7 running, but its cell is gone');
});

comparisons('handles: nothing above the baseline', () => {
  assert.equal(diffResources(['TTYWrap', 'Timeout'], ['TTYWrap']), []);
  assert.equal(diffResources(['TTYWrap'], ['TTYWrap', 'Timeout']), ['Timeout: 1, baseline 0']);
});

comparisons.run();

const tools = suite('soak: steps and shrinking');

tools('the same seed gives the same steps; a printed list replays as it was', () => {
  const steps = generateSteps(42, 50);
  assert.equal(generateSteps(42, 50), steps);
  assert.not.equal(generateSteps(43, 50), steps);
  assert.equal(parseSteps(JSON.stringify(steps)), steps);
  assert.throws(() => parseSteps('[{"kind":"nap"}]'), /unknown step/);
});

tools('shrinking keeps only the steps the failure needs', async () => {
  const steps = Array.from({ length: 40 }, (_, index) => index);
  let runs = 0;
  const shortest = await shrinkSteps(steps, async (candidate) => {
    runs += 1;
    return candidate.includes(7) && candidate.includes(31);
  });
  assert.equal(shortest, [7, 31]);
  assert.ok(runs < 100, `${runs} runs`);
});

tools.run();

const chaos = suite('soak: a short chaos run keeps every invariant');

for (const tree of ['generated', 'thunderline'] as const) {
  chaos(`${tree} tree: every fault, then random steps (seed ${SEED})`, async () => {
    const steps = [...tour(), ...generateSteps(SEED, 30, { processKills: 0 })];
    const lines: string[] = [];
    const report = await soak({
      seed: SEED,
      domains: [100, 100],
      tree,
      sessionSteps: steps.length,
      processKills: 0,
      replay: steps,
      shrink: true,
      shrinkMs: 20_000,
      log: (line) => lines.push(line),
    });
    const text = formatReport(report, `npm run soak -- --seed ${SEED} --tree ${tree} --domains 100 --replay '<the steps>'`);
    if (report.failure) console.log(`${lines.join('\n')}\n${text}`);
    assert.is(report.failure, undefined, report.failure?.message);
    assert.is(report.stats.steps, steps.length);
    for (const kind of [
      'processKill',
      'killMidActivate',
      'killMidDeactivate',
      'killMidRestart',
      'slowActivate',
      'domainStorm',
      'childStorm',
    ])
      assert.ok((report.stats.applied[kind] ?? 0) > 0, `${kind} applied at least once: ${JSON.stringify(report.stats.applied)}`);
    assert.ok(report.stats.escalations >= 1, 'the domain storm made the runtime give up');
  });
}

chaos.run();
