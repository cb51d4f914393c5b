/**
 * Domain activation and its failure paths (`docs/api.md`, `defineDomain`): the activation
 * timeout, `activate` throwing or rejecting, and `waitForTick: false`.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineDomain } from '../../../index.ts';
import {
  boot,
  diskHistory,
  diskSteps,
  domainEvents,
  emptyContext,
  nextDomainEvent,
  nextTelemetry,
  type RuntimeContext,
  setUp,
  tearDown,
  tick,
  tmpDb,
} from '../runtime/helpers.ts';

const timeout = suite<RuntimeContext>('domain: activation timeout', emptyContext());
timeout.before.each(setUp);
timeout.after.each(tearDown);

timeout('a domain that sees no tick within activationTimeout crashes with ERR_ACTIVATION_TIMEOUT, recorded', async (context) => {
  const file = tmpDb(context);
  const runtime = await boot(context, { domains: [defineDomain({ name: 'slow' })], activationTimeout: 5000, database: file });
  // One ms short of the timeout: no timer is due, so nothing can have crashed.
  context.clock.advance(4999);
  assert.is(runtime.registry.domainStatus('slow')?.status, 'waiting');

  const crashed = nextDomainEvent(runtime, 'domain_crashed', 'slow');
  const waitingAgain = nextDomainEvent(runtime, 'domain_waiting', 'slow');
  context.clock.advance(1);
  const reason = 'ERR_ACTIVATION_TIMEOUT: domain "slow": no tick arrived within 5000 ms (activationTimeout)';
  assert.is((await crashed).reason, reason);
  await waitingAgain;

  // The supervisor restarted it: a fresh machine, waiting again, and active on the next tick.
  assert.is(runtime.registry.domainStatus('slow')?.restarts, 1);
  await tick(runtime);
  assert.is(runtime.registry.domainStatus('slow')?.status, 'active');
  const rows = diskHistory(file, 'slow');
  assert.equal(
    rows.map((row) => row.event),
    ['waiting', 'crashed', 'restarting', 'waiting', 'activated'],
  );
  assert.is(rows[1]?.reason, reason);
});

timeout("a domain's own activationTimeout overrides the runtime's", async (context) => {
  const quick = defineDomain({ name: 'quick', activationTimeout: 100 });
  const patient = defineDomain({ name: 'patient' });
  const runtime = await boot(context, { domains: [quick, patient], activationTimeout: 1000 });
  const crashed = nextDomainEvent(runtime, 'domain_crashed', 'quick');
  context.clock.advance(100);
  assert.is((await crashed).reason, 'ERR_ACTIVATION_TIMEOUT: domain "quick": no tick arrived within 100 ms (activationTimeout)');
  assert.is(runtime.registry.domainStatus('patient')?.status, 'waiting');
});

timeout('the first tick cancels the timeout', async (context) => {
  const runtime = await boot(context, { domains: [defineDomain({ name: 'flow' })], activationTimeout: 1000 });
  await tick(runtime);
  context.clock.advance(10_000);
  // A timer that had fired would have queued its crash before this tick's handling.
  await tick(runtime);
  assert.is(runtime.registry.domainStatus('flow')?.status, 'active');
  assert.equal(domainEvents(context.events), ['domain_activated:flow']);
});

timeout.run();

// ---

const failing = suite<RuntimeContext>('domain: activate fails', emptyContext());
failing.before.each(setUp);
failing.after.each(tearDown);

failing('activate rejecting crashes the domain with ERR_ACTIVATION_FAILED, and it comes back on the next tick', async (context) => {
  const file = tmpDb(context);
  let attempts = 0;
  const billing = defineDomain({
    name: 'billing',
    async activate() {
      attempts += 1;
      if (attempts === 1) throw new Error('ledger unreachable');
    },
  });
  const runtime = await boot(context, { domains: [billing], database: file });
  const crashed = nextDomainEvent(runtime, 'domain_crashed', 'billing');
  const waitingAgain = nextDomainEvent(runtime, 'domain_waiting', 'billing');
  await tick(runtime);
  const reason = 'ERR_ACTIVATION_FAILED: domain "billing": activate failed at tick 1: ledger unreachable';
  assert.is((await crashed).reason, reason);
  await waitingAgain;
  assert.is(runtime.registry.domainStatus('billing')?.status, 'waiting');

  await tick(runtime);
  assert.is(attempts, 2);
  assert.is(runtime.registry.domainStatus('billing')?.status, 'active');
  assert.equal(diskSteps(file, 'billing'), ['waiting@0', 'crashed@1', 'restarting@1', 'waiting@1', 'activated@2']);
  assert.is(diskHistory(file, 'billing')[1]?.reason, reason);
  assert.equal(domainEvents(context.events), [
    'domain_crashed:billing',
    'domain_restarting:billing',
    'domain_waiting:billing',
    'domain_activated:billing',
  ]);
});

failing('activate throwing synchronously is the same crash', async (context) => {
  const billing = defineDomain({
    name: 'billing',
    activate() {
      throw new TypeError('bad config');
    },
  });
  const runtime = await boot(context, { domains: [billing], domainRestarts: { maxRestarts: 10 } });
  const crashed = nextDomainEvent(runtime, 'domain_crashed', 'billing');
  await tick(runtime);
  assert.is((await crashed).reason, 'ERR_ACTIVATION_FAILED: domain "billing": activate failed at tick 1: bad config');
});

failing.run();

// ---

const eager = suite<RuntimeContext>('domain: waitForTick false', emptyContext());
eager.before.each(setUp);
eager.after.each(tearDown);

eager('is active as soon as startRuntime resolves, before any tick', async (context) => {
  const file = tmpDb(context);
  const calls: Array<[number, number | undefined]> = [];
  const dev = defineDomain({
    name: 'dev',
    waitForTick: false,
    activate: (tickNumber, meta) => void calls.push([tickNumber, meta.event?.tick]),
  });
  const gated = defineDomain({ name: 'gated' });
  const runtime = await boot(context, { domains: [dev, gated], database: file });

  assert.equal(calls, [[0, undefined]]);
  assert.is(runtime.registry.domainStatus('dev')?.status, 'active');
  assert.is(runtime.registry.domainStatus('gated')?.status, 'waiting');
  assert.equal(runtime.registry.activeDomains(), ['dev']);

  // Nor does it need a tick to stay alive: its activation timeout never runs.
  context.clock.advance(60_000);
  await tick(runtime);
  assert.equal(calls.length, 1);
  assert.equal(diskSteps(file, 'dev'), ['waiting@0', 'activated@0']);
});

eager('a failing eager activation is a crash after start, not a failed start', async (context) => {
  let attempts = 0;
  const dev = defineDomain({
    name: 'dev',
    waitForTick: false,
    activate() {
      attempts += 1;
      if (attempts === 1) throw new Error('not yet');
    },
  });
  // The crash is queued during start and may be handled before startRuntime resolves: listen first.
  let activations = 0;
  const activatedAgain = nextTelemetry<{ domain: string }>('domain_activated', (event) => event.domain === 'dev' && ++activations === 1);
  const runtime = await boot(context, { domains: [dev] });
  await activatedAgain;
  assert.is(attempts, 2);
  assert.equal(
    runtime.registry
      .history({ domain: 'dev' })
      .reverse()
      .map((entry) => entry.event),
    ['waiting', 'crashed', 'restarting', 'waiting', 'activated'],
  );
});

eager.run();
