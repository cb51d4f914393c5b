import diagnostics from 'node:diagnostics_channel';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createActorSystem, spawnActor } from '../../../src/actor/index.ts';
import type { ThunderlineEvent } from '../../../src/events.ts';
import { emptyContext, type KernelContext, rejection, setUp, tearDown } from '../supervisor/helpers.ts';
import { counter, newProbe } from './counter.ts';

const deadLetters = suite<KernelContext>('dead letters', emptyContext());
deadLetters.before.each(setUp);
deadLetters.after.each(tearDown);

deadLetters('a cast to a stopped actor is counted and published as dead_letter', async (context) => {
  const published: ThunderlineEvent[] = [];
  context.system.pubsub.subscribe('system:dead_letter', (event) => published.push(event));
  const ref = await spawnActor(context.system, counter(newProbe()), undefined);
  await ref.stop();
  assert.is(context.system.deadLetters, 0);
  ref.cast({ type: 'add', by: 1 });
  assert.is(context.system.deadLetters, 1);
  assert.equal(published, [{ type: 'dead_letter', actor: ref.id, messageType: 'add', time: '2026-01-01T00:00:00.000Z', count: 1 }]);
});

deadLetters('a call to a stopped actor is counted, published and rejected ERR_ACTOR_STOPPED', async (context) => {
  const published: ThunderlineEvent[] = [];
  context.system.pubsub.subscribe('system:dead_letter', (event) => published.push(event));
  const ref = await spawnActor(context.system, counter(newProbe()), undefined);
  ref.kill('gone fishing');
  const error = await rejection(() => ref.call({ type: 'get' }));
  assert.is(error.code, 'ERR_ACTOR_STOPPED');
  assert.is(error.message, `actor "${ref.id}" is not running (exit reason: gone fishing); "get" was not handled`);
  assert.is(context.system.deadLetters, 1);
  assert.equal(
    published.map((event) => (event as { messageType: string }).messageType),
    ['get'],
  );
});

deadLetters('dead letters also arrive on thunderline:dead_letter', async (context) => {
  const seen: unknown[] = [];
  const listener = (message: unknown): void => {
    seen.push(message);
  };
  diagnostics.subscribe('thunderline:dead_letter', listener);
  try {
    const ref = await spawnActor(context.system, counter(newProbe()), undefined);
    await ref.stop();
    ref.cast({ type: 'get' });
    ref.cast({ type: 'get' });
  } finally {
    diagnostics.unsubscribe('thunderline:dead_letter', listener);
  }
  assert.equal(
    seen.map((event) => (event as { count: number }).count),
    [1, 2],
  );
});

deadLetters('each system keeps its own count', async (context) => {
  const other = createActorSystem({ clock: context.clock });
  try {
    const ref = await spawnActor(other, counter(newProbe()), undefined);
    await ref.stop();
    ref.cast({ type: 'get' });
    assert.is(other.deadLetters, 1);
    assert.is(context.system.deadLetters, 0);
  } finally {
    other.stop();
  }
  assert.ok(other.isStopped);
});

deadLetters.run();
