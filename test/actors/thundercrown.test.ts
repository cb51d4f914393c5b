import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ActivationPolicy, REFUSED } from '../../actors/thundercrown/index.ts';
import { ManualClock } from '../../src/clock.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { bootThunderline, THUNDERLINE_DOMAINS, thunderlineTree } from '../../supervisors/thunderline.ts';
import { ticks } from './helpers.ts';

const only = (...keep: string[]) => THUNDERLINE_DOMAINS.filter((name) => !keep.includes(name));

const policy = suite('thundercrown activation policy');

policy('allows every domain by default', () => {
  const allowAll = new ActivationPolicy();
  assert.ok(['a', 'b', 'c'].every((name) => allowAll.decide(name, 1)));
  assert.equal(allowAll.refusals(), []);
});

policy('refuses domains outside the allow-list and past the per-tick limit', () => {
  const limited = new ActivationPolicy({ allow: ['a', 'b', 'c'], maxActivationsPerTick: 2 });
  assert.equal(
    ['a', 'x', 'b', 'c'].map((name) => limited.decide(name, 1)),
    [true, false, true, false],
  );
  assert.ok(limited.decide('c', 2));
  assert.equal(limited.refusals(), [
    { domain: 'x', tick: 1, reason: 'not in the allow-list (a, b, c)' },
    { domain: 'c', tick: 1, reason: 'limit of 2 activations per tick reached' },
  ]);
});

policy.run();

// ---

const governance = suite<{ runtime: Runtime | undefined }>('thundercrown governance in the tree', { runtime: undefined });

governance.after.each(async (context) => {
  await context.runtime?.stop();
  context.runtime = undefined;
});

governance('a refused domain stays waiting, asks again each tick, and every refusal is recorded', async (context) => {
  const tree = thunderlineTree({
    database: ':memory:',
    disable: only('thundercrown', 'thundergrid'),
    governance: { allow: ['thundercrown'] },
  });
  context.runtime = await bootThunderline({ tickInterval: 'manual', database: ':memory:', clock: new ManualClock() }, tree);
  const published: unknown[] = [];
  context.runtime.subscribe(`system:${REFUSED}`, (event) => {
    const { domain, tick } = event as Record<string, unknown>;
    published.push({ domain, tick });
  });
  await ticks(context.runtime, 3);
  assert.is(context.runtime.registry.domainStatus('thundergrid')?.status, 'waiting');
  assert.is(context.runtime.registry.domainStatus('thundercrown')?.status, 'active');
  assert.equal(
    published,
    [1, 2, 3].map((tick) => ({ domain: 'thundergrid', tick })),
  );
  const ledger = await tree.handles.thundercrown?.ledger();
  assert.is(ledger?.total, 3);
  assert.equal(ledger?.byDomain, { thundergrid: 3 });
  assert.equal(ledger?.refusedAtLastTick, ['thundergrid']);
  assert.equal(tree.handles.thundercrown?.policy.refusals().at(-1), {
    domain: 'thundergrid',
    tick: 3,
    reason: 'not in the allow-list (thundercrown)',
  });
});

governance('at most K activations per tick: the others activate on later ticks', async (context) => {
  const tree = thunderlineTree({
    database: ':memory:',
    disable: only('thundercrown', 'thunderbolt', 'thunderprism'),
    governance: { maxActivationsPerTick: 1 },
  });
  context.runtime = await bootThunderline({ tickInterval: 'manual', database: ':memory:', clock: new ManualClock() }, tree);
  const active: number[] = [];
  for (let i = 0; i < 4; i += 1) {
    await context.runtime.tick();
    active.push(context.runtime.registry.activeCount());
  }
  assert.equal(active, [1, 2, 3, 3]);
  assert.equal(
    tree.handles.thundercrown?.policy.refusals().map((refusal) => refusal.tick),
    [1, 1, 2],
  );
});

governance.run();

// --- bounds

const policyBounds = suite('thundercrown policy: bounds');

policyBounds('keeps the latest `keep` refusals of 100,000 and counts them all', () => {
  const policy = new ActivationPolicy({ allow: ['billing'], keep: 5 });
  for (let tick = 1; tick <= 100_000; tick += 1) assert.is(policy.decide('thunderfoo', tick), false);
  assert.is(policy.refusalCount, 100_000);
  assert.equal(
    policy.refusals().map((refusal) => refusal.tick),
    [99_996, 99_997, 99_998, 99_999, 100_000],
  );
  assert.ok(policy.decide('billing', 100_001));
});

policyBounds.run();
