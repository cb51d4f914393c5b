/**
 * The domain registry: the in-memory table (synchronous lookups, last 100 changes, restart
 * counts, derived failures) and the registry actor (flush per tick, on request and on stop).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DomainRegistryTable, spawnDomainRegistry } from '../../actors/domain-registry.ts';
import { type ActorSystem, createActorSystem } from '../../src/actor/actor-system.ts';
import { ManualClock } from '../../src/clock.ts';
import type { DomainEvent, DomainEventType, SupervisorEvent, ThunderlineEvent } from '../../src/events.ts';
import { openStore, type RegistryStore } from '../../src/store/index.ts';

const WALL_ORIGIN = Date.UTC(2026, 0, 1);

interface TableContext {
  clock: ManualClock;
  store: RegistryStore;
  table: DomainRegistryTable;
  system: ActorSystem | undefined;
}

function fresh(context: TableContext): void {
  context.clock = new ManualClock();
  context.store = openStore(':memory:');
  context.store.beginRun({ runId: 'run-1', startedAt: WALL_ORIGIN, tickIntervalMs: null, version: 'test' });
  context.table = new DomainRegistryTable({ store: context.store, runId: 'run-1', clock: context.clock });
  context.system = undefined;
}

function close(context: TableContext): void {
  context.system?.stop();
  context.store.close();
}

function domainEvent(type: DomainEventType, domain: string, tick: number, reason?: string): DomainEvent {
  const event: DomainEvent = { type, domain, tick, time: '2026-01-01T00:00:00.000Z' };
  if (reason !== undefined) event.reason = reason;
  return event;
}

function tickEvent(tick: number): ThunderlineEvent {
  return { type: 'tick', tick, at: tick * 1000, time: '2026-01-01T00:00:00.000Z', activeDomains: 0, lateMs: 0 };
}

function escalated(supervisor: string, child: string): SupervisorEvent {
  return { type: 'supervisor_escalated', supervisor, child, time: '2026-01-01T00:00:00.000Z', reason: 'gave up', restarts: 4 };
}

const table = suite<TableContext>('domain registry: table', {} as TableContext);
table.before.each(fresh);
table.after.each(close);

table('tracks each domain’s status, tick, activation time and restarts', (context) => {
  const { table: registry, clock } = context;
  registry.apply(domainEvent('domain_waiting', 'billing', 0));
  registry.apply(domainEvent('domain_waiting', 'shipping', 0));
  registry.apply(tickEvent(1));
  clock.advance(40);
  registry.apply(domainEvent('domain_activated', 'billing', 1));
  assert.equal(registry.activeDomains(), ['billing']);
  assert.is(registry.activeCount(), 1);
  assert.is(registry.currentTick(), 1);
  registry.apply(tickEvent(2));
  registry.apply(domainEvent('domain_crashed', 'billing', 2, 'boom'));
  registry.apply(domainEvent('domain_restarting', 'billing', 2));
  registry.apply(domainEvent('domain_waiting', 'billing', 2));
  registry.apply(tickEvent(3));
  clock.advance(10);
  registry.apply(domainEvent('domain_activated', 'billing', 3));
  registry.apply(tickEvent(7));

  assert.equal(registry.domainStatus('billing'), {
    name: 'billing',
    status: 'active',
    tick: 3,
    lastTick: 7,
    activatedAt: WALL_ORIGIN + 50,
    restarts: 1,
    updatedAt: WALL_ORIGIN + 50,
    reason: undefined,
  });
  // A waiting domain's last tick is the one at which it last changed.
  assert.is(registry.domainStatus('shipping')?.lastTick, 0);
  assert.is(registry.domainStatus('nobody'), undefined);
  assert.equal(
    registry.statuses().map((status) => `${status.name}:${status.status}`),
    ['billing:active', 'shipping:waiting'],
  );
});

table('history is newest first, filtered by domain, limited, and keeps only the last 100', (context) => {
  const { table: registry } = context;
  for (let index = 0; index < 120; index += 1) registry.apply(domainEvent('domain_waiting', index % 2 === 0 ? 'even' : 'odd', index));
  assert.is(registry.history().length, 100);
  assert.is(registry.history()[0]?.tick, 119);
  assert.is(registry.history().at(-1)?.tick, 20);
  assert.equal(
    registry.history({ domain: 'even', limit: 3 }).map((entry) => entry.tick),
    [118, 116, 114],
  );
  assert.equal(registry.history({ limit: 2 }), [
    { domain: 'odd', event: 'waiting', status: 'waiting', tick: 119, occurredAt: WALL_ORIGIN, reason: undefined },
    { domain: 'even', event: 'waiting', status: 'waiting', tick: 118, occurredAt: WALL_ORIGIN, reason: undefined },
  ]);
});

table('flush writes every pending change in one batch, in order, and only once', (context) => {
  const { table: registry, store } = context;
  registry.apply(domainEvent('domain_waiting', 'billing', 0));
  registry.apply(domainEvent('domain_activated', 'billing', 1));
  registry.apply(domainEvent('domain_crashed', 'billing', 1, 'boom'));
  assert.is(registry.pendingCount(), 3);
  assert.equal(store.readHistory(), [], 'nothing is written before a flush');
  assert.is(registry.flush(), 3);
  assert.is(registry.pendingCount(), 0);
  assert.is(registry.flush(), 0);
  const rows = store.readHistory().reverse();
  assert.equal(
    rows.map((row) => [row.domainName, row.event, row.tickCount, row.metadata, row.runId]),
    [
      ['billing', 'waiting', 0, {}, 'run-1'],
      ['billing', 'activated', 1, {}, 'run-1'],
      ['billing', 'crashed', 1, { reason: 'boom' }, 'run-1'],
    ],
  );
  const [row] = store.readDomains();
  assert.equal([row?.status, row?.tickCount, row?.activatedAt], ['crashed', 1, WALL_ORIGIN]);
});

table('a failed flush keeps the changes pending', (context) => {
  const { table: registry, store } = context;
  registry.apply(domainEvent('domain_waiting', 'billing', 0));
  store.close();
  assert.throws(() => registry.flush(), /closed/);
  assert.is(registry.pendingCount(), 1);
  context.store = openStore(':memory:');
});

table('the domains supervisor giving up implies domain_failed for a crashed domain only', (context) => {
  const { table: registry } = context;
  registry.apply(domainEvent('domain_waiting', 'billing', 0));
  registry.apply(domainEvent('domain_crashed', 'billing', 0, 'boom'));
  registry.apply(domainEvent('domain_waiting', 'shipping', 0));
  registry.apply(tickEvent(4));
  assert.equal(registry.apply(escalated('domains', 'billing')), {
    type: 'domain_failed',
    domain: 'billing',
    tick: 4,
    time: '2026-01-01T00:00:00.000Z',
    reason: 'gave up',
  });
  // Not crashed: not failed. Not the domains supervisor (a domain's own child of that name): ignored.
  assert.is(registry.apply(escalated('domains', 'shipping')), undefined);
  assert.is(registry.apply(escalated('billing', 'billing')), undefined);
  // Implying is not recording: the failure is recorded when the implied event comes back.
  assert.is(registry.domainStatus('billing')?.status, 'crashed');
  registry.apply(domainEvent('domain_failed', 'billing', 4, 'gave up'));
  assert.is(registry.domainStatus('billing')?.status, 'failed');
});

table.run();

// ---

const actor = suite<TableContext>('domain registry: actor', {} as TableContext);
actor.before.each((context) => {
  fresh(context);
  context.system = createActorSystem({ clock: context.clock });
});
actor.after.each(close);

actor('applies pubsub events in its own turn, through its mailbox, and writes them on the next tick', async (context) => {
  const system = context.system as ActorSystem;
  const ref = await spawnDomainRegistry(context.table, system);
  system.pubsub.publish('system:domain_waiting', domainEvent('domain_waiting', 'billing', 0));
  assert.is(context.table.domainStatus('billing'), undefined, 'not applied in the publisher turn');
  system.pubsub.publish('system:domain_tick', tickEvent(1));
  assert.is(context.table.currentTick(), 1, 'the tick number is kept at once');
  await ref.call({ type: 'drain' });
  assert.is(context.table.domainStatus('billing')?.status, 'waiting');
  // The tick's drain wrote the change; a flush finds nothing left to write.
  assert.is(context.store.readHistory().length, 1);
  assert.is(await ref.call({ type: 'flush' }), 0);
  await ref.stop();
});

actor('applies what was published while no registry actor ran, once the next one starts', async (context) => {
  const system = context.system as ActorSystem;
  const first = await spawnDomainRegistry(context.table, system);
  system.pubsub.publish('system:domain_waiting', domainEvent('domain_waiting', 'billing', 0));
  first.kill('boom');
  system.pubsub.publish('system:domain_activated', domainEvent('domain_activated', 'billing', 1));
  system.pubsub.publish('system:domain_waiting', domainEvent('domain_waiting', 'shipping', 1));
  const second = await spawnDomainRegistry(context.table, system);
  assert.is(await second.call({ type: 'flush' }), 3);
  assert.is(context.table.domainStatus('billing')?.status, 'active');
  assert.is(context.table.domainStatus('shipping')?.status, 'waiting');
  assert.equal(
    context.store.readHistory().map((row) => `${row.domainName}:${row.event}`),
    ['shipping:waiting', 'billing:activated', 'billing:waiting'],
  );
  await second.stop();
});

actor('a subscriber that throws on the same topics never detaches the registry', async (context) => {
  const system = context.system as ActorSystem;
  const ref = await spawnDomainRegistry(context.table, system);
  for (const topic of ['system:domain_waiting', 'system:domain_activated', '*']) {
    system.pubsub.subscribe(topic, () => {
      throw new Error(`listener on ${topic} failed`);
    });
  }
  system.pubsub.publish('system:domain_waiting', domainEvent('domain_waiting', 'billing', 0));
  system.pubsub.publish('system:domain_activated', domainEvent('domain_activated', 'billing', 1));
  await ref.call({ type: 'flush' });
  assert.is(context.table.domainStatus('billing')?.status, 'active');
  system.pubsub.publish('system:domain_crashed', domainEvent('domain_crashed', 'billing', 2, 'boom'));
  await ref.call({ type: 'flush' });
  assert.is(context.table.domainStatus('billing')?.status, 'crashed');
  await ref.stop();
});

actor('publishes domain_failed when the domains supervisor gives up on a crashed domain', async (context) => {
  const system = context.system as ActorSystem;
  const ref = await spawnDomainRegistry(context.table, system);
  const failed: ThunderlineEvent[] = [];
  system.pubsub.subscribe('system:domain_failed', (event) => void failed.push(event));
  system.pubsub.publish('system:domain_crashed', domainEvent('domain_crashed', 'billing', 0, 'boom'));
  system.pubsub.publish('system:supervisor_escalated', escalated('domains', 'billing'));
  await ref.call({ type: 'flush' });
  assert.equal(
    failed.map((event) => (event as DomainEvent).domain),
    ['billing'],
  );
  assert.is(context.table.domainStatus('billing')?.status, 'failed');
  assert.equal(
    context.table.history().map((entry) => entry.event),
    ['failed', 'crashed'],
  );
  await ref.stop();
});

actor('writes what is pending when it stops, and listens no more', async (context) => {
  const system = context.system as ActorSystem;
  const ref = await spawnDomainRegistry(context.table, system);
  system.pubsub.publish('system:domain_waiting', domainEvent('domain_waiting', 'billing', 0));
  await ref.stop();
  assert.is(context.store.readHistory().length, 1);
  system.pubsub.publish('system:domain_activated', domainEvent('domain_activated', 'billing', 1));
  assert.is(context.table.domainStatus('billing')?.status, 'waiting');
});

actor.run();
