import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TRIAL_REQUESTED, thunderboltDomain } from '../../actors/thunderbolt/index.ts';
import { GLIDER, liveCells, seedGrid, stepLife } from '../../actors/thunderbolt/life.ts';
import { hasCode } from '../../src/errors.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { manualRuntime, ticks } from './helpers.ts';

const life = suite('thunderbolt life rules');

life('a glider moves one cell down and right every four generations, wrapping around the torus', () => {
  let grid = seedGrid(6, 6, GLIDER);
  for (let i = 0; i < 4; i += 1) grid = stepLife(grid);
  assert.equal(liveCells(grid), [
    [2, 1],
    [3, 2],
    [1, 3],
    [2, 3],
    [3, 3],
  ]);
  for (let i = 0; i < 16; i += 1) grid = stepLife(grid);
  assert.equal(
    liveCells(grid),
    liveCells(
      seedGrid(
        6,
        6,
        GLIDER.map(([x, y]) => [x + 5, y + 5] as const),
      ),
    ),
  );
});

life.run();

// ---

const automaton = suite<{ runtime: Runtime | undefined }>('thunderbolt automaton', { runtime: undefined });

automaton.after.each(async (context) => {
  await context.runtime?.stop();
});

automaton('advances exactly one generation per tick after activation', async (context) => {
  const thunderbolt = thunderboltDomain({ trialEvery: 0 });
  context.runtime = await manualRuntime([thunderbolt]);
  await context.runtime.tick();
  assert.is((await thunderbolt.snapshot()).generation, 0);
  for (let n = 1; n <= 4; n += 1) {
    await context.runtime.tick();
    const snapshot = await thunderbolt.snapshot();
    assert.is(snapshot.generation, n);
    assert.is(snapshot.tick, n + 1);
    assert.is(snapshot.population, 5);
  }
  assert.equal((await thunderbolt.snapshot()).live, [
    [2, 1],
    [3, 2],
    [1, 3],
    [2, 3],
    [3, 3],
  ]);
});

automaton('is not queryable before the domain activates', async (context) => {
  const thunderbolt = thunderboltDomain();
  context.runtime = await manualRuntime([thunderbolt]);
  try {
    await thunderbolt.snapshot();
    assert.unreachable('snapshot before activation');
  } catch (error) {
    assert.ok(hasCode(error, 'ERR_UNKNOWN_ACTOR'));
  }
});

automaton('asks cerebros for a trial through the bridge every trialEvery generations', async (context) => {
  const thunderbolt = thunderboltDomain({ trialEvery: 2 });
  context.runtime = await manualRuntime([thunderbolt]);
  const requests: unknown[] = [];
  context.runtime.subscribe(`system:${TRIAL_REQUESTED}`, (event) => requests.push(event));
  await ticks(context.runtime, 5);
  await thunderbolt.snapshot();
  assert.equal(
    requests.map((event) => {
      const { requestedBy, generation, population } = event as Record<string, unknown>;
      return { requestedBy, generation, population };
    }),
    [
      { requestedBy: 'thunderbolt', generation: 2, population: 5 },
      { requestedBy: 'thunderbolt', generation: 4, population: 5 },
    ],
  );
});

automaton.run();
