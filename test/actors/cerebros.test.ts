import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cerebrosDomain, TRIAL_COMPLETED, TRIAL_REQUESTED } from '../../actors/cerebros/index.ts';
import { startRuntime } from '../../index.ts';
import { ManualClock } from '../../src/clock.ts';
import { topicOf } from '../../src/events.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { manualRuntime, ticks } from './helpers.ts';

const trials = suite<{ runtime: Runtime | undefined; dir: string }>('cerebros trial runner', { runtime: undefined, dir: '' });

trials.before.each((context) => {
  context.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thunderline-cerebros-'));
});

trials.after.each(async (context) => {
  if (context.runtime) await context.runtime.stop();
  context.runtime = undefined;
  fs.rmSync(context.dir, { recursive: true, force: true });
});

trials('runs one trial every trialEvery ticks and records it in cerebros_trials', async (context) => {
  const cerebros = cerebrosDomain({ database: ':memory:', trialEvery: 3, seed: 7 });
  context.runtime = await manualRuntime([cerebros]);
  const completed: Record<string, unknown>[] = [];
  context.runtime.subscribe(topicOf({ type: TRIAL_COMPLETED }), (event) => completed.push(event as Record<string, unknown>));
  await ticks(context.runtime, 7);
  const rows = await cerebros.trials();
  assert.is(rows.length, 2);
  assert.equal(
    rows.map((row) => [row.trialNo, row.source, row.tick]),
    [
      [1, 'schedule', 4],
      [2, 'schedule', 7],
    ],
  );
  assert.ok(rows[0]?.improved);
  assert.equal(Object.keys(rows[0]?.params ?? {}).sort(), ['activation', 'layers', 'learningRate', 'units']);
  const summary = await cerebros.summary();
  assert.is(summary.trials, 2);
  assert.is(summary.seed, 7);
  assert.is(completed.length, 2);
  assert.equal(completed[1]?.best, { trialNo: summary.best?.trialNo, score: summary.best?.score });
});

trials('runs a trial on a bridge request', async (context) => {
  const cerebros = cerebrosDomain({ database: ':memory:', trialEvery: 100, seed: 1 });
  context.runtime = await manualRuntime([cerebros]);
  await context.runtime.tick();
  context.runtime.system.pubsub.publish(topicOf({ type: TRIAL_REQUESTED }), {
    type: TRIAL_REQUESTED,
    time: '',
    requestedBy: 'thunderbolt',
  });
  const rows = await cerebros.trials();
  assert.equal(
    rows.map((row) => row.source),
    ['bridge'],
  );
});

trials('is reproducible from its seed', async (_context) => {
  const scores: number[][] = [];
  for (let i = 0; i < 2; i += 1) {
    const cerebros = cerebrosDomain({ database: ':memory:', trialEvery: 1, seed: 42 });
    const runtime = await manualRuntime([cerebros]);
    await ticks(runtime, 4);
    scores.push((await cerebros.trials()).map((row) => row.score));
    await runtime.stop();
  }
  assert.is(scores[0]?.length, 3);
  assert.equal(scores[0], scores[1]);
});

trials('stores runs and trials in the runtime database file, migrated with the registry', async (context) => {
  const file = path.join(context.dir, 'thunderline.db');
  const cerebros = cerebrosDomain({ database: file, trialEvery: 2, seed: 3 });
  context.runtime = await startRuntime({ tickInterval: 'manual', database: file, clock: new ManualClock(), domains: [cerebros] });
  await ticks(context.runtime, 5);
  await cerebros.summary();
  await context.runtime.stop();
  context.runtime = undefined;
  const db = new Database(file, { readonly: true });
  try {
    const runs = db
      .prepare<[], { status: string; seed: number; best_trial_no: number | null }>('SELECT status, seed, best_trial_no FROM cerebros_runs')
      .all();
    assert.is(runs.length, 1);
    assert.is(runs[0]?.status, 'finished');
    assert.is(runs[0]?.seed, 3);
    assert.ok((runs[0]?.best_trial_no ?? 0) >= 1);
    const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM cerebros_trials').get();
    assert.is(count?.n, 2);
  } finally {
    db.close();
  }
});

trials.run();
