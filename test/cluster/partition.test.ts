/**
 * Partitions: a node is cut from PostgreSQL or from NATS, or PostgreSQL goes away for every node,
 * through TCP proxies in front of the real servers (`test/support/tcp-proxy.ts`): a cut link holds
 * the bytes (TCP would retransmit them) and a down server refuses connections. The nodes are real
 * `thunderline start` processes; what the tests check is in the ledger, each node's log and its
 * `/health`.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ownersOf, shardOf } from '../../src/cluster/shards.ts';
import { currentOwners, ledgerViolations } from '../support/cluster-invariants.ts';
import { domainsOf, TestCluster, until } from '../support/cluster-nodes.ts';
import { type FreshDatabase, freshDatabase, TEST_NATS } from '../support/cluster-services.ts';
import { type TcpProxy, tcpProxy } from '../support/tcp-proxy.ts';

interface Context {
  db: FreshDatabase;
  cluster: TestCluster;
  proxies: TcpProxy[];
}

const test = suite<Context>('cluster partitions (a node cut from PostgreSQL or NATS, PostgreSQL down)');

test.before.each(async (context) => {
  context.db = await freshDatabase();
  context.cluster = new TestCluster(context.db);
  context.proxies = [];
});

test.after.each(async (context) => {
  await context.cluster.close();
  for (const proxy of context.proxies) await proxy.close();
  await context.db.drop();
});

const THREE = ['n1', 'n2', 'n3'];

/** `url` with its port replaced by a proxy's. */
async function through(context: Context, url: string): Promise<{ url: string; proxy: TcpProxy }> {
  const parsed = new URL(url);
  const proxy = await tcpProxy(Number(parsed.port || (parsed.protocol === 'nats:' ? 4222 : 5432)), parsed.hostname);
  context.proxies.push(proxy);
  parsed.port = String(proxy.port);
  return { url: parsed.toString(), proxy };
}

async function health(
  cluster: TestCluster,
  id: string,
): Promise<{ code: number; body: { status: string; cluster?: Record<string, unknown> } }> {
  const response = await fetch(new URL('/health', await cluster.viewer(id)));
  return { code: response.status, body: (await response.json()) as { status: string; cluster?: Record<string, unknown> } };
}

/** The wall time of the first line of `node`'s log that matches `pattern`. */
async function loggedAt(cluster: TestCluster, id: string, pattern: RegExp): Promise<number> {
  const line = (await cluster.nodes.get(id)?.output())?.split('\n').find((candidate) => pattern.test(candidate));
  if (!line) throw new Error(`node ${id} never logged ${pattern}`);
  return Date.parse(line.slice(0, line.indexOf(' ')));
}

test('a node cut from PostgreSQL stops its domains before anyone may take them; healed, it rejoins and takes its share back', async (context) => {
  const { cluster } = context;
  const pg = await through(context, context.db.url);
  await cluster.start('n1');
  await cluster.start('n2');
  await cluster.start('n3', { postgres: pg.url });
  await cluster.placedOn(THREE);
  const moved = domainsOf('n3', THREE);
  assert.ok(moved.length > 0, 'n3 runs some domains');

  pg.proxy.blackhole();
  const cutAt = Date.now();
  await until(
    'n3 fences itself',
    async () => (await cluster.nodes.get('n3')?.output()) ?? '',
    (out) => out.includes('shard_fenced'),
  );
  const fencedAt = await loggedAt(cluster, 'n3', /shard_fenced/);
  const cut = await health(cluster, 'n3');
  assert.is(cut.code, 503, JSON.stringify(cut.body));
  assert.is(cut.body.cluster?.leaseStorage, 'failing');

  await cluster.placedOn(['n1', 'n2']);
  // Single activation across the cut: every moved domain went active elsewhere only after n3 had
  // stopped it (both times from the same machine's clock).
  const activated = await context.db.query<{ domain_name: string; first: string }>(
    `select domain_name, min(occurred_at) as first from domain_activation_history
     where event = 'activated' and node_id <> 'n3' and domain_name = any($1::text[]) and occurred_at >= $2 group by domain_name`,
    [moved, cutAt],
  );
  assert.is(activated.length, moved.length);
  for (const row of activated) assert.ok(Number(row.first) > fencedAt, `${row.domain_name} active at ${row.first}, fenced at ${fencedAt}`);

  pg.proxy.heal();
  await cluster.placedOn(THREE);
  assert.is((await health(cluster, 'n3')).code, 200);
  const runs = await context.db.query<{ stopped_at: string | null }>(`select stopped_at from runtime_runs where node_id = 'n3'`);
  assert.equal(runs, [{ stopped_at: null }], 'its run, closed as unclean while it was away, is open again');
  assert.equal(await ledgerViolations(context.db), []);
});

test('a node cut from NATS keeps its domains, reports its ticks starved, and recovers when healed', async (context) => {
  const { cluster } = context;
  const nats = await through(context, TEST_NATS);
  await cluster.start('n1');
  await cluster.start('n2');
  await cluster.start('n3', { nats: nats.url });
  await cluster.placedOn(THREE);
  nats.proxy.blackhole();
  const starved = await until(
    'n3 reports starved ticks',
    () => health(cluster, 'n3'),
    (h) => h.body.cluster?.ticks === 'starved',
  );
  assert.is(starved.body.status, 'degraded');
  assert.is(starved.code, 200, 'still ready: it holds its leases');
  // Ownership does not move: PostgreSQL still sees n3 renew its leases.
  const owners = await currentOwners(context.db);
  for (const domain of domainsOf('n3', THREE)) assert.is(owners.get(domain)?.node, 'n3', domain);
  nats.proxy.heal();
  await until(
    'n3 gets ticks again',
    () => health(cluster, 'n3'),
    (h) => h.body.cluster?.ticks === 'ok' && h.body.status === 'ok',
  );
  await cluster.placedOn(THREE);
  assert.equal(await ledgerViolations(context.db), []);
});

test('PostgreSQL down for every node: every node fences itself; back up, every domain is active again', async (context) => {
  const { cluster } = context;
  const proxies: TcpProxy[] = [];
  for (const id of THREE) {
    const pg = await through(context, context.db.url);
    proxies.push(pg.proxy);
    await cluster.start(id, { postgres: pg.url });
  }
  await cluster.placedOn(THREE);
  for (const proxy of proxies) proxy.refuse();
  for (const id of THREE) {
    await until(
      `${id} fences itself`,
      async () => (await cluster.nodes.get(id)?.output()) ?? '',
      (out) => out.includes('shard_fenced'),
    );
  }
  for (const proxy of proxies) proxy.heal();
  await cluster.placedOn(THREE);
  assert.equal(await ledgerViolations(context.db), []);
});

test('NATS down for every node: ticks stop reaching the nodes; back up, ticks and events flow again', async (context) => {
  const { cluster } = context;
  const proxies: TcpProxy[] = [];
  for (const id of THREE) {
    const nats = await through(context, TEST_NATS);
    proxies.push(nats.proxy);
    await cluster.start(id, { nats: nats.url });
  }
  await cluster.placedOn(THREE);
  for (const proxy of proxies) proxy.refuse();
  for (const id of THREE) {
    await until(
      `${id} reports starved ticks`,
      () => health(cluster, id),
      (h) => h.body.cluster?.ticks === 'starved',
    );
  }
  // The ledger is untouched: PostgreSQL still holds every lease, every domain stays where it was.
  const during = await currentOwners(context.db);
  for (const id of THREE) for (const domain of domainsOf(id, THREE)) assert.is(during.get(domain)?.node, id, domain);
  for (const proxy of proxies) proxy.heal();
  for (const id of THREE) {
    await until(
      `${id} gets ticks again`,
      () => health(cluster, id),
      (h) => h.body.cluster?.ticks === 'ok',
    );
  }
  // Events flow again: n2 leaves, and n1's registry (fed only by the event stream for domains
  // it does not run) sees n2's domains active on their new owners.
  const moved = domainsOf('n2', THREE);
  assert.ok(moved.length > 0, 'n2 runs some domains');
  assert.is((await cluster.stop('n2', 'SIGTERM')).code, 0);
  const owners = ownersOf(['n1', 'n3']);
  const viewer = await cluster.viewer('n1');
  await until(
    `n1's registry sees n2's domains active on n1 and n3`,
    async () =>
      ((await (await fetch(new URL('/api/domains', viewer))).json()) as { domains: Array<{ name: string; status: string; node?: string }> })
        .domains,
    (domains) =>
      moved.every((name) =>
        domains.some((domain) => domain.name === name && domain.status === 'active' && domain.node === owners[shardOf(name)]),
      ),
  );
  assert.equal(await ledgerViolations(context.db), []);
});

test.run();
