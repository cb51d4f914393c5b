/**
 * A bounded chaos loop over three real node processes: each round kills a node (`kill -9`), stops
 * one (SIGTERM), cuts one from PostgreSQL or from NATS, or flaps its PostgreSQL link, then heals
 * and restarts what it broke. After every round every domain is active on the node the shard map
 * gives it and the ledger's invariants hold. Rounds and seed come from
 * `THUNDERLINE_CHAOS_ROUNDS` (default 6) and `THUNDERLINE_CHAOS_SEED` (default random; a failure
 * names the seed to replay it).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { seededRandom } from '../../actors/cerebros/search-space.ts';
import { ledgerViolations } from '../support/cluster-invariants.ts';
import { TestCluster, until } from '../support/cluster-nodes.ts';
import { type FreshDatabase, freshDatabase, TEST_NATS } from '../support/cluster-services.ts';
import { type TcpProxy, tcpProxy } from '../support/tcp-proxy.ts';

const ROUNDS = Number(process.env.THUNDERLINE_CHAOS_ROUNDS ?? 6);
const SEED = Number(process.env.THUNDERLINE_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const IDS = ['n1', 'n2', 'n3'];
const ACTIONS = ['kill', 'term', 'cut-postgres', 'cut-nats', 'flap-postgres'] as const;

interface Context {
  db: FreshDatabase;
  cluster: TestCluster;
  links: Map<string, { postgres: TcpProxy; nats: TcpProxy; urls: { postgres: string; nats: string } }>;
}

const test = suite<Context>('cluster chaos (kill, stop, partition, flap; invariants after every round)');

test.before(async (context) => {
  context.db = await freshDatabase();
  context.cluster = new TestCluster(context.db);
  context.links = new Map();
  for (const id of IDS) {
    const postgres = await tcpProxy(Number(new URL(context.db.url).port || 5432));
    const nats = await tcpProxy(Number(new URL(TEST_NATS).port || 4222));
    const pgUrl = new URL(context.db.url);
    pgUrl.port = String(postgres.port);
    context.links.set(id, { postgres, nats, urls: { postgres: pgUrl.toString(), nats: `nats://127.0.0.1:${nats.port}` } });
  }
});

test.after(async (context) => {
  await context.cluster.close();
  for (const link of context.links.values()) {
    await link.postgres.close();
    await link.nats.close();
  }
  await context.db.drop();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test(`${ROUNDS} rounds, seed ${SEED}`, async (context) => {
  const { cluster, links } = context;
  const link = (id: string) => links.get(id) as NonNullable<ReturnType<typeof links.get>>;
  for (const id of IDS) await cluster.start(id, link(id).urls);
  await cluster.placedOn(IDS);
  const next = seededRandom(SEED);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  for (let round = 1; round <= ROUNDS; round += 1) {
    const action = pick(ACTIONS);
    const id = pick(IDS);
    const others = IDS.filter((other) => other !== id);
    const where = `seed ${SEED}, round ${round}: ${action} ${id}`;
    try {
      switch (action) {
        case 'kill':
        case 'term': {
          const exit = await cluster.stop(id, action === 'kill' ? 'SIGKILL' : 'SIGTERM');
          if (action === 'term') assert.is(exit.code, 0, exit.stderr);
          await cluster.placedOn(others);
          await cluster.start(id, link(id).urls);
          break;
        }
        case 'cut-postgres': {
          const before = ((await cluster.nodes.get(id)?.output()) ?? '').split('shard_fenced').length;
          link(id).postgres.blackhole();
          await until(
            `${id} fences itself`,
            async () => ((await cluster.nodes.get(id)?.output()) ?? '').split('shard_fenced').length,
            (n) => n > before,
          );
          await cluster.placedOn(others);
          link(id).postgres.heal();
          break;
        }
        case 'cut-nats': {
          link(id).nats.blackhole();
          const viewer = await cluster.viewer(id);
          await until(
            `${id} reports starved ticks`,
            async () => ((await (await fetch(new URL('/health', viewer))).json()) as { cluster?: { ticks: string } }).cluster?.ticks,
            (ticks) => ticks === 'starved',
          );
          link(id).nats.heal();
          break;
        }
        case 'flap-postgres': {
          // Shorter cuts than the fence margin, then one longer: the node may or may not fence.
          for (const ms of [150, 250, 150, 700]) {
            link(id).postgres.blackhole();
            await pause(ms);
            link(id).postgres.heal();
            await pause(150);
          }
          break;
        }
      }
      await cluster.placedOn(IDS, 45_000);
      assert.equal(await ledgerViolations(context.db), [], where);
    } catch (error) {
      throw new Error(`${where}: ${(error as Error).message}`);
    }
  }
});

test.run();
