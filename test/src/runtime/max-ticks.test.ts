/**
 * `maxTicks`: ticks 1..maxTicks are emitted, timed or requested, and none after; once every
 * domain has handled the last one, the runtime stops as `stop('shutdown')` does.
 */
import diagnostics from 'node:diagnostics_channel';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineDomain } from '../../../index.ts';
import type { TickEvent } from '../../../src/events.ts';
import { gate, until } from '../../support/gate.ts';
import {
  boot,
  bounded,
  diskSteps,
  emptyContext,
  nextDomainEvent,
  nextEvent,
  type RuntimeContext,
  rejection,
  setUp,
  tearDown,
  tmpDb,
} from './helpers.ts';

const maxTicks = suite<RuntimeContext>('runtime: maxTicks', emptyContext());
maxTicks.before.each(setUp);
maxTicks.after.each(tearDown);

function ticksOf(context: RuntimeContext): number[] {
  return context.events.filter((event): event is TickEvent => event.type === 'tick').map((event) => event.tick);
}

maxTicks('timed: ticks 1..3, then the runtime stops once tick 3 is handled; nothing after', async (context) => {
  const file = tmpDb(context);
  const runtime = await boot(context, { tickInterval: 10, maxTicks: 3, database: file, domains: [defineDomain({ name: 'billing' })] });
  for (let tick = 1; tick <= 3; tick += 1) {
    const seen = nextEvent(runtime, (event) => event.type === 'tick' && event.tick === tick, `tick ${tick}`);
    context.clock.advance(10);
    await seen;
  }
  const exit = await bounded(runtime.stopped, 'the runtime to stop after tick 3');
  assert.equal(exit, { reason: 'shutdown', clean: true });
  context.clock.advance(100);
  assert.equal(ticksOf(context), [1, 2, 3]);
  assert.equal(diskSteps(file, 'billing'), ['waiting@0', 'activated@1', 'deactivated@3']);
});

maxTicks('late timers skip deadlines, never ticks: the numbers still stop at maxTicks', async (context) => {
  const runtime = await boot(context, { tickInterval: 10, maxTicks: 2, domains: [defineDomain({ name: 'billing' })] });
  const first = nextEvent(runtime, (event) => event.type === 'tick' && event.tick === 1, 'tick 1');
  context.clock.advance(35); // deadlines 1..3 passed: one tick for the latest
  await first;
  const second = nextEvent(runtime, (event) => event.type === 'tick' && event.tick === 2, 'tick 2');
  context.clock.advance(10);
  await second;
  await bounded(runtime.stopped, 'stop');
  assert.equal(ticksOf(context), [1, 2]);
});

maxTicks('requested: ticks past maxTicks are refused, even asked for at once', async (context) => {
  const runtime = await boot(context, { maxTicks: 2, domains: [defineDomain({ name: 'billing' })] });
  const asked = await Promise.allSettled([runtime.tick(), runtime.tick(), runtime.tick()]);
  assert.equal(
    asked.map((result) => (result.status === 'fulfilled' ? result.value : (result.reason as { code: string }).code)),
    [1, 2, 'ERR_RUNTIME_STOPPED'],
  );
  assert.equal(await bounded(runtime.stopped, 'stop'), { reason: 'shutdown', clean: true });
  assert.equal(ticksOf(context), [1, 2]);
});

maxTicks('the stop waits for the last round: a domain still activating on tick 1 finishes first', async (context) => {
  const held = gate();
  const runtime = await boot(context, {
    tickInterval: 10,
    maxTicks: 1,
    domains: [defineDomain({ name: 'slow', activate: () => held.promise })],
  });
  const ticked = nextEvent(runtime, (event) => event.type === 'tick', 'tick 1');
  context.clock.advance(10);
  await ticked;
  const activated = nextEvent(runtime, (event) => event.type === 'domain_activated', 'activation');
  held.open();
  await activated;
  await bounded(runtime.stopped, 'stop');
  assert.equal(
    context.events.filter((event) => event.type.startsWith('domain_')).map((event) => event.type),
    ['domain_activated', 'domain_deactivated'],
  );
});

maxTicks('timed ticks begin once the whole tree is up: none reaches a half-started tree', async (context) => {
  const held = gate();
  let starting = false;
  const ticks: unknown[] = [];
  const onTick = (message: unknown): void => void ticks.push(message);
  diagnostics.subscribe('thunderline:tick', onTick);
  try {
    // "slow" is active at start: its start (and so the tree's) waits for its activate.
    const slow = defineDomain({
      name: 'slow',
      waitForTick: false,
      activate: () => {
        starting = true;
        return held.promise;
      },
    });
    const booting = boot(context, {
      tickInterval: 10,
      maxTicks: 1,
      domains: [defineDomain({ name: 'first' }), slow, defineDomain({ name: 'last' })],
    });
    await bounded(
      until(() => starting),
      'the slow start',
    );
    context.clock.advance(50);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(ticks, [], 'no tick while the tree starts');
    held.open();
    const runtime = await bounded(booting, 'start');
    const activated = nextDomainEvent(runtime, 'domain_activated', 'last');
    context.clock.advance(10);
    assert.is((await activated).tick, 1, 'tick 1 reaches every domain, the last started included');
    await bounded(runtime.stopped, 'stop');
  } finally {
    diagnostics.unsubscribe('thunderline:tick', onTick);
  }
});

maxTicks('maxTicks must be an integer >= 1', async (context) => {
  for (const value of [0, -1, 1.5, Number.NaN]) {
    const error = await rejection(() => boot(context, { maxTicks: value }));
    assert.is(error.code, 'ERR_INVALID_OPTION');
    assert.match(error.message, /^maxTicks must be an integer >= 1, got /);
  }
});

maxTicks.run();
