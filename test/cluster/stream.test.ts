/**
 * The cluster-wide event stream: two nodes in this process, each serving the dashboard stream.
 * Both serve every node's events in one order with the same `seq`, so a viewer that resumes with
 * `since` on the other node gets no gap and no duplicate; `hello` names the members and the leader;
 * the registry of either node answers for every domain; a domain is killed from the node that
 * does not run it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ownersOf, shardOf } from '../../src/cluster/shards.ts';
import { defineDomain } from '../../src/domain/index.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { startRuntime } from '../../supervisors/runtime.ts';
import { eventsUrl, WsProbe } from '../src/server/helpers.ts';
import { checkSchema, loadSchemas, schemaNameForEvent } from '../src/server/schema-check.ts';

const schemas = loadSchemas();

/** Problems of `value` against `docs/schemas/<name>.json`, prefixed with the name. */
function schemaProblems(name: string, value: unknown): string[] {
  const schema = schemas.get(name);
  if (!schema) return [`docs/schemas/${name}.json is missing`];
  return checkSchema(schema, value).map((problem) => `${name}: ${problem}`);
}

import { until } from '../support/cluster-nodes.ts';
import { type FreshDatabase, freshDatabase, TEST_NATS } from '../support/cluster-services.ts';

interface Context {
  db: FreshDatabase;
  nodes: Runtime[];
  probes: WsProbe[];
}

const test = suite<Context>('cluster event stream and registry across nodes');

test.before.each(async (context) => {
  context.db = await freshDatabase();
  context.nodes = [];
  context.probes = [];
});

test.after.each(async (context) => {
  for (const probe of context.probes) probe.ws.terminate();
  await Promise.all(context.nodes.map((node) => node.stop()));
  await context.db.drop();
});

const DOMAINS = Array.from({ length: 8 }, (_, i) => `d${i}`);

async function node(context: Context, nodeId: string): Promise<Runtime> {
  const runtime = await startRuntime({
    domains: DOMAINS.map((name) => defineDomain({ name })),
    tickInterval: 100,
    server: { port: 0 },
    cluster: { postgres: context.db.url, nats: TEST_NATS, nodeId, leaseTtlMs: 3000 },
  });
  context.nodes.push(runtime);
  return runtime;
}

type StreamEvent = { seq: number; type: string; node?: string; domain?: string; epoch?: number };

test('every node serves the cluster’s events with the same seqs; resuming on the other node loses and repeats nothing', async (context) => {
  const a = await node(context, 'a');
  const b = await node(context, 'b');
  // Both run their share, and each answers for every domain, with the node that runs it.
  const owners = ownersOf(['a', 'b']);
  const placed = (runtime: Runtime) => async () =>
    DOMAINS.every((name) => {
      const status = runtime.registry.domainStatus(name);
      return status?.status === 'active' && status.node === owners[shardOf(name)];
    });
  await until('node a sees every domain active on its owner', placed(a), (ok) => ok);
  await until('node b sees every domain active on its owner', placed(b), (ok) => ok);
  const where = new Map(a.registry.statuses().map((status) => [status.name, status.node]));
  assert.equal([...new Set(where.values())].sort(), ['a', 'b'], 'both nodes run some of the domains');

  const onA = await WsProbe.open(eventsUrl(a, 'since=0'));
  context.probes.push(onA);
  const hello = await onA.next<{ type: string; cluster: { node: string; members: string[]; leader: string | null } }>(
    (frame) => !Array.isArray(frame) && frame.type === 'hello',
    'hello',
  );
  assert.equal(schemaProblems('hello', hello), []);
  assert.is(hello.cluster.node, 'a');
  assert.equal(hello.cluster.members, ['a', 'b']);
  assert.ok(hello.cluster.leader === 'a' || hello.cluster.leader === 'b');

  // A kill issued on node a of a domain that runs on b: b restarts it; both streams show it.
  const victim = [...where].find(([, owner]) => owner === 'b')?.[0] as string;
  assert.is(await a.killAnywhere(victim, 'test kill'), 'b');
  await onA.waitForEvent((event) => event.type === 'domain_crashed' && event.domain === victim, `${victim} crashed`, 10_000);
  const crashed = (onA.events() as StreamEvent[]).find(
    (event) => event.type === 'domain_crashed' && event.domain === victim,
  ) as StreamEvent;
  assert.is(crashed.node, 'b');
  await onA.waitForEvent(
    (event) => event.type === 'domain_activated' && event.domain === victim && event.seq > crashed.seq,
    `${victim} active again`,
    10_000,
  );
  const seen = onA.events() as StreamEvent[];
  assert.ok(
    seen.every((event, index) => index === 0 || event.seq === (seen[index - 1] as StreamEvent).seq + 1),
    'no gap on one node',
  );
  assert.ok(
    seen.filter((event) => event.type.startsWith('domain_')).every((event) => typeof event.epoch === 'number' && event.node !== undefined),
    'every domain event carries its node and epoch',
  );
  assert.ok(seen.some((event) => event.type === 'tick'));
  assert.ok(seen.some((event) => event.type === 'shard_acquired'));
  // Every event of the cluster stream, from either node, matches its documented schema.
  assert.equal(
    seen.flatMap((event) => schemaProblems(schemaNameForEvent(event.type), event)),
    [],
  );

  // Resume on node b from the middle of what node a served.
  const middle = (seen[Math.floor(seen.length / 2)] as StreamEvent).seq;
  const onB = await WsProbe.open(eventsUrl(b, `since=${middle}`));
  context.probes.push(onB);
  const last = (seen.at(-1) as StreamEvent).seq;
  await onB.waitForEvent((event) => event.seq >= last, `node b to reach seq ${last}`, 10_000);
  const resumed = (onB.events() as StreamEvent[]).filter((event) => event.seq <= last);
  assert.is(resumed[0]?.seq, middle + 1, 'starts right after since');
  assert.equal(
    resumed,
    seen.filter((event) => event.seq > middle),
    'the same events, in the same order, with the same seqs',
  );
});

test.run();
