import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { STEP_COMPLETED, thundervineDomain, WORKFLOW_COMPLETED } from '../../actors/thundervine/index.ts';
import { hasCode } from '../../src/errors.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { manualRuntime, ticks } from './helpers.ts';

const vine = suite<{ runtime: Runtime | undefined }>('thundervine workflow runner', { runtime: undefined });

vine.after.each(async (context) => {
  await context.runtime?.stop();
  context.runtime = undefined;
});

vine('runs one ready step per tick, in dependency order', async (context) => {
  const thundervine = thundervineDomain({ repeat: false });
  context.runtime = await manualRuntime([thundervine]);
  const events: string[] = [];
  context.runtime.subscribe(`system:${STEP_COMPLETED}`, (event) => events.push(String((event as Record<string, unknown>).step)));
  context.runtime.subscribe(`system:${WORKFLOW_COMPLETED}`, () => events.push('(done)'));
  await context.runtime.tick();
  const seen: string[][] = [];
  for (let i = 0; i < 6; i += 1) {
    await context.runtime.tick();
    seen.push((await thundervine.snapshot()).completed.map((entry) => entry.step));
  }
  assert.equal(seen, [
    ['fetch'],
    ['fetch', 'parse'],
    ['fetch', 'parse', 'index'],
    ['fetch', 'parse', 'index', 'summarize'],
    ['fetch', 'parse', 'index', 'summarize', 'publish'],
    ['fetch', 'parse', 'index', 'summarize', 'publish'],
  ]);
  assert.equal(
    (await thundervine.snapshot()).completed.map((entry) => entry.tick),
    [2, 3, 4, 5, 6],
  );
  assert.equal(events, ['fetch', 'parse', 'index', 'summarize', 'publish', '(done)']);
});

vine('starts a new run after a finished one when repeating', async (context) => {
  const thundervine = thundervineDomain({ workflow: { name: 'two', steps: [{ id: 'a' }, { id: 'b', dependsOn: ['a'] }] } });
  context.runtime = await manualRuntime([thundervine]);
  await ticks(context.runtime, 4);
  const snapshot = await thundervine.snapshot();
  assert.is(snapshot.run, 2);
  assert.is(snapshot.finishedRuns, 1);
  assert.equal(
    snapshot.completed.map((entry) => entry.step),
    ['a'],
  );
  assert.equal(snapshot.pending, ['b']);
});

vine('refuses a workflow with a cycle or an unknown dependency', () => {
  for (const [steps, message] of [
    [
      [
        { id: 'a', dependsOn: ['b'] },
        { id: 'b', dependsOn: ['a'] },
      ],
      'thundervine: workflow.steps must not have a dependency cycle, got "a ↔ b"',
    ],
    [[{ id: 'a', dependsOn: ['x'] }], 'thundervine: workflow.steps[0].dependsOn must name steps of the workflow (a), got "x"'],
  ] as const) {
    try {
      thundervineDomain({ workflow: { name: 'bad', steps } });
      assert.unreachable('accepted a bad workflow');
    } catch (error) {
      assert.ok(hasCode(error, 'ERR_INVALID_OPTION'));
      assert.is((error as Error).message, message);
    }
  }
});

vine.run();
