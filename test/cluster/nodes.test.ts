/**
 * Three real `thunderline start` node processes on one PostgreSQL database and one NATS server:
 * they share the Thunderline domains by rendezvous; one is killed with SIGKILL, one stopped with
 * SIGTERM, a fourth joins; after each step the ledger's invariants hold and every domain is active
 * on the node the shard map gives it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { THUNDERLINE_DOMAINS } from '../../supervisors/thunderline.ts';
import { currentOwners, ledgerViolations } from '../support/cluster-invariants.ts';
import { domainsOf, TestCluster, until } from '../support/cluster-nodes.ts';
import { type FreshDatabase, freshDatabase } from '../support/cluster-services.ts';

interface Context {
  db: FreshDatabase;
  cluster: TestCluster;
}

const test = suite<Context>('cluster of thunderline processes (kill -9, SIGTERM, join)');

test.before.each(async (context) => {
  context.db = await freshDatabase();
  context.cluster = new TestCluster(context.db);
});

test.after.each(async (context) => {
  await context.cluster.close();
  await context.db.drop();
});

const history = (context: Context, where = 'true') =>
  context.db.query<{ domain_name: string; event: string; node_id: string; metadata: string }>(
    `select domain_name, event, node_id, metadata from domain_activation_history where ${where} order by id`,
  );

test('three nodes share the domains; a killed node’s domains come back on the survivors; SIGTERM hands off; a fourth node takes its share', async (context) => {
  const { cluster } = context;
  const three = ['n1', 'n2', 'n3'];
  for (const id of three) await cluster.start(id);
  await cluster.placedOn(three);
  assert.equal(await ledgerViolations(context.db), []);
  // The node holding the most domains is the one to kill.
  const victim = [...three].sort((a, b) => domainsOf(b, three).length - domainsOf(a, three).length)[0] as string;
  const lost = domainsOf(victim, three);
  assert.ok(lost.length > 0, 'the victim runs some domains');

  // kill -9: its leases expire in PostgreSQL's clock, the survivors take its shards at a new epoch.
  await cluster.stop(victim, 'SIGKILL');
  const survivors = three.filter((id) => id !== victim);
  await cluster.placedOn(survivors);
  assert.equal(await ledgerViolations(context.db), []);
  const ownerLost = (await history(context, `metadata like '%owner_lost%'`)).map((row) => row.domain_name).sort();
  assert.equal(ownerLost, [...lost].sort(), 'each domain of the dead node gets one owner_lost row');
  await until(
    `the dead node's run closed by a survivor`,
    () => context.db.query<{ stop_reason: string | null }>('select stop_reason from runtime_runs where node_id = $1', [victim]),
    (rows) => rows[0]?.stop_reason?.startsWith('unclean') === true,
  );

  // SIGTERM: a graceful leave hands every shard off before the process exits 0.
  const [leaver, last] = survivors as [string, string];
  const exit = await cluster.stop(leaver, 'SIGTERM');
  assert.is(exit.code, 0, exit.stderr);
  await cluster.placedOn([last]);
  // Its own deactivations (an owner_lost row it wrote for the killed node's domains is not one).
  const handedOff = await history(context, `node_id = '${leaver}' and event = 'deactivated' and metadata not like '%owner_lost%'`);
  assert.ok(handedOff.length > 0);
  assert.ok(
    handedOff.every((row) => JSON.parse(row.metadata).reason === 'handoff'),
    JSON.stringify(handedOff),
  );
  assert.equal((await history(context, `metadata like '%owner_lost%'`)).length, lost.length, 'a handoff leaves nothing to mourn');

  // A new node joins and takes its share by handoff.
  await cluster.start('n4');
  await cluster.placedOn([last, 'n4']);
  assert.equal(await ledgerViolations(context.db), []);

  // Everyone stops: the last node's domains stop with 'shutdown' (no one takes them).
  for (const id of [...cluster.nodes.keys()]) assert.is((await cluster.stop(id, 'SIGTERM')).code, 0);
  const final = await currentOwners(context.db);
  for (const domain of THUNDERLINE_DOMAINS) {
    if (final.get(domain)?.status === 'inactive') continue;
    const rows = await history(context, `domain_name = '${domain}'`);
    assert.unreachable(`${domain} ends ${final.get(domain)?.status}; its history: ${JSON.stringify(rows.slice(-8))}`);
  }
  assert.equal(await ledgerViolations(context.db), []);
  const ticks = await context.db.query<{ count: string }>('select count(*) as count from cluster_ticks');
  assert.ok(Number(ticks[0]?.count) > 0);
});

test.run();
