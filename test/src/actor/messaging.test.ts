import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_CALL_TIMEOUT_MS, spawnActor } from '../../../src/actor/index.ts';
import { emptyContext, type KernelContext, later, rejection, setUp, tearDown } from '../supervisor/helpers.ts';
import { counter, newProbe } from './counter.ts';

const messaging = suite<KernelContext>('cast and call', emptyContext());
messaging.before.each(setUp);
messaging.after.each(tearDown);

messaging('handles casts and calls one at a time in send order', async (context) => {
  const ref = await spawnActor(context.system, counter(newProbe()), undefined);
  ref.cast({ type: 'add', by: 1 });
  ref.cast({ type: 'add', by: 2 });
  const first = later(ref.call<number>({ type: 'get' }));
  ref.cast({ type: 'add', by: 4 });
  assert.is(await first, 3);
  assert.is(await ref.call<number>({ type: 'get' }), 7);
});

messaging('passes the start argument to init and names the actor after its behaviour', async (context) => {
  const ref = await spawnActor(
    context.system,
    {
      init: (start: number) => start * 2,
      handle: (n: number, _m: { type: 'get' }, ctx) => {
        ctx.reply(n);
        return n;
      },
    },
    21,
    {
      name: 'doubler',
    },
  );
  assert.is(ref.name, 'doubler');
  assert.match(ref.id, /^doubler#\d+$/);
  assert.is(await ref.call({ type: 'get' }), 42);
});

messaging('a reply may be kept and given later; only the first reply counts', async (context) => {
  const ref = await spawnActor(context.system, counter(newProbe()), undefined);
  const answer = later(ref.call({ type: 'defer' }));
  assert.is(await ref.call({ type: 'reply_twice' }), 'first');
  ref.cast({ type: 'release', value: 'later' });
  assert.is(await answer, 'later');
});

messaging('a call waits forever with an Infinity timeout', async (context) => {
  const ref = await spawnActor(context.system, counter(newProbe()), undefined);
  const answer = later(ref.call({ type: 'defer' }, Number.POSITIVE_INFINITY));
  await ref.call({ type: 'get' });
  assert.is(context.clock.pendingTimers(), 0);
  ref.cast({ type: 'release', value: 'ok' });
  assert.is(await answer, 'ok');
});

messaging('rejects a call with a timeout that is not > 0 as ERR_INVALID_OPTION', async (context) => {
  const ref = await spawnActor(context.system, counter(newProbe()), undefined);
  const error = await rejection(() => ref.call({ type: 'get' }, 0));
  assert.is(error.code, 'ERR_INVALID_OPTION');
  assert.is(error.message, `call to actor "${ref.id}": timeoutMs must be a number > 0 or Infinity, got 0`);
});

// ---

const timeouts = suite<KernelContext>('call timeouts', emptyContext());
timeouts.before.each(setUp);
timeouts.after.each(tearDown);

timeouts('rejects ERR_QUERY_TIMEOUT naming the actor, the timeout and the message, after exactly that long', async (context) => {
  const ref = await spawnActor(context.system, counter(newProbe()), undefined);
  const answer = later(ref.call({ type: 'slow' }, 1000));
  await ref.call({ type: 'get' }, Number.POSITIVE_INFINITY); // 'slow' has been handled, without a reply
  context.clock.advance(999);
  assert.is(context.clock.pendingTimers(), 1, 'still waiting 1 ms before the deadline');
  context.clock.advance(1);
  const error = await rejection(() => answer);
  assert.is(error.code, 'ERR_QUERY_TIMEOUT');
  assert.is(error.message, `call to actor "${ref.id}" timed out after 1000 ms waiting for a reply to "slow"`);
  assert.ok(ref.alive, 'a timeout does not hurt the actor');
});

timeouts('defaults to 5000 ms', async (context) => {
  assert.is(DEFAULT_CALL_TIMEOUT_MS, 5000);
  const ref = await spawnActor(context.system, counter(newProbe()), undefined);
  const answer = later(ref.call({ type: 'slow' }));
  context.clock.advance(4999);
  assert.is(context.clock.pendingTimers(), 1);
  context.clock.advance(1);
  const error = await rejection(() => answer);
  assert.is(error.message, `call to actor "${ref.id}" timed out after 5000 ms waiting for a reply to "slow"`);
});

timeouts('a reply after the timeout is dropped and the actor carries on', async (context) => {
  const ref = await spawnActor(context.system, counter(newProbe()), undefined);
  const late = later(ref.call({ type: 'defer' }, 10));
  context.clock.advance(10);
  assert.is((await rejection(() => late)).code, 'ERR_QUERY_TIMEOUT');
  ref.cast({ type: 'release', value: 'too late' });
  assert.is(await ref.call({ type: 'get' }), 0);
});

timeouts('a call answered in time leaves no timer behind', async (context) => {
  const ref = await spawnActor(context.system, counter(newProbe()), undefined);
  await ref.call({ type: 'get' }, 1000);
  assert.is(context.clock.pendingTimers(), 0);
});

// ---

const lifecycle = suite<KernelContext>('stop, kill and exit listeners', emptyContext());
lifecycle.before.each(setUp);
lifecycle.after.each(tearDown);

lifecycle('stop is queued behind pending messages, runs terminate and resolves with the exit signal', async (context) => {
  const probe = newProbe();
  const ref = await spawnActor(context.system, counter(probe), undefined);
  ref.cast({ type: 'add', by: 5 });
  const signal = await ref.stop();
  assert.equal(probe.terminated, [{ count: 5, reason: 'shutdown' }]);
  assert.equal({ reason: signal.reason, phase: signal.phase }, { reason: 'shutdown', phase: 'stop' });
  assert.is(signal.actor, ref);
  assert.not.ok(ref.alive);
});

lifecycle('stop passes its reason on', async (context) => {
  const probe = newProbe();
  const ref = await spawnActor(context.system, counter(probe), undefined);
  const signal = await ref.stop({ shutdown: 'maintenance' });
  assert.equal(signal.reason, { shutdown: 'maintenance' });
  assert.equal(probe.terminated[0]?.reason, { shutdown: 'maintenance' });
});

lifecycle('kill exits at once without terminate and rejects pending calls', async (context) => {
  const probe = newProbe();
  const ref = await spawnActor(context.system, counter(probe), undefined);
  const pending = later(ref.call({ type: 'defer' }));
  await ref.call({ type: 'get' });
  ref.kill();
  assert.not.ok(ref.alive);
  assert.equal(probe.terminated, []);
  assert.equal((await ref.whenExited()).reason, 'killed');
  const error = await rejection(() => pending);
  assert.is(error.code, 'ERR_ACTOR_STOPPED');
  assert.is(error.message, `actor "${ref.id}" is not running (exit reason: killed); "defer" was not handled`);
});

lifecycle('exit listeners fire once; late listeners fire at once; removed ones never', async (context) => {
  const ref = await spawnActor(context.system, counter(newProbe()), undefined);
  const seen: string[] = [];
  ref.onExit(() => seen.push('first'));
  const off = ref.onExit(() => seen.push('removed'));
  off();
  await ref.stop();
  ref.onExit(() => seen.push('late'));
  ref.kill();
  await ref.stop();
  assert.equal(seen, ['first', 'late']);
});

messaging.run();
timeouts.run();
lifecycle.run();
