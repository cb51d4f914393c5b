/**
 * Timed ticks: the registry writes what a tick changed as soon as that tick's round completes
 * (every domain has handled it), not when the next tick comes. Time is a ManualClock, so no next
 * tick ever comes unless the test advances it: a ledger that waits for one never shows the round.
 * The ledger is read with a separate read-only connection, as another process would.
 */
import diagnostics from 'node:diagnostics_channel';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineDomain } from '../../../index.ts';
import { gate, until } from '../../support/gate.ts';
import { boot, bounded, emptyContext, nextDomainEvent, nextEvent, type RuntimeContext, setUp, tearDown, tmpDb } from './helpers.ts';

/** `event@tick` of every history row on disk, read-only. */
function ledger(file: string): string[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare<[], { event: string; tick_count: number; domain_name: string }>(
        'SELECT domain_name, event, tick_count FROM domain_activation_history ORDER BY id',
      )
      .all()
      .map((row) => `${row.domain_name}:${row.event}@${row.tick_count}`);
  } finally {
    db.close();
  }
}

/** Resolves once `condition` holds, looking each event-loop turn; fails after the guard, and then stops looking. */
async function eventually(what: string, condition: () => boolean): Promise<void> {
  let over = false;
  try {
    await bounded(
      until(() => over || condition()),
      what,
    );
  } finally {
    over = true;
  }
}

const rounds = suite<RuntimeContext>('registry: a flush per completed round', emptyContext());
rounds.before.each(setUp);
rounds.after.each(tearDown);

rounds('what tick 1 changed is on disk once its round completes, with no tick 2', async (context) => {
  const file = tmpDb(context);
  const runtime = await boot(context, {
    tickInterval: 1000,
    database: file,
    domains: [defineDomain({ name: 'billing' }), defineDomain({ name: 'search', async activate() {} })],
  });
  const activated = nextDomainEvent(runtime, 'domain_activated', 'search');
  context.clock.advance(1000);
  await activated;
  await eventually('tick 1 on disk', () => ledger(file).includes('search:activated@1'));
  assert.equal(ledger(file), ['billing:waiting@0', 'search:waiting@0', 'billing:activated@1', 'search:activated@1']);
  assert.is(runtime.currentTick(), 1, 'no second tick was needed');
});

rounds('a round still in flight is not written before it completes, then is', async (context) => {
  const file = tmpDb(context);
  const held = gate();
  const runtime = await boot(context, {
    tickInterval: 1000,
    database: file,
    domains: [defineDomain({ name: 'quick' }), defineDomain({ name: 'slow', activate: () => held.promise })],
  });
  const quick = nextDomainEvent(runtime, 'domain_activated', 'quick');
  context.clock.advance(1000);
  await quick;
  // Round 1 waits for "slow"; "quick"'s activation is written with the round, not alone.
  const flushed = nextTelemetryFlush();
  const slow = nextDomainEvent(runtime, 'domain_activated', 'slow');
  held.open();
  await slow;
  const flush = await bounded(flushed, 'the round flush');
  assert.is(flush.round, 1);
  assert.is(flush.rows, 2);
  assert.type(flush.durationMs, 'number');
  assert.equal(ledger(file).slice(2), ['quick:activated@1', 'slow:activated@1']);
});

rounds('a tick nobody changes anything in writes nothing', async (context) => {
  const file = tmpDb(context);
  const runtime = await boot(context, { tickInterval: 1000, database: file, domains: [defineDomain({ name: 'billing' })] });
  const first = nextEvent(runtime, (event) => event.type === 'domain_activated', 'activation');
  context.clock.advance(1000);
  await first;
  await eventually('tick 1 on disk', () => ledger(file).length === 2);
  const flushes: unknown[] = [];
  const listener = (message: unknown): void => void flushes.push(message);
  diagnostics.subscribe('thunderline:registry_flush', listener);
  try {
    const second = nextEvent(runtime, (event) => event.type === 'tick' && event.tick === 2, 'tick 2');
    context.clock.advance(1000);
    await second;
    await bounded(runtime.flush(), 'flush');
    assert.equal(flushes, []);
  } finally {
    diagnostics.unsubscribe('thunderline:registry_flush', listener);
  }
});

interface FlushTelemetry {
  rows: number;
  durationMs: number;
  round: number;
}

function nextTelemetryFlush(): Promise<FlushTelemetry> {
  return new Promise((resolve) => {
    const listener = (message: unknown): void => {
      diagnostics.unsubscribe('thunderline:registry_flush', listener);
      resolve(message as FlushTelemetry);
    };
    diagnostics.subscribe('thunderline:registry_flush', listener);
  });
}

rounds.run();
