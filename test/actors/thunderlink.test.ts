import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { thunderlinkDomain } from '../../actors/thunderlink/index.ts';
import { startRuntime } from '../../index.ts';
import { ManualClock } from '../../src/clock.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { ticks } from './helpers.ts';

const presence = suite<{ runtime: Runtime | undefined; clock: ManualClock }>('thunderlink presence', {
  runtime: undefined,
  clock: new ManualClock(),
});

presence.before.each((context) => {
  context.clock = new ManualClock();
});

presence.after.each(async (context) => {
  await context.runtime?.stop();
  context.runtime = undefined;
});

presence('counts the ticks it has seen since activation and reports its uptime', async (context) => {
  const thunderlink = thunderlinkDomain({ nodeId: 'node-a' });
  context.runtime = await startRuntime({ tickInterval: 'manual', database: ':memory:', clock: context.clock, domains: [thunderlink] });
  await context.runtime.tick();
  const first = await thunderlink.presence();
  assert.is(first.nodeId, 'node-a');
  assert.is(first.ticksSeen, 0);
  context.clock.advance(1500);
  await ticks(context.runtime, 3);
  const later = await thunderlink.presence();
  assert.is(later.ticksSeen, 3);
  assert.is(later.lastTick, 4);
  assert.is(later.uptimeMs, 1500);
  assert.is(later.startedAt, first.startedAt);
});

presence('defaults the node id to host and pid', async (context) => {
  const thunderlink = thunderlinkDomain();
  context.runtime = await startRuntime({ tickInterval: 'manual', database: ':memory:', clock: context.clock, domains: [thunderlink] });
  await context.runtime.tick();
  assert.match((await thunderlink.presence()).nodeId, new RegExp(`:${process.pid}$`));
});

presence.run();
