import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cerebrosDomain } from '../../actors/cerebros/index.ts';
import { thunderprismDomain } from '../../actors/thunderprism/index.ts';
import { topicOf } from '../../src/events.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { manualRuntime, ticks } from './helpers.ts';

const trail = suite<{ runtime: Runtime | undefined }>('thunderprism decision trail', { runtime: undefined });

trail.after.each(async (context) => {
  await context.runtime?.stop();
});

trail('records each trial as a node and each new best as an edge from the best it beat', async (context) => {
  const thunderprism = thunderprismDomain();
  context.runtime = await manualRuntime([thunderprism]);
  await context.runtime.tick();
  const publish = (trialNo: number, score: number, improved: boolean) => {
    const event = {
      type: 'custom:cerebros.trial_completed',
      time: '',
      runId: 'r',
      trialNo,
      score,
      improved,
      tick: trialNo,
      params: { layers: trialNo },
    } as const;
    context.runtime?.system.pubsub.publish(topicOf(event), event);
  };
  publish(1, 0.5, true);
  publish(2, 0.4, false);
  publish(3, 0.7, true);
  publish(4, 0.9, true);
  const dag = await thunderprism.dag();
  assert.equal(
    dag.nodes.map((node) => node.id),
    ['r:1', 'r:2', 'r:3', 'r:4'],
  );
  assert.equal(dag.edges, [
    { from: 'r:1', to: 'r:3', kind: 'improved_on', delta: 0.2 },
    { from: 'r:3', to: 'r:4', kind: 'improved_on', delta: 0.2 },
  ]);
  assert.equal(dag.best, { r: 'r:4' });
});

trail('follows the decisions of a running cerebros', async (context) => {
  const cerebros = cerebrosDomain({ database: ':memory:', trialEvery: 1, seed: 11 });
  const thunderprism = thunderprismDomain();
  context.runtime = await manualRuntime([cerebros, thunderprism]);
  await ticks(context.runtime, 6);
  const rows = await cerebros.trials();
  const dag = await thunderprism.dag();
  assert.is(rows.length, 5);
  assert.equal(
    dag.nodes.map((node) => node.trialNo),
    [1, 2, 3, 4, 5],
  );
  const bests = rows.filter((row) => row.improved).map((row) => `${row.runId}:${row.trialNo}`);
  assert.is(dag.edges.length, bests.length - 1);
  assert.equal(
    dag.edges.map((edge) => edge.to),
    bests.slice(1),
  );
  assert.is(Object.values(dag.best)[0], bests.at(-1));
});

trail.run();
