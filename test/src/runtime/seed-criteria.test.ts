/**
 * The validation criteria of the tick system (phase 1) and of domain activation (phase 2), one
 * test each, driven through the embedding API (`docs/api.md`) on a ManualClock.
 */
import diagnostics from 'node:diagnostics_channel';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineDomain } from '../../../index.ts';
import type { DomainEvent, TickEvent } from '../../../src/events.ts';
import {
  boot,
  diskDomain,
  diskHistory,
  diskRun,
  emptyContext,
  nextEvent,
  type RuntimeContext,
  setUp,
  tearDown,
  tick,
  tmpDb,
  withDb,
} from './helpers.ts';

const WALL_ORIGIN = Date.UTC(2026, 0, 1);

const phase1 = suite<RuntimeContext>('Phase 1: tick system', emptyContext());
phase1.before.each(setUp);
phase1.after.each(tearDown);

phase1('the tick generator starts with the runtime and ticks every second by default', async (context) => {
  const file = tmpDb(context);
  // tickInterval left out: the default must be 1000 ms.
  const runtime = await boot(context, { tickInterval: undefined, database: file });
  assert.is(runtime.tickInterval, 1000);
  assert.is(diskRun(file, runtime.runId)?.tick_interval_ms, 1000);

  // No timer is due before 1000 ms, so advancing 999 ms cannot start a tick.
  context.clock.advance(999);
  assert.is(runtime.currentTick(), 0);

  const seen: TickEvent[] = [];
  for (let second = 1; second <= 3; second += 1) {
    const next = nextEvent<TickEvent>(runtime, (event) => event.type === 'tick', `tick ${second}`);
    context.clock.advance(second === 1 ? 1 : 1000);
    seen.push(await next);
  }
  assert.equal(
    seen.map((event) => [event.tick, event.at, event.lateMs, event.time]),
    [
      [1, 1000, 0, new Date(WALL_ORIGIN + 1000).toISOString()],
      [2, 2000, 0, new Date(WALL_ORIGIN + 2000).toISOString()],
      [3, 3000, 0, new Date(WALL_ORIGIN + 3000).toISOString()],
    ],
  );
});

phase1('the registry receives every tick and tracks the tick count', async (context) => {
  const flow = defineDomain({ name: 'thunderflow' });
  const runtime = await boot(context, { domains: [flow] });
  assert.is(runtime.currentTick(), 0);
  for (let expected = 1; expected <= 4; expected += 1) {
    assert.is(await tick(runtime), expected);
    assert.is(runtime.currentTick(), expected);
    assert.is(runtime.registry.currentTick(), expected);
    assert.is(runtime.registry.domainStatus('thunderflow')?.lastTick, expected);
  }
  const ticks = context.events.filter((event): event is TickEvent => event.type === 'tick');
  // Each tick carries the registry's active count as it stood when the tick was emitted.
  assert.equal(
    ticks.map((event) => [event.tick, event.activeDomains]),
    [
      [1, 0],
      [2, 1],
      [3, 1],
      [4, 1],
    ],
  );
});

phase1('every tick is published on system:domain_tick', async (context) => {
  const runtime = await boot(context);
  const received: TickEvent[] = [];
  const off = runtime.subscribe('system:domain_tick', (event) => received.push(event as TickEvent));
  await tick(runtime);
  await tick(runtime);
  off();
  assert.equal(
    received.map((event) => event.tick),
    [1, 2],
  );
  assert.equal(Object.keys(received[0] ?? {}).sort(), ['activeDomains', 'at', 'lateMs', 'tick', 'time', 'type']);
});

phase1('telemetry fires on diagnostics_channel thunderline:tick', async (context) => {
  const runtime = await boot(context, { domains: [defineDomain({ name: 'thunderflow' })] });
  const messages: unknown[] = [];
  const listener = (message: unknown): void => {
    messages.push(message);
  };
  diagnostics.subscribe('thunderline:tick', listener);
  try {
    await tick(runtime);
    await tick(runtime);
  } finally {
    diagnostics.unsubscribe('thunderline:tick', listener);
  }
  assert.is(messages.length, 2);
  const [first, second] = messages as Array<Record<string, unknown>>;
  assert.equal({ ...first, latencyMs: 0 }, { count: 1, latencyMs: 0, activeDomains: 0, lateMs: 0, missedDeadlines: 0 });
  assert.is(second?.count, 2);
  assert.is(second?.activeDomains, 1);
  assert.type(first?.latencyMs, 'number');
});

phase1('the three registry tables exist, with the columns of docs/api.md, in WAL mode', async (context) => {
  const file = tmpDb(context);
  await boot(context, { database: file });
  const columns = withDb(file, (db) => {
    const names = (table: string): string[] =>
      db
        .prepare<[], { name: string }>(`PRAGMA table_info(${table})`)
        .all()
        .map((row) => row.name);
    return {
      journal: db.pragma('journal_mode', { simple: true }),
      tables: db
        .prepare<[], { name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%' ORDER BY name",
        )
        .all()
        .map((row) => row.name),
      registry: names('active_domain_registry'),
      history: names('domain_activation_history'),
      runs: names('runtime_runs'),
    };
  });
  assert.is(columns.journal, 'wal');
  for (const table of ['active_domain_registry', 'domain_activation_history', 'runtime_runs']) {
    assert.ok(columns.tables.includes(table), `table ${table} in ${columns.tables.join(', ')}`);
  }
  assert.equal(columns.registry, ['id', 'domain_name', 'status', 'tick_count', 'metadata', 'activated_at', 'updated_at', 'run_id']);
  assert.equal(columns.history, ['id', 'run_id', 'domain_name', 'event', 'tick_count', 'occurred_at', 'metadata']);
  assert.equal(columns.runs, ['run_id', 'started_at', 'stopped_at', 'stop_reason', 'tick_interval_ms', 'version', 'pid']);
});

phase1.run();

// ---

const phase2 = suite<RuntimeContext>('Phase 2: domain activation', emptyContext());
phase2.before.each(setUp);
phase2.after.each(tearDown);

phase2('a domain waits for the first tick before it activates', async (context) => {
  const calls: number[] = [];
  const flow = defineDomain({ name: 'thunderflow', activate: (tickNumber) => void calls.push(tickNumber) });
  const runtime = await boot(context, { domains: [flow] });
  // Time passing is not a tick: well inside the activation timeout, nothing activates.
  context.clock.advance(20_000);
  assert.equal(calls, []);
  assert.is(runtime.registry.domainStatus('thunderflow')?.status, 'waiting');
  assert.equal(runtime.registry.activeDomains(), []);
  assert.is(runtime.registry.activeCount(), 0);
  assert.equal(
    runtime.registry.history().map((entry) => [entry.domain, entry.event, entry.tick]),
    [['thunderflow', 'waiting', 0]],
  );
});

phase2('the first tick activates it; the activation is published and recorded in memory and in SQLite', async (context) => {
  const file = tmpDb(context);
  const calls: Array<{ tick: number; domain: string; event: number | undefined }> = [];
  const flow = defineDomain({
    name: 'thunderflow',
    activate: (tickNumber, meta) => void calls.push({ tick: tickNumber, domain: meta.domain, event: meta.event?.tick }),
  });
  const runtime = await boot(context, { domains: [flow], database: file });
  context.clock.advance(250);
  const activated = nextEvent<DomainEvent>(runtime, (event) => event.type === 'domain_activated', 'domain_activated');
  assert.is(await tick(runtime), 1);

  assert.equal(await activated, {
    type: 'domain_activated',
    domain: 'thunderflow',
    tick: 1,
    time: new Date(WALL_ORIGIN + 250).toISOString(),
  });
  assert.equal(calls, [{ tick: 1, domain: 'thunderflow', event: 1 }]);

  const status = runtime.registry.domainStatus('thunderflow');
  assert.equal(status, {
    name: 'thunderflow',
    status: 'active',
    tick: 1,
    lastTick: 1,
    activatedAt: WALL_ORIGIN + 250,
    restarts: 0,
    updatedAt: WALL_ORIGIN + 250,
    reason: undefined,
  });
  assert.equal(runtime.registry.activeDomains(), ['thunderflow']);
  assert.is(runtime.registry.activeCount(), 1);
  assert.equal(
    runtime.registry.history({ domain: 'thunderflow' }).map((entry) => [entry.event, entry.status, entry.tick]),
    [
      ['activated', 'active', 1],
      ['waiting', 'waiting', 0],
    ],
  );

  // tick() resolved, so the registry has written the activation: another connection sees it.
  const row = diskDomain(file, 'thunderflow');
  assert.ok(row, 'a current row for the domain');
  assert.equal(
    { status: row.status, tick: row.tick_count, activatedAt: row.activated_at, updatedAt: row.updated_at, runId: row.run_id },
    { status: 'active', tick: 1, activatedAt: WALL_ORIGIN + 250, updatedAt: WALL_ORIGIN + 250, runId: runtime.runId },
  );
  assert.match(row.id, /^[0-9a-f-]{36}$/);
  assert.equal(diskHistory(file), [
    { domain: 'thunderflow', event: 'waiting', tick: 0, reason: undefined, runId: runtime.runId },
    { domain: 'thunderflow', event: 'activated', tick: 1, reason: undefined, runId: runtime.runId },
  ]);
});

phase2('later ticks never re-activate a domain; they only move its last tick', async (context) => {
  const file = tmpDb(context);
  let activations = 0;
  const flow = defineDomain({
    name: 'thunderflow',
    activate: () => {
      activations += 1;
    },
  });
  const runtime = await boot(context, { domains: [flow], database: file });
  for (let count = 0; count < 5; count += 1) await tick(runtime);

  assert.is(activations, 1);
  assert.equal(
    context.events.filter((event) => event.type === 'domain_activated').map((event) => (event as DomainEvent).tick),
    [1],
  );
  const status = runtime.registry.domainStatus('thunderflow');
  assert.is(status?.status, 'active');
  assert.is(status?.tick, 1);
  assert.is(status?.lastTick, 5);
  assert.equal(
    diskHistory(file).map((row) => row.event),
    ['waiting', 'activated'],
  );
  assert.is(diskDomain(file, 'thunderflow')?.activated_at, WALL_ORIGIN);
});

phase2.run();
