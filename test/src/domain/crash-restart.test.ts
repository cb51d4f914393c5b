/**
 * A domain that crashes is restarted by the domains supervisor as a fresh machine: `crashed` →
 * `restarting` → `waiting`, then `active` on the next tick, with every step in the history table.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineDomain } from '../../../index.ts';
import {
  boot,
  diskDomain,
  diskHistory,
  diskSteps,
  domainEvents,
  emptyContext,
  nextDomainEvent,
  type RuntimeContext,
  rejection,
  setUp,
  tearDown,
  tick,
  tmpDb,
} from '../runtime/helpers.ts';

const crash = suite<RuntimeContext>('domain: crash and restart', emptyContext());
crash.before.each(setUp);
crash.after.each(tearDown);

crash('a killed domain goes crashed → restarting → waiting, then active on the next tick, every step on disk', async (context) => {
  const file = tmpDb(context);
  const activations: number[] = [];
  const billing = defineDomain({ name: 'billing', activate: (tickNumber) => void activations.push(tickNumber) });
  const shipping = defineDomain({ name: 'shipping' });
  const runtime = await boot(context, { domains: [billing, shipping], database: file });
  await tick(runtime);
  await tick(runtime);

  const waitingAgain = nextDomainEvent(runtime, 'domain_waiting', 'billing');
  const seen = context.events.length;
  runtime.kill('billing', 'disk on fire');
  await waitingAgain;
  await runtime.flush();
  assert.equal(
    runtime.registry.history({ domain: 'billing', limit: 3 }).map((entry) => [entry.event, entry.reason]),
    [
      ['waiting', undefined],
      ['restarting', undefined],
      ['crashed', 'disk on fire'],
    ],
  );
  assert.equal(domainEvents(context.events.slice(seen), 'billing'), [
    'domain_crashed:billing',
    'domain_restarting:billing',
    'domain_waiting:billing',
  ]);
  const restarted = runtime.registry.domainStatus('billing');
  assert.is(restarted?.status, 'waiting');
  assert.is(restarted?.restarts, 1);
  assert.equal(runtime.registry.activeDomains(), ['shipping']);

  assert.is(await tick(runtime), 3);
  assert.equal(activations, [1, 3]);
  assert.is(runtime.registry.domainStatus('billing')?.status, 'active');
  assert.is(runtime.registry.domainStatus('shipping')?.restarts, 0);

  // Every step, in order, in the history table; the current row follows the last one.
  assert.equal(diskSteps(file, 'billing'), ['waiting@0', 'activated@1', 'crashed@2', 'restarting@2', 'waiting@2', 'activated@3']);
  assert.equal(
    diskHistory(file, 'billing').map((row) => row.reason),
    [undefined, undefined, 'disk on fire', undefined, undefined, undefined],
  );
  assert.equal(diskSteps(file, 'shipping'), ['waiting@0', 'activated@1']);
  const row = diskDomain(file, 'billing');
  assert.is(row?.status, 'active');
  assert.is(row?.tick_count, 3);
  assert.equal(
    runtime.registry
      .history({ domain: 'billing' })
      .reverse()
      .map((entry) => `${entry.event}@${entry.tick}`),
    ['waiting@0', 'activated@1', 'crashed@2', 'restarting@2', 'waiting@2', 'activated@3'],
  );
});

crash('a crash while waiting restarts the domain waiting', async (context) => {
  const runtime = await boot(context, { domains: [defineDomain({ name: 'billing' })] });
  const waitingAgain = nextDomainEvent(runtime, 'domain_waiting', 'billing');
  runtime.kill('billing');
  await waitingAgain;
  assert.is(runtime.registry.domainStatus('billing')?.status, 'waiting');
  await tick(runtime);
  assert.is(runtime.registry.domainStatus('billing')?.status, 'active');
  assert.equal(domainEvents(context.events), [
    'domain_crashed:billing',
    'domain_restarting:billing',
    'domain_waiting:billing',
    'domain_activated:billing',
  ]);
});

crash('kill names the running domains when the name is unknown', async (context) => {
  const runtime = await boot(context, { domains: [defineDomain({ name: 'billing' }), defineDomain({ name: 'shipping' })] });
  const error = await rejection(() => runtime.kill('biling'));
  assert.is(error.code, 'ERR_UNKNOWN_DOMAIN');
  assert.is(error.message, 'kill: no running domain "biling"; running domains: billing, shipping');
});

crash.run();
