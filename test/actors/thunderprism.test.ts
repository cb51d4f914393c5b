import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cerebrosDomain } from '../../actors/cerebros/index.ts';
import { DECISION_TRAIL_DEFAULTS, thunderprismDomain } from '../../actors/thunderprism/index.ts';
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

// --- bounds: the trail's memory holds, however many trials arrive

const bounds = suite<{ runtime: Runtime | undefined }>('thunderprism decision trail: bounds', { runtime: undefined });

bounds.after.each(async (context) => {
  await context.runtime?.stop();
});

/** Publishes trial `trialNo` of `runId`; every `improveEvery`-th trial improves on the last (score = its number). */
function trialPublisher(runtime: Runtime) {
  return (runId: string, trialNo: number, improved: boolean) => {
    const event = {
      type: 'custom:cerebros.trial_completed',
      time: '',
      runId,
      trialNo,
      score: improved ? trialNo / 1e6 : 0,
      improved,
      tick: trialNo,
      params: { layers: 1 },
    } as const;
    runtime.system.pubsub.publish(topicOf(event), event);
  };
}

bounds('keeps the latest keepNodes nodes and the whole best path, however many trials arrive', async (context) => {
  const thunderprism = thunderprismDomain({ keepNodes: 50 });
  context.runtime = await manualRuntime([thunderprism]);
  await context.runtime.tick();
  const publish = trialPublisher(context.runtime);
  // 20,000 trials; every 1000th is a new best: a best path of 20 nodes, most of them long out of the latest 50.
  for (let trialNo = 1; trialNo <= 20_000; trialNo += 1) publish('r', trialNo, trialNo % 1000 === 1);
  const dag = await thunderprism.dag();
  const bests = Array.from({ length: 20 }, (_, index) => `r:${index * 1000 + 1}`);
  const latest = Array.from({ length: 50 }, (_, index) => `r:${19_951 + index}`);
  assert.equal(
    dag.nodes.map((node) => node.id),
    [...bests, ...latest],
  );
  assert.equal(
    dag.edges.map((edge) => [edge.from, edge.to]),
    bests.slice(1).map((to, index) => [bests[index], to]),
  );
  assert.is(dag.edges[0]?.delta, 0.001);
  assert.equal(dag.best, { r: 'r:19001' });
  assert.is(dag.seen, 20_000);
});

bounds('keeps the best paths of the latest keepRuns runs, each at most keepPath long', async (context) => {
  const thunderprism = thunderprismDomain({ keepNodes: 10, keepRuns: 3, keepPath: 4 });
  context.runtime = await manualRuntime([thunderprism]);
  await context.runtime.tick();
  const publish = trialPublisher(context.runtime);
  // 100 runs of 100 trials, each trial a new best: 10,000 path nodes offered.
  for (let run = 1; run <= 100; run += 1) for (let trialNo = 1; trialNo <= 100; trialNo += 1) publish(`run${run}`, trialNo, true);
  const dag = await thunderprism.dag();
  assert.equal(Object.keys(dag.best), ['run98', 'run99', 'run100']);
  assert.equal(dag.best, { run98: 'run98:100', run99: 'run99:100', run100: 'run100:100' });
  // 3 paths of their newest 4 nodes; the latest 10 nodes are run100's last 10, 4 of them on its path.
  assert.is(dag.nodes.length, 3 * 4 + 10 - 4);
  assert.is(dag.edges.length, 3 * 3);
  assert.equal(
    dag.edges.filter((edge) => edge.from.startsWith('run100:')).map((edge) => edge.to),
    ['run100:98', 'run100:99', 'run100:100'],
  );
});

bounds('defaults: 1000 latest nodes, 16 runs, 1000 path nodes', () => {
  assert.equal(DECISION_TRAIL_DEFAULTS, { keepNodes: 1000, keepRuns: 16, keepPath: 1000 });
});

bounds('refuses a bound that is not an integer >= 1', async (context) => {
  const thunderprism = thunderprismDomain({ keepNodes: 0 });
  context.runtime = await manualRuntime([thunderprism]);
  const failures: string[] = [];
  context.runtime.subscribe('system:domain_crashed', (event) => {
    if (event.type === 'domain_crashed') failures.push(String(event.reason));
  });
  await context.runtime.tick();
  assert.ok(
    failures.some((reason) => reason.includes('thunderprism: keepNodes must be an integer >= 1, got 0')),
    `crash reasons: ${JSON.stringify(failures)}`,
  );
});

trail.run();
bounds.run();
