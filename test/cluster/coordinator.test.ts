/**
 * The lease and assignment state machine against a real PostgreSQL (a fresh database per test):
 * the coordinator's own clock is the manual clock, so when it trusts its leases and when it fences
 * itself is decided by the test; PostgreSQL's clock decides expiry, which the tests bring about
 * by expiring a lease in SQL, never by waiting.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualClock } from '../../src/clock.ts';
import { Coordinator, type CoordinatorHooks, type LeaseStore } from '../../src/cluster/coordinator.ts';
import { type FencedChange, PgLedger } from '../../src/cluster/ledger.ts';
import { assignShards, SHARD_COUNT } from '../../src/cluster/shards.ts';
import { type FreshDatabase, freshDatabase } from '../support/cluster-services.ts';
import { gate } from '../support/gate.ts';
import { within } from '../support/within.ts';

interface Recorder {
  hooks: CoordinatorHooks;
  acquired: Array<{ shard: number; epoch: number; previous: string | null }>;
  handedOff: number[];
  fenced: Array<{ shards: readonly number[]; why: string }>;
  tick: Array<number | undefined>;
  failures: unknown[];
}

function recorder(): Recorder {
  const r: Recorder = {
    acquired: [],
    handedOff: [],
    fenced: [],
    tick: [],
    failures: [],
    hooks: {
      acquired: async (shards) => {
        r.acquired.push(...shards);
        return [];
      },
      handoff: async (leases) => {
        r.handedOff.push(...leases.map((lease) => Number(lease.name.slice('shard:'.length))));
      },
      fenced: (shards, why) => {
        r.fenced.push({ shards: [...shards], why });
      },
      tickLease: (epoch) => {
        r.tick.push(epoch);
      },
      changed: () => {},
      failed: (error) => {
        r.failures.push(error);
      },
    },
  };
  return r;
}

interface Context {
  db: FreshDatabase;
  ledgers: PgLedger[];
  coordinators: Coordinator[];
  clock: ManualClock;
}

const test = suite<Context>('cluster coordinator (leases, handoff, self-fencing) on PostgreSQL');

test.before.each(async (context) => {
  context.db = await freshDatabase();
  context.ledgers = [];
  context.coordinators = [];
  context.clock = new ManualClock();
});

test.after.each(async (context) => {
  for (const coordinator of context.coordinators) coordinator.halt();
  for (const ledger of context.ledgers) await ledger.close();
  await context.db.drop();
});

async function node(context: Context, nodeId: string, store?: (ledger: PgLedger) => LeaseStore) {
  const ledger = await PgLedger.open(context.db.url, { nodeId });
  context.ledgers.push(ledger);
  await ledger.join({ runId: `run-${nodeId}`, httpUrl: null });
  const record = recorder();
  const coordinator = new Coordinator({ nodeId, store: store ? store(ledger) : ledger, clock: context.clock, hooks: record.hooks });
  context.coordinators.push(coordinator);
  return { ledger, coordinator, record };
}

const expireAll = (context: Context) => context.db.query(`update cluster_leases set expires_at = now() - interval '1 millisecond'`);

/** As PostgreSQL would see a node killed an hour ago: its heartbeat is that old. */
const killed = (context: Context, nodeId: string) =>
  context.db.query(`update cluster_members set heartbeat_at = now() - interval '1 hour' where node_id = $1`, [nodeId]);

const change = (domain: string, shard: number, epoch: number): FencedChange => ({
  runId: 'run',
  domain,
  event: 'activated',
  status: 'active',
  tick: 1,
  occurredAt: 1,
  shard,
  epoch,
});

test('a lone node takes every shard and the tick lease at epoch 1', async (context) => {
  const a = await node(context, 'a');
  await a.coordinator.start();
  assert.is(a.coordinator.heldShards().length, SHARD_COUNT);
  assert.ok(a.record.acquired.every((entry) => entry.epoch === 1 && entry.previous === null));
  assert.equal(a.record.tick, [1]);
  assert.is(a.coordinator.owns(0), 1);
  const [leases] = await context.db.query<{ count: string }>(`select count(*) from cluster_leases where owner = 'a'`);
  assert.is(Number(leases?.count), SHARD_COUNT + 1);
});

test('a joining node gets its rendezvous share by handoff, at most 32 shards a cycle, each at a new epoch', async (context) => {
  const a = await node(context, 'a');
  await a.coordinator.start();
  const b = await node(context, 'b');
  await b.coordinator.start();
  assert.is(b.coordinator.heldShards().length, 0, 'a still holds every lease validly: b takes none');
  const want = assignShards(['a', 'b']);
  for (let round = 0; round < 8 && b.coordinator.heldShards().length < (want.get('b')?.length ?? 0); round += 1) {
    const before = a.record.handedOff.length;
    await a.coordinator.poke();
    await a.coordinator.settled();
    assert.ok(a.record.handedOff.length - before <= 32, `cycle ${round} handed off ${a.record.handedOff.length - before}`);
    await b.coordinator.poke();
    await b.coordinator.settled();
  }
  assert.equal(a.coordinator.heldShards(), want.get('a'));
  assert.equal(b.coordinator.heldShards(), want.get('b'));
  assert.ok(
    b.record.acquired.every((entry) => entry.epoch === 2),
    'a shard handed off is taken at epoch 2',
  );
  // A graceful handoff is a release, not a loss: the new owner does not see a previous holder to mourn.
  assert.ok(b.record.acquired.every((entry) => entry.previous === 'a'));
  assert.equal(a.record.fenced, [], 'nothing was fenced');
});

test('a node whose renew hangs fences itself at TTL − margin by its own clock, before PostgreSQL lets anyone take over', async (context) => {
  let hang = false;
  const a = await node(context, 'a', (ledger) => ({
    renew: (ttl) => (hang ? new Promise(() => {}) : ledger.renew(ttl)),
    view: (ttl) => ledger.view(ttl),
    acquire: (names, ttl) => ledger.acquire(names, ttl),
    release: (leases) => ledger.release(leases),
    leaving: () => ledger.leaving(),
    leave: () => ledger.leave(),
  }));
  await a.coordinator.start();
  hang = true;
  void a.coordinator.poke();
  const trustMs = a.coordinator.leaseTtlMs - a.coordinator.fenceMarginMs;
  context.clock.advance(trustMs - 1);
  assert.equal(a.record.fenced, [], 'still within its trusted time');
  assert.is(a.coordinator.owns(3), 1);
  context.clock.advance(1);
  assert.is(a.record.fenced.length, 1);
  assert.is(a.record.fenced[0]?.shards.length, SHARD_COUNT);
  assert.is(a.coordinator.owns(3), undefined);
  assert.is(a.coordinator.tickLeaseEpoch(), undefined);
  assert.equal(a.record.tick, [1, undefined]);
  // PostgreSQL still counts a's leases: no one may take them yet.
  const b = await node(context, 'b');
  await b.coordinator.start();
  assert.is(b.coordinator.heldShards().length, 0);
  // Once they expire, b takes every shard at epoch 2, and sees a as their previous holder.
  await expireAll(context);
  await killed(context, 'a');
  await b.coordinator.poke();
  assert.is(b.coordinator.heldShards().length, SHARD_COUNT);
  assert.ok(b.record.acquired.every((entry) => entry.epoch === 2 && entry.previous === 'a'));
});

test('a stale owner writes nothing: each ledger write is fenced by the lease epoch in the same statement', async (context) => {
  const a = await node(context, 'a');
  await a.coordinator.start();
  assert.is(await a.ledger.writeFenced([change('billing', 5, 1)]), 1);
  await expireAll(context);
  await killed(context, 'a');
  const b = await node(context, 'b');
  await b.coordinator.start();
  assert.is(b.coordinator.owns(5), 2);
  assert.is(await a.ledger.writeFenced([change('billing', 5, 1), change('shipping', 6, 1)]), 0, 'epoch 1 is stale');
  assert.is(await b.ledger.writeFenced([change('billing', 5, 1)]), 0, 'the right node at the wrong epoch writes nothing either');
  assert.is(await b.ledger.writeFenced([change('billing', 5, 2)]), 1);
  const rows = await context.db.query<{ node_id: string; epoch: string }>(
    `select node_id, epoch from domain_activation_history where domain_name = 'billing' order by id`,
  );
  assert.equal(
    rows.map((row) => `${row.node_id}@${row.epoch}`),
    ['a@1', 'b@2'],
  );
  const [current] = await context.db.query<{ node_id: string; epoch: string }>(
    `select node_id, epoch from active_domain_registry where domain_name = 'billing'`,
  );
  assert.is(`${current?.node_id}@${current?.epoch}`, 'b@2');
});

test('a lease taken over while its holder was away is fenced on the holder’s next renew', async (context) => {
  const a = await node(context, 'a');
  await a.coordinator.start();
  await expireAll(context);
  await killed(context, 'a');
  const b = await node(context, 'b');
  await b.coordinator.start();
  assert.is(b.coordinator.heldShards().length, SHARD_COUNT);
  await a.coordinator.poke();
  assert.equal(a.record.fenced.at(-1)?.why, 'lease lost');
  assert.is(a.record.fenced.at(-1)?.shards.length, SHARD_COUNT);
  assert.is(a.coordinator.heldShards().length, 0);
});

test('tick numbers are unique cluster-wide and recorded only under the current tick lease', async (context) => {
  const a = await node(context, 'a');
  await a.coordinator.start();
  assert.ok(await a.ledger.recordTick(1, 1, 1000, 1000));
  assert.not.ok(await a.ledger.recordTick(1, 1, 1000, 1000), 'a tick number is recorded once');
  await expireAll(context);
  await killed(context, 'a');
  const b = await node(context, 'b');
  await b.coordinator.start();
  assert.is(b.coordinator.tickLeaseEpoch(), 2);
  assert.not.ok(await a.ledger.recordTick(2, 1, 2000, 2000), 'the deposed leader records nothing');
  assert.ok(await b.ledger.recordTick(2, 2, 2000, 2000));
  assert.equal(await b.ledger.lastTick(), { n: 2, dueAt: 2000 });
});

test('leave hands every shard off, releases the leases and removes the member', async (context) => {
  const a = await node(context, 'a');
  await a.coordinator.start();
  const b = await node(context, 'b');
  await b.coordinator.start();
  await a.coordinator.leave();
  assert.is(a.record.handedOff.length, SHARD_COUNT);
  assert.equal(a.record.fenced, []);
  const [valid] = await context.db.query<{ count: string }>(`select count(*) from cluster_leases where owner = 'a' and expires_at > now()`);
  assert.is(Number(valid?.count), 0);
  const members = await context.db.query<{ node_id: string }>('select node_id from cluster_members order by node_id');
  assert.equal(
    members.map((row) => row.node_id),
    ['b'],
  );
  await b.coordinator.poke();
  assert.is(b.coordinator.heldShards().length, SHARD_COUNT);
});

test('renewals go on while a slow handoff runs: a node busy moving shards never fences itself for it', async (context) => {
  const a = await node(context, 'a');
  await a.coordinator.start();
  const slow = gate();
  let handoffs = 0;
  const hooks = a.record.hooks;
  const batches: number[] = [];
  hooks.handoff = async (leases) => {
    handoffs += 1;
    batches.push(leases.length);
    await slow.promise;
  };
  const b = await node(context, 'b');
  await b.coordinator.start();
  await a.coordinator.poke();
  assert.is(handoffs, 1, 'a handoff batch is running');
  // Three lease lifetimes pass on a's clock while the handoff is stuck: its cycles go on renewing.
  // (Half a renew interval a step: the manual clock jumps while a renew is in flight, which real
  // time does not, so a whole interval would stand for a renew as slow as the interval itself.)
  const step = a.coordinator.renewIntervalMs / 2;
  for (let elapsed = 0; elapsed < 3 * a.coordinator.leaseTtlMs; elapsed += step) {
    context.clock.advance(step);
    await within(a.coordinator.poke(), 'a cycle while the handoff is stuck');
    assert.ok(a.coordinator.trusted(), `still trusted after ${elapsed + step} ms`);
  }
  assert.equal(
    a.record.fenced.map((entry) => entry.why),
    [],
    'nothing fenced',
  );
  slow.open();
  await within(a.coordinator.settled(), 'the handoff');
  const [released] = await context.db.query<{ count: string }>(
    `select count(*) from cluster_leases where owner = 'a' and expires_at <= now()`,
  );
  // Released once it finished (a follow-up cycle may already have handed off the next batch).
  assert.ok(Number(released?.count) >= 32, `released ${released?.count}`);
  assert.ok(
    batches.every((size) => size <= 32),
    `batches of at most 32: ${batches}`,
  );
});

test('the first node fixes the tick schedule; a node with another interval is refused by name', async (context) => {
  const a = await node(context, 'a');
  const first = await a.ledger.clock(1000, 5000, 'cluster-1');
  assert.equal(first, { clusterId: 'cluster-1', originMs: 5000, intervalMs: 1000 });
  const b = await node(context, 'b');
  assert.equal(await b.ledger.clock(1000, 9000, 'cluster-2'), first, 'a later node keeps the origin and the id');
  try {
    await b.ledger.clock(500, 9000, 'cluster-2');
    assert.unreachable('another interval must be refused');
  } catch (error) {
    assert.is((error as { code?: string }).code, 'ERR_CLUSTER_CONFLICT');
    assert.match((error as Error).message, 'this cluster ticks every 1000 ms (set by its first node); this node was started with 500 ms');
  }
});

test.run();
