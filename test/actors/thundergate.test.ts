import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { evaluateHealth, HEALTH } from '../../actors/thundergate/index.ts';
import { ManualClock } from '../../src/clock.ts';
import type { DomainStatus, HistoryEntry, RegistryView } from '../../src/runtime/registry-view.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { bootThunderline, THUNDERLINE_DOMAINS, thunderlineTree } from '../../supervisors/thunderline.ts';

function fakeRegistry(
  statuses: Array<Pick<DomainStatus, 'name' | 'status' | 'tick'>>,
  history: Array<Pick<HistoryEntry, 'domain' | 'event' | 'tick'>>,
): RegistryView {
  const full = statuses.map((s) => ({ ...s, lastTick: s.tick, activatedAt: undefined, restarts: 0, updatedAt: 0, reason: undefined }));
  return {
    activeDomains: () => full.filter((s) => s.status === 'active').map((s) => s.name),
    activeCount: () => full.filter((s) => s.status === 'active').length,
    domainStatus: (name) => full.find((s) => s.name === name),
    statuses: () => full,
    history: (options) =>
      history
        .filter((h) => options?.domain === undefined || h.domain === options.domain)
        .map((h) => ({ ...h, status: 'crashed', occurredAt: 0, reason: undefined })),
    currentTick: () => 0,
  };
}

const evaluate = suite('thundergate health evaluation');

evaluate('is ok with every domain active and ticks on time', () => {
  const registry = fakeRegistry([{ name: 'a', status: 'active', tick: 1 }], []);
  assert.equal(evaluateHealth({ registry }, { tick: 5, lateMs: 3 }), {
    status: 'ok',
    tick: 5,
    reasons: [],
    stuck: [],
    crashLoops: [],
    lateMs: 3,
  });
});

evaluate('reports a crash loop and a late tick as degraded', () => {
  const crashes = [3, 5, 7].map((tick) => ({ domain: 'a', event: 'crashed' as const, tick }));
  const registry = fakeRegistry([{ name: 'a', status: 'active', tick: 7 }], crashes);
  const report = evaluateHealth({ registry, lateThresholdMs: 100 }, { tick: 8, lateMs: 180 });
  assert.is(report.status, 'degraded');
  assert.equal(report.crashLoops, ['a']);
  assert.equal(report.reasons, ['a crash loop: 3 or more crashes within 10 ticks', 'tick 8 late by 180 ms (threshold 100 ms)']);
  assert.is(evaluateHealth({ registry }, { tick: 14, lateMs: 0 }).status, 'ok');
});

evaluate.run();

// ---

const monitor = suite<{ runtime: Runtime | undefined }>('thundergate health monitor', { runtime: undefined });

monitor.after.each(async (context) => {
  await context.runtime?.stop();
  context.runtime = undefined;
});

monitor('reports a domain stuck in waiting (refused by thundercrown) as degraded', async (context) => {
  const keep = ['thundercrown', 'thundergate', 'thunderbolt'];
  const tree = thunderlineTree({
    database: ':memory:',
    disable: THUNDERLINE_DOMAINS.filter((name) => !keep.includes(name)),
    governance: { allow: ['thundercrown', 'thundergate'] },
    thundergate: { stuckAfterTicks: 3 },
  });
  context.runtime = await bootThunderline({ tickInterval: 'manual', database: ':memory:', clock: new ManualClock() }, tree);
  const published: string[] = [];
  context.runtime.subscribe(`system:${HEALTH}`, (event) => published.push(String((event as Record<string, unknown>).status)));
  const statuses: string[] = [];
  for (let i = 0; i < 4; i += 1) {
    await context.runtime.tick();
    if (i > 0) statuses.push((await tree.handles.thundergate?.health())?.status ?? 'none');
  }
  assert.equal(statuses, ['ok', 'ok', 'degraded']);
  const report = await tree.handles.thundergate?.health();
  assert.equal(report?.stuck, ['thunderbolt']);
  assert.equal(report?.reasons, ['thunderbolt stuck in waiting for more than 3 ticks (since tick 0)']);
  assert.equal(published, ['ok', 'degraded']);
});

monitor.run();
