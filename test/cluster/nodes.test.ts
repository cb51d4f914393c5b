/**
 * Three real `thunderline start` node processes on one PostgreSQL database and one NATS server:
 * they share the Thunderline domains by rendezvous; one is killed with SIGKILL, one stopped with
 * SIGTERM, a fourth joins; after each step the ledger's invariants hold and every domain is active
 * on the node the shard map gives it. Real time passes here (leases expire in PostgreSQL's clock),
 * so every wait is for a condition in the ledger, bounded by a guard; no wait decides a pass.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ownersOf, shardOf } from '../../src/cluster/shards.ts';
import { THUNDERLINE_DOMAINS } from '../../supervisors/thunderline.ts';
import { startCli } from '../src/cli/helpers.ts';
import { currentOwners, ledgerViolations } from '../support/cluster-invariants.ts';
import { type FreshDatabase, freshDatabase, TEST_NATS } from '../support/cluster-services.ts';

type Node = ReturnType<typeof startCli>;

interface Context {
  db: FreshDatabase;
  nodes: Map<string, Node>;
}

const test = suite<Context>('cluster of thunderline processes (kill -9, SIGTERM, join)');

test.before.each(async (context) => {
  context.db = await freshDatabase();
  context.nodes = new Map();
});

test.after.each(async (context) => {
  for (const node of context.nodes.values()) node.child.kill('SIGKILL');
  await Promise.all([...context.nodes.values()].map((node) => node.result));
  await context.db.drop();
});

const LEASE_TTL = 1500;

async function startNode(context: Context, id: string): Promise<Node> {
  const node = startCli(
    [
      'start',
      '--postgres',
      context.db.url,
      '--nats',
      TEST_NATS,
      '--node-id',
      id,
      '--tick-interval',
      '100',
      '--lease-ttl',
      String(LEASE_TTL),
      '--port',
      '0',
    ],
    { timeoutMs: 120_000 },
  );
  context.nodes.set(id, node);
  await node.waitFor(new RegExp(`node ${id}: member of`));
  return node;
}

/** Polls the ledger until `ready` holds (a guard of `ms` bounds a hang; it never decides a pass). */
async function until<T>(what: string, probe: () => Promise<T>, ready: (value: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T = await probe();
  while (!ready(last)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}; last: ${JSON.stringify(last, replacer)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await probe();
  }
  return last;
}

function replacer(_key: string, value: unknown): unknown {
  return value instanceof Map ? Object.fromEntries(value) : value;
}

/** Every domain active on the node the shard map of `members` gives it. */
async function placedOn(context: Context, members: string[]) {
  const owners = ownersOf(members);
  try {
    return await until(
      `every domain active on its owner among ${members.join(', ')}`,
      () => currentOwners(context.db),
      (current) =>
        THUNDERLINE_DOMAINS.every(
          (domain) => current.get(domain)?.status === 'active' && current.get(domain)?.node === owners[shardOf(domain)],
        ),
    );
  } catch (error) {
    // What the nodes said about leases and failures, to tell why.
    const notes: string[] = [];
    for (const [id, node] of context.nodes) {
      const lines = (await node.output()).split('\n').filter((line) => /fenced|lease_storage|operation_failed|member_|leader/.test(line));
      notes.push(`${id}: ${lines.slice(-12).join(' | ')}`);
    }
    throw new Error(`${(error as Error).message}\n${notes.join('\n')}`);
  }
}

const history = (context: Context, where = 'true') =>
  context.db.query<{ domain_name: string; event: string; node_id: string; metadata: string }>(
    `select domain_name, event, node_id, metadata from domain_activation_history where ${where} order by id`,
  );

test('three nodes share the domains; a killed node’s domains come back on the survivors; SIGTERM hands off; a fourth node takes its share', async (context) => {
  for (const id of ['n1', 'n2', 'n3']) await startNode(context, id);
  await placedOn(context, ['n1', 'n2', 'n3']);
  assert.equal(await ledgerViolations(context.db), []);
  const owners = ownersOf(['n1', 'n2', 'n3']);
  const byNode = (node: string) => THUNDERLINE_DOMAINS.filter((domain) => owners[shardOf(domain)] === node);
  // The node holding the most domains is the one to kill.
  const victim = ['n1', 'n2', 'n3'].sort((a, b) => byNode(b).length - byNode(a).length)[0] as string;
  const lost = byNode(victim);
  assert.ok(lost.length > 0, 'the victim runs some domains');

  // kill -9: its leases expire in PostgreSQL's clock, the survivors take its shards at a new epoch.
  context.nodes.get(victim)?.child.kill('SIGKILL');
  await context.nodes.get(victim)?.result;
  context.nodes.delete(victim);
  const survivors = ['n1', 'n2', 'n3'].filter((id) => id !== victim);
  await placedOn(context, survivors);
  assert.equal(await ledgerViolations(context.db), []);
  const ownerLost = (await history(context, `metadata like '%owner_lost%'`)).map((row) => row.domain_name).sort();
  assert.equal(ownerLost, [...lost].sort(), 'each domain of the dead node gets one owner_lost row');
  const runs = await context.db.query<{ node_id: string; stop_reason: string | null }>('select node_id, stop_reason from runtime_runs');
  await until(
    `the dead node's run closed by a survivor`,
    () => context.db.query<{ stop_reason: string | null }>('select stop_reason from runtime_runs where node_id = $1', [victim]),
    (rows) => rows[0]?.stop_reason?.startsWith('unclean') === true,
  );
  assert.is(runs.length, 3);

  // SIGTERM: a graceful leave hands every shard off before the process exits 0.
  const leaver = survivors[0] as string;
  const last = survivors[1] as string;
  const leaving = context.nodes.get(leaver) as Node;
  leaving.child.kill('SIGTERM');
  const exit = await leaving.result;
  context.nodes.delete(leaver);
  assert.is(exit.code, 0, exit.stderr);
  await placedOn(context, [last]);
  // Its own deactivations (an owner_lost row it wrote for the killed node's domains is not one).
  const handedOff = await history(context, `node_id = '${leaver}' and event = 'deactivated' and metadata not like '%owner_lost%'`);
  assert.ok(handedOff.length > 0);
  assert.ok(
    handedOff.every((row) => JSON.parse(row.metadata).reason === 'handoff'),
    JSON.stringify(handedOff),
  );
  assert.equal((await history(context, `metadata like '%owner_lost%'`)).length, lost.length, 'a handoff leaves nothing to mourn');

  // A new node joins and takes its share by handoff.
  await startNode(context, 'n4');
  await placedOn(context, [last, 'n4'].sort());
  assert.equal(await ledgerViolations(context.db), []);

  // Everyone stops: the last node's domains stop with 'shutdown' (no one takes them).
  for (const id of [...context.nodes.keys()]) {
    const node = context.nodes.get(id) as Node;
    node.child.kill('SIGTERM');
    assert.is((await node.result).code, 0);
    context.nodes.delete(id);
  }
  const final = await currentOwners(context.db);
  for (const domain of THUNDERLINE_DOMAINS) {
    if (final.get(domain)?.status === 'inactive') continue;
    const rows = await history(context, `domain_name = '${domain}'`);
    assert.unreachable(`${domain} ends ${final.get(domain)?.status}; its history: ${JSON.stringify(rows.slice(-8))}`);
  }
  assert.equal(await ledgerViolations(context.db), []);
  const ticks = await context.db.query<{ count: string; distinct: string }>(
    'select count(*) as count, count(distinct n) as distinct from cluster_ticks',
  );
  assert.ok(Number(ticks[0]?.count) > 0);
});

test.run();
