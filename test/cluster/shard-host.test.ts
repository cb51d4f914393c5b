/**
 * The shard host on a real actor system: a shard's domains start under its own supervisor with
 * the lease epoch on every event they publish, a start whose lease was lost meanwhile is killed
 * once it is up (a fence cannot kill what is not running yet), a start under a newer epoch
 * replaces a stale incarnation, and a handoff deactivates with reason `handoff`.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type ActorSystem, createActorSystem } from '../../src/actor/actor-system.ts';
import { ShardHost } from '../../src/cluster/shard-host.ts';
import { defineDomain, TickBus } from '../../src/domain/index.ts';
import type { DomainEvent, ThunderlineEvent } from '../../src/events.ts';
import { type DynamicSupervisorRef, startDynamicSupervisor } from '../../src/supervisor/dynamic-supervisor.ts';
import { until } from '../support/gate.ts';
import { within } from '../support/within.ts';

interface Context {
  system: ActorSystem;
  domains: DynamicSupervisorRef;
  host: ShardHost;
  events: DomainEvent[];
  shard: number;
}

const test = suite<Context>('cluster shard host');

test.before.each(async (context) => {
  context.system = createActorSystem();
  context.domains = await startDynamicSupervisor(context.system, { name: 'domains' });
  context.events = [];
  context.system.pubsub.subscribe('*', (event: ThunderlineEvent) => {
    if (event.type.startsWith('domain_')) context.events.push(event as DomainEvent);
  });
  context.host = new ShardHost({
    definitions: [defineDomain({ name: 'billing', async activate() {} })],
    deps: { tickBus: new TickBus(), activationTimeoutMs: 60_000, currentTick: () => 0 },
    supervisor: () => context.domains,
    nodeId: 'n1',
  });
  context.shard = context.host.shardOf('billing');
});

test.after.each(async (context) => {
  await context.domains.stop();
  context.system.stop();
});

test('a shard starts with its domains waiting, each event carrying node, shard and epoch', async ({ host, shard, events }) => {
  assert.ok(await within(host.start(shard, 3), 'start'));
  assert.ok(host.runsHere('billing'));
  await within(
    until(() => events.length > 0),
    'waiting',
  );
  assert.equal(
    events.map((event) => [event.type, event.node, event.shard, event.epoch]),
    [['domain_waiting', 'n1', shard, 3]],
  );
  assert.ok(await host.start(shard, 3), 'the same epoch again is the same incarnation');
  assert.is(events.length, 1, 'not started twice');
});

test('a start whose lease was lost while it started is killed once it is up', async ({ host, shard, domains }) => {
  assert.not.ok(
    await within(
      host.start(shard, 1, () => false),
      'start',
    ),
  );
  assert.not.ok(host.runsHere('billing'));
  assert.is(host.find('billing'), undefined);
  await within(
    until(() => domains.countChildren().active === 0),
    'the shard supervisor gone',
  );
});

test('a start under a newer epoch replaces the incarnation of an older one', async ({ host, shard, events }) => {
  await host.start(shard, 1);
  const old = host.find('billing');
  assert.ok(old);
  assert.ok(await host.start(shard, 2));
  const fresh = host.find('billing');
  assert.ok(fresh && fresh !== old);
  await within(
    until(() => events.some((event) => event.type === 'domain_waiting' && event.epoch === 2)),
    'waiting at epoch 2',
  );
  // The old incarnation died with its shard supervisor (killed, as a fence kills): its crash is its own epoch's.
  assert.ok(events.some((event) => event.type === 'domain_crashed' && event.epoch === 1));
  assert.not.ok(events.some((event) => event.type === 'domain_crashed' && event.epoch === 2));
});

test('a handoff deactivates with reason handoff; a last stop with shutdown', async ({ host, shard, events }) => {
  await host.start(shard, 1);
  await within(host.stop(shard, 'handoff'), 'stop');
  assert.not.ok(host.runsHere('billing'));
  const stopped = events.find((event) => event.type === 'domain_deactivated');
  assert.is(stopped?.reason, 'handoff');
  assert.is(stopped?.epoch, 1);
  await host.start(shard, 2);
  await within(host.stop(shard, 'shutdown'), 'stop');
  assert.is(events.filter((event) => event.type === 'domain_deactivated').at(-1)?.reason, 'shutdown');
});

test.run();
