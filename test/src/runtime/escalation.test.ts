/**
 * Escalation to the root: a domains supervisor that exceeds its restart intensity gives up, the
 * application supervisor gives up with it, and the runtime stops with that reason, on disk too.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineDomain } from '../../../index.ts';
import type { DomainEvent, SupervisorEvent } from '../../../src/events.ts';
import { openStore } from '../../../src/store/index.ts';
import {
  boot,
  bounded,
  diskDomain,
  diskRun,
  diskSteps,
  emptyContext,
  nextDomainEvent,
  type RuntimeContext,
  rejection,
  setUp,
  tearDown,
  tick,
  tmpDb,
} from './helpers.ts';

const DOMAINS_GAVE_UP =
  'ERR_RESTART_INTENSITY: supervisor "domains" gave up: 4 restarts within 5 s exceed maxRestarts 3; last exit: child "flaky": crash 4';
const ROOT_GAVE_UP = `ERR_RESTART_INTENSITY: supervisor "application" gave up: 1 restarts within 5 s exceed maxRestarts 0; last exit: child "domains": ${DOMAINS_GAVE_UP}`;

const escalation = suite<RuntimeContext>('runtime: escalation', emptyContext());
escalation.before.each(setUp);
escalation.after.each(tearDown);

escalation('a domains supervisor past its intensity stops the runtime; runtime_runs carries the reason', async (context) => {
  const file = tmpDb(context);
  const flaky = defineDomain({ name: 'flaky' });
  const steady = defineDomain({ name: 'steady' });
  const runtime = await boot(context, { domains: [flaky, steady], database: file });
  await tick(runtime);

  // Default intensity: 3 restarts within 5 s. All four crashes happen at the same clock instant.
  for (let crash = 1; crash <= 3; crash += 1) {
    const waitingAgain = nextDomainEvent(runtime, 'domain_waiting', 'flaky');
    runtime.kill('flaky', `crash ${crash}`);
    await waitingAgain;
  }
  const failed = nextDomainEvent(runtime, 'domain_failed', 'flaky');
  runtime.kill('flaky', 'crash 4');
  const exit = await bounded(runtime.stopped, 'runtime.stopped');

  assert.equal(exit, { reason: ROOT_GAVE_UP, clean: false });
  assert.equal(await failed, {
    type: 'domain_failed',
    domain: 'flaky',
    tick: 1,
    time: '2026-01-01T00:00:00.000Z',
    reason: DOMAINS_GAVE_UP,
  });
  const escalated = context.events.filter((event): event is SupervisorEvent => event.type === 'supervisor_escalated');
  assert.equal(
    escalated.map((event) => `${event.supervisor}/${event.child}`),
    ['domains/flaky', 'application/domains'],
  );

  // In memory: the domain that used up the budget failed; the others were shut down.
  assert.is(runtime.registry.domainStatus('flaky')?.status, 'failed');
  assert.is(runtime.registry.domainStatus('flaky')?.reason, DOMAINS_GAVE_UP);
  assert.is(runtime.registry.domainStatus('flaky')?.restarts, 3);
  assert.is(runtime.registry.domainStatus('steady')?.status, 'inactive');
  assert.is((await rejection(() => runtime.tick())).code, 'ERR_RUNTIME_STOPPED');

  // On disk, read back after the runtime closed the file.
  const run = diskRun(file, runtime.runId);
  assert.is(run?.stop_reason, ROOT_GAVE_UP);
  assert.is(run?.stopped_at, Date.UTC(2026, 0, 1));
  assert.is(diskDomain(file, 'flaky')?.status, 'failed');
  assert.equal(diskSteps(file, 'flaky'), [
    'waiting@0',
    'activated@1',
    ...['crashed@1', 'restarting@1', 'waiting@1'],
    ...['crashed@1', 'restarting@1', 'waiting@1'],
    ...['crashed@1', 'restarting@1', 'waiting@1'],
    'crashed@1',
    'failed@1',
  ]);
  assert.equal(diskSteps(file, 'steady'), ['waiting@0', 'activated@1', 'deactivated@1']);

  // The file is closed cleanly: the store opens it again.
  const store = openStore(file, { readonly: true });
  try {
    assert.is(store.latestRun()?.stopReason, ROOT_GAVE_UP);
  } finally {
    store.close();
  }
});

escalation('restarts spread beyond maxSeconds stay within the budget', async (context) => {
  const runtime = await boot(context, { domains: [defineDomain({ name: 'flaky' })], domainRestarts: { maxRestarts: 1, maxSeconds: 5 } });
  for (let crash = 1; crash <= 3; crash += 1) {
    const waitingAgain = nextDomainEvent(runtime, 'domain_waiting', 'flaky');
    runtime.kill('flaky', `crash ${crash}`);
    await waitingAgain;
    // The intensity window reads the runtime clock: 5 s later the previous restart has aged out.
    context.clock.advance(5000);
  }
  await tick(runtime);
  assert.is(runtime.registry.domainStatus('flaky')?.status, 'active');
  assert.is(runtime.registry.domainStatus('flaky')?.restarts, 3);
});

escalation('domainRestarts.maxRestarts 0 gives up on the first crash', async (context) => {
  const runtime = await boot(context, { domains: [defineDomain({ name: 'fragile' })], domainRestarts: { maxRestarts: 0 } });
  const failed = nextDomainEvent(runtime, 'domain_failed', 'fragile');
  runtime.kill('fragile', 'once');
  const exit = await bounded(runtime.stopped, 'runtime.stopped');
  assert.is(exit.clean, false);
  assert.match(exit.reason, /supervisor "domains" gave up: 1 restarts within 5 s exceed maxRestarts 0; last exit: child "fragile": once$/);
  assert.is(((await failed) as DomainEvent).domain, 'fragile');
});

escalation.run();
