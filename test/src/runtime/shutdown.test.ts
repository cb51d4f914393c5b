/**
 * `runtime.stop()`: reverse start order, every domain deactivated and recorded `inactive`, the
 * run closed with `'shutdown'`, and nothing usable afterwards.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineDomain } from '../../../index.ts';
import type { DomainEvent, SupervisorEvent } from '../../../src/events.ts';
import {
  boot,
  bounded,
  diskDomain,
  diskHistory,
  diskRun,
  emptyContext,
  type RuntimeContext,
  rejection,
  setUp,
  tearDown,
  tick,
  tmpDb,
} from './helpers.ts';

const shutdown = suite<RuntimeContext>('runtime: stop', emptyContext());
shutdown.before.each(setUp);
shutdown.after.each(tearDown);

shutdown('stops in reverse start order and records every domain inactive with a deactivated row', async (context) => {
  const file = tmpDb(context);
  const log: string[] = [];
  const make = (name: string, waitForTick = true) =>
    defineDomain({ name, waitForTick, deactivate: (reason) => void log.push(`${name}:${String(reason)}`) });
  // "late" is still waiting when the runtime stops: it was never active, so deactivate is not called.
  const runtime = await boot(context, { domains: [make('alpha'), make('beta'), make('gamma', false)], database: file });
  await tick(runtime);
  context.clock.advance(1500);
  const exit = await bounded(runtime.stop(), 'runtime.stop()');

  assert.equal(exit, { reason: 'shutdown', clean: true });
  assert.equal(await runtime.stopped, exit);
  assert.equal(log, ['gamma:shutdown', 'beta:shutdown', 'alpha:shutdown']);

  // Events in reverse start order: domains last-first, then the domains supervisor, then the
  // tick system with the generator before the registry.
  const order = context.events
    .filter((event) => event.type === 'domain_deactivated' || event.type === 'child_exited')
    .map((event) =>
      event.type === 'domain_deactivated'
        ? `deactivated:${(event as DomainEvent).domain}`
        : `exited:${(event as SupervisorEvent).supervisor}/${(event as SupervisorEvent).child}`,
    );
  assert.equal(order, [
    'deactivated:gamma',
    'exited:domains/gamma',
    'deactivated:beta',
    'exited:domains/beta',
    'deactivated:alpha',
    'exited:domains/alpha',
    'exited:application/domains',
    'exited:tick_system/tick_generator',
    'exited:tick_system/domain_registry',
    'exited:application/tick_system',
  ]);

  for (const name of ['alpha', 'beta', 'gamma']) {
    assert.is(runtime.registry.domainStatus(name)?.status, 'inactive', `${name} in memory`);
    assert.is(runtime.registry.domainStatus(name)?.reason, 'shutdown');
    assert.is(diskDomain(file, name)?.status, 'inactive', `${name} on disk`);
    const last = diskHistory(file, name).at(-1);
    assert.equal(last, { domain: name, event: 'deactivated', tick: 1, reason: 'shutdown', runId: runtime.runId });
  }
  assert.equal(runtime.registry.activeDomains(), []);
  const run = diskRun(file, runtime.runId);
  assert.equal(
    { stoppedAt: run?.stopped_at, reason: run?.stop_reason, interval: run?.tick_interval_ms, version: run?.version },
    { stoppedAt: Date.UTC(2026, 0, 1) + 1500, reason: 'shutdown', interval: null, version: runtime.version },
  );
});

shutdown('a waiting domain is recorded inactive too', async (context) => {
  const file = tmpDb(context);
  const runtime = await boot(context, { domains: [defineDomain({ name: 'idle' })], database: file });
  await runtime.stop();
  assert.equal(
    diskHistory(file, 'idle').map((row) => `${row.event}@${row.tick}`),
    ['waiting@0', 'deactivated@0'],
  );
  assert.is(diskDomain(file, 'idle')?.activated_at, null);
});

shutdown('stop is idempotent and the runtime refuses work afterwards', async (context) => {
  const runtime = await boot(context, { domains: [defineDomain({ name: 'billing' })] });
  const first = runtime.stop();
  const second = runtime.stop('ignored');
  assert.equal(await first, { reason: 'shutdown', clean: true });
  assert.equal(await second, { reason: 'shutdown', clean: true });
  assert.equal(await runtime.stop(), { reason: 'shutdown', clean: true });
  assert.is(runtime.system.isStopped, true);

  const tickError = await rejection(() => runtime.tick());
  assert.is(tickError.code, 'ERR_RUNTIME_STOPPED');
  assert.is(tickError.message, 'tick: the runtime has stopped (shutdown)');
  const killError = await rejection(() => runtime.kill('billing'));
  assert.is(killError.code, 'ERR_RUNTIME_STOPPED');
  assert.is(killError.message, 'kill: the runtime has stopped (shutdown)');
});

shutdown('a custom stop reason is a clean stop, recorded as given', async (context) => {
  const file = tmpDb(context);
  const runtime = await boot(context, { domains: [defineDomain({ name: 'billing' })], database: file });
  const exit = await runtime.stop('maintenance');
  assert.equal(exit, { reason: 'maintenance', clean: true });
  assert.is(runtime.registry.domainStatus('billing')?.status, 'inactive');
  assert.is(diskDomain(file, 'billing')?.status, 'inactive');
  assert.is(diskRun(file, runtime.runId)?.stop_reason, 'maintenance');
});

shutdown.run();
