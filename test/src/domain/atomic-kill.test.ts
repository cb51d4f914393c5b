/**
 * A kill is final (docs/architecture.md, "Incarnations"): a domain killed while its `activate`
 * is pending changes nothing when that `activate` finishes later; rounds belong to one
 * incarnation; `activateTimeout` bounds `activate`; a domain holds at most one pending tick; a
 * tick in flight when the runtime stops settles. Every race here is driven by gates.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type ActorRef,
  type ActorSystem,
  type Behaviour,
  type DomainActivationMeta,
  defineDomain,
  type SupervisorRef,
  spawnActor,
} from '../../../index.ts';
import { gate, until } from '../../support/gate.ts';
import { boot, bounded, emptyContext, nextDomainEvent, type RuntimeContext, rejection, setUp, tearDown, tick } from '../runtime/helpers.ts';

/** The live domain actor's machine state, asked through its mailbox. */
async function machineOf(runtime: { supervisor: SupervisorRef }, name: string): Promise<string> {
  const domains = runtime.supervisor.whichChildren().find((child) => child.id === 'domains')?.ref as SupervisorRef;
  const ref = domains.whichChildren().find((child) => child.id === name)?.ref;
  if (!ref) return 'not running';
  return ((await (ref as unknown as SupervisorRef).call({ type: 'inspect' } as never)) as { state: string }).state;
}

const kill = suite<RuntimeContext>('domain: a kill is final', emptyContext());
kill.before.each(setUp);
kill.after.each(tearDown);

kill('a domain killed while activate is pending publishes nothing when that activate finishes later', async (context) => {
  const gates = [gate(), gate()];
  const firstCall = gate();
  let calls = 0;
  const published: string[] = [];
  const billing = defineDomain({
    name: 'billing',
    async activate(_tick, meta: DomainActivationMeta) {
      const mine = gates[calls]; // the third activation (after the second kill) settles at once
      calls += 1;
      firstCall.open();
      if (mine) await mine.promise;
      meta.publish('late', {});
    },
  });
  const runtime = await boot(context, { domains: [billing] });
  runtime.subscribe('custom:billing.late', (event) => void published.push(event.type));
  const first = runtime.tick(); // tick 1: activate #1 pending on its gate
  await bounded(firstCall.promise, 'activate #1 called');
  const waitingAgain = nextDomainEvent(runtime, 'domain_waiting', 'billing');
  runtime.kill('billing', 'operator');
  await waitingAgain;
  assert.is(await bounded(first, 'tick 1 in flight'), 1, 'the round completed without the killed domain');

  gates[0]?.open(); // the dead incarnation's activate finishes now
  await runtime.flush();
  assert.equal(published, [], 'a dead incarnation publishes nothing');
  assert.is(runtime.registry.domainStatus('billing')?.status, 'waiting');
  assert.is(await machineOf(runtime, 'billing'), 'waiting');
  assert.is(context.events.filter((event) => event.type === 'domain_activated').length, 0, 'no domain_activated from the late activate');

  // The live incarnation activates on the next tick, and a later kill never hangs a tick.
  const second = runtime.tick();
  gates[1]?.open();
  assert.is(await bounded(second, 'tick 2'), 2);
  assert.is(runtime.registry.domainStatus('billing')?.status, 'active');
  const again = nextDomainEvent(runtime, 'domain_waiting', 'billing');
  runtime.kill('billing', 'operator');
  await again;
  const third = runtime.tick();
  assert.is(await bounded(third, 'tick 3 after a second kill'), 3);
});

kill('meta.supervisor of a dead incarnation starts nothing', async (context) => {
  const held = gate();
  const called = gate();
  let meta: DomainActivationMeta | undefined;
  const billing = defineDomain({
    name: 'billing',
    async activate(_tick, m) {
      meta = m;
      called.open();
      await held.promise;
    },
  });
  const runtime = await boot(context, { domains: [billing] });
  const ticking = runtime.tick();
  await bounded(called.promise, 'activate called');
  const waitingAgain = nextDomainEvent(runtime, 'domain_waiting', 'billing');
  runtime.kill('billing', 'operator');
  await waitingAgain;
  await bounded(ticking, 'tick');
  assert.ok(meta?.signal.aborted, 'the incarnation signal aborted at the kill');
  const error = await rejection(() => meta?.supervisor);
  assert.is(error.code, 'ERR_ACTOR_STOPPED');
  held.open();
});

// ---

kill('a domain killed while its deactivate is pending publishes nothing when that deactivate finishes later', async (context) => {
  const held = gate();
  const called = gate();
  let deactivations = 0;
  const billing = defineDomain({
    name: 'billing',
    async activate() {},
    async deactivate() {
      deactivations += 1;
      if (deactivations > 1) return;
      called.open();
      await held.promise;
    },
  });
  const runtime = await boot(context, { domains: [billing] });
  await bounded(runtime.tick(), 'tick 1');
  const domains = runtime.supervisor.whichChildren().find((child) => child.id === 'domains')?.ref as SupervisorRef;
  const ref = domains.whichChildren().find((child) => child.id === 'billing')?.ref as ActorRef<never>;
  const stopping = domains.terminateChild('billing'); // a graceful stop: terminate runs deactivate
  await bounded(called.promise, 'deactivate called');
  ref.kill('operator'); // killed while its deactivate is pending (as a shutdown timer would)
  await bounded(stopping, 'terminateChild');
  await runtime.flush();
  const before = context.events.filter((event) => event.type === 'domain_deactivated').length;
  held.open(); // the killed incarnation's deactivate finishes now
  await held.promise;
  await new Promise((resolve) => setImmediate(resolve));
  await runtime.flush();
  assert.is(
    context.events.filter((event) => event.type === 'domain_deactivated').length,
    before,
    'no domain_deactivated from a dead incarnation',
  );
});

const bound = suite<RuntimeContext>('domain: activateTimeout', emptyContext());
bound.before.each(setUp);
bound.after.each(tearDown);

bound(
  'an activate that never settles crashes its domain with ERR_ACTIVATE_TIMEOUT; the round completes; it is restarted',
  async (context) => {
    let calls = 0;
    const called = gate();
    const stuck = defineDomain({
      name: 'stuck',
      activateTimeout: 2000,
      activate() {
        calls += 1;
        called.open();
        return calls === 1 ? new Promise<void>(() => undefined) : undefined;
      },
    });
    const other = defineDomain({ name: 'other' });
    const runtime = await boot(context, { domains: [stuck, other] });
    const ticking = runtime.tick();
    const crashed = nextDomainEvent(runtime, 'domain_crashed', 'stuck');
    const waitingAgain = nextDomainEvent(runtime, 'domain_waiting', 'stuck');
    await bounded(called.promise, 'activate called');
    context.clock.advance(1999);
    assert.is(runtime.registry.domainStatus('stuck')?.status, 'waiting');
    context.clock.advance(1);
    assert.is(
      (await crashed).reason,
      'ERR_ACTIVATE_TIMEOUT: domain "stuck": activate did not settle within 2000 ms (activateTimeout) at tick 1',
    );
    await waitingAgain;
    assert.is(await bounded(ticking, 'tick 1'), 1);
    assert.is(runtime.registry.domainStatus('other')?.status, 'active');
    assert.is(await tick(runtime), 2);
    assert.is(runtime.registry.domainStatus('stuck')?.status, 'active');
    assert.is(runtime.registry.domainStatus('stuck')?.restarts, 1);
  },
);

bound('the runtime option activateTimeout applies when a domain sets none', async (context) => {
  const called = gate();
  const stuck = defineDomain({
    name: 'stuck',
    activate: () => {
      called.open();
      return new Promise<void>(() => undefined);
    },
  });
  const runtime = await boot(context, { domains: [stuck], activateTimeout: 300 });
  const ticking = runtime.tick();
  const crashed = nextDomainEvent(runtime, 'domain_crashed', 'stuck');
  await bounded(called.promise, 'activate called');
  context.clock.advance(300);
  assert.match((await crashed).reason ?? '', /^ERR_ACTIVATE_TIMEOUT: .*within 300 ms/);
  await bounded(ticking, 'tick 1');
});

bound('an activate that times out changes nothing while its crashed incarnation is still stopping its children', async (context) => {
  const activateGate = gate();
  const called = gate();
  const childTerminating = gate();
  const childStops = gate();
  let lateDone = false;
  let lateError: string | undefined;
  const slowChild = {
    id: 'worker',
    start: ({ system }: { system: ActorSystem }) =>
      spawnActor(
        system,
        {
          init: () => 0,
          handle: (n: number) => n,
          terminate: () => {
            childTerminating.open();
            return childStops.promise;
          },
        } satisfies Behaviour<number, { type: 'noop' }>,
        undefined,
        { name: 'worker' },
      ) as Promise<ActorRef<never>>,
  };
  const stuck = defineDomain({
    name: 'stuck',
    children: [slowChild],
    activateTimeout: 100,
    async activate(_tick, meta) {
      called.open();
      await activateGate.promise;
      meta.publish('late', {});
      try {
        void meta.supervisor;
      } catch (error) {
        lateError = (error as { code?: string }).code;
      }
      lateDone = true;
    },
  });
  const runtime = await boot(context, { domains: [stuck] });
  const ticking = runtime.tick();
  await bounded(called.promise, 'activate called');
  const seen = context.events.length;
  context.clock.advance(100); // ERR_ACTIVATE_TIMEOUT: the incarnation crashes; terminate stops its (slow) child
  await bounded(childTerminating.promise, 'the child is being stopped');
  activateGate.open(); // the timed-out activate goes on while its incarnation is stopping
  await bounded(
    until(() => lateDone),
    'the late activate finished',
  );
  assert.is(lateError, 'ERR_ACTOR_STOPPED', 'meta.supervisor of an exiting incarnation');
  const during = context.events.slice(seen).map((event) => event.type);
  assert.not.ok(during.includes('custom:stuck.late'), `published while exiting: ${during.join(', ')}`);
  assert.not.ok(during.includes('child_started'), `started a child while exiting: ${during.join(', ')}`);
  childStops.open();
  await bounded(ticking, 'tick 1');
});

// ---

const pressure = suite<RuntimeContext>('domain: one pending tick', emptyContext());
pressure.before.each(setUp);
pressure.after.each(tearDown);

pressure('a slow domain holds at most one pending tick: newer ticks replace it, skips are counted, rounds complete', async (context) => {
  const held = gate();
  const seen: number[] = [];
  const slow = defineDomain({
    name: 'slow',
    async activate(tickNumber) {
      seen.push(tickNumber);
      await held.promise;
    },
  });
  const runtime = await boot(context, { domains: [slow], tickInterval: 100 });
  const rounds: number[] = [];
  runtime.subscribe('system:domain_tick', (event) => void rounds.push((event as { tick: number }).tick));
  // Tick 1 starts the activation (held); ticks 2..6 arrive while it is pending.
  for (let step = 0; step < 6; step += 1) {
    context.clock.advance(100);
    await runtime.flush();
  }
  assert.equal(rounds, [1, 2, 3, 4, 5, 6]);
  assert.equal(seen, [1]);
  held.open();
  await runtime.flush();
  const status = runtime.registry.domainStatus('slow');
  assert.is(status?.status, 'active');
  // Ticks 2..5 were replaced while undelivered; only tick 6 reached the domain after the activation.
  assert.is(status?.lastTick, 6);
  assert.is(runtime.skippedTicks(), 4);
});

// ---

const stopping = suite<RuntimeContext>('runtime: a tick in flight at stop', emptyContext());
stopping.before.each(setUp);
stopping.after.each(tearDown);

stopping('a tick in flight when stop() begins resolves or rejects with ERR_RUNTIME_STOPPED, never another code', async (context) => {
  const held = gate();
  const slow = defineDomain({ name: 'slow', activate: () => held.promise });
  const runtime = await boot(context, { domains: [slow] });
  const inFlight = runtime.tick();
  const stopped = runtime.stop();
  held.open();
  const outcome = await bounded(
    inFlight.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    ),
    'tick in flight',
  );
  if (!outcome.ok) assert.is((outcome.error as { code?: string }).code, 'ERR_RUNTIME_STOPPED');
  else assert.is(outcome.value, 1);
  await bounded(stopped, 'stop');
  context.runtime = undefined;
});

stopping('a tick whose domain is killed by the shutdown timeout settles with its number or ERR_RUNTIME_STOPPED', async (context) => {
  const slow = defineDomain({ name: 'slow', activate: () => new Promise<void>(() => undefined) });
  const runtime = await boot(context, { domains: [slow], activateTimeout: 60_000 });
  const inFlight = runtime.tick().then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  await runtime.flush();
  const timersBefore = context.clock.pendingTimers();
  const stopped = runtime.stop();
  // The shutdown reaches the domain through its supervisors' mailboxes; once its shutdown timer
  // is armed, moving the clock past it kills the domain and leaves its round.
  await bounded(
    until(() => context.clock.pendingTimers() > timersBefore),
    'the shutdown timer',
  );
  context.clock.advance(5000);
  const outcome = await bounded(inFlight, 'tick in flight');
  if (!outcome.ok) assert.is((outcome.error as { code?: string }).code, 'ERR_RUNTIME_STOPPED');
  else assert.is(outcome.value, 1);
  await bounded(stopped, 'stop');
  context.runtime = undefined;
  const error = await rejection(() => runtime.tick());
  assert.is(error.code, 'ERR_RUNTIME_STOPPED');
});

kill.run();
bound.run();
pressure.run();
stopping.run();
