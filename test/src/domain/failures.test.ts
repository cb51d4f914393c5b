/**
 * Failures with no caller to throw to, on a domain's paths: a `deactivate` that fails (it runs in
 * the domain's `terminate`, so the domain exits as a gen_server whose terminate raised) and a
 * `meta.supervisor` that fails to start. Each is an `operation_failed` event and telemetry, and
 * the ledger says what happened.
 */
import diagnostics from 'node:diagnostics_channel';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineDomain, type SupervisorRef } from '../../../index.ts';
import type { DomainEvent, OperationFailedEvent } from '../../../src/events.ts';
import {
  boot,
  diskHistory,
  emptyContext,
  nextDomainEvent,
  nextEvent,
  type RuntimeContext,
  setUp,
  tearDown,
  tick,
  tmpDb,
} from '../runtime/helpers.ts';

interface FailureContext extends RuntimeContext {
  telemetry: unknown[];
  onTelemetry: (message: unknown) => void;
}

const failures = suite<FailureContext>('domain: failures are reported, never swallowed', {
  ...emptyContext(),
  telemetry: [],
  onTelemetry: () => undefined,
});
failures.before.each((context) => {
  setUp(context);
  context.telemetry = [];
  context.onTelemetry = (message) => context.telemetry.push(message);
  diagnostics.subscribe('thunderline:operation_failed', context.onTelemetry);
});
failures.after.each(async (context) => {
  diagnostics.unsubscribe('thunderline:operation_failed', context.onTelemetry);
  await tearDown(context);
});

function operationFailures(context: RuntimeContext): OperationFailedEvent[] {
  return context.events.filter((event): event is OperationFailedEvent => event.type === 'operation_failed');
}

failures('a deactivate that throws at shutdown: reported, and the domain ends crashed with the reason in the ledger', async (context) => {
  const file = tmpDb(context);
  const billing = defineDomain({
    name: 'billing',
    deactivate() {
      throw new Error('disk gone');
    },
  });
  const audit = defineDomain({ name: 'audit', deactivate: () => undefined });
  const runtime = await boot(context, { domains: [billing, audit], database: file });
  await tick(runtime);
  const exit = await runtime.stop();
  // The stop was asked for: the runtime's own exit stays clean; the domain's is not.
  assert.equal(exit, { reason: 'shutdown', clean: true });
  const [failure, ...more] = operationFailures(context);
  assert.equal(more, []);
  assert.is(failure?.operation, 'terminate');
  assert.match(failure?.actor ?? '', /^billing#\d+$/);
  const expected = `ERR_TERMINATE_FAILED: actor "${failure?.actor}": terminate failed while exiting with reason shutdown: ERR_DEACTIVATE_FAILED: domain "billing": deactivate failed: disk gone`;
  assert.is(failure?.reason, expected);
  assert.equal(context.telemetry, [failure], 'the same report on thunderline:operation_failed');
  const crashed = context.events.find((event) => event.type === 'domain_crashed') as DomainEvent | undefined;
  assert.equal(crashed && { domain: crashed.domain, reason: crashed.reason }, { domain: 'billing', reason: expected });
  assert.equal(
    diskHistory(file, 'billing').map(({ event, tick: at, reason }) => ({ event, tick: at, reason })),
    [
      { event: 'waiting', tick: 0, reason: undefined },
      { event: 'activated', tick: 1, reason: undefined },
      { event: 'crashed', tick: 1, reason: expected },
    ],
  );
  // The other domain is not affected.
  assert.equal(
    diskHistory(file, 'audit').map((row) => row.event),
    ['waiting', 'activated', 'deactivated'],
  );
});

failures('a deactivate that rejects after a crash: the crash reason and the failure are both in the exit', async (context) => {
  let supervisor: SupervisorRef | undefined;
  const billing = defineDomain({
    name: 'billing',
    activate(_tick, meta) {
      supervisor = meta.supervisor;
    },
    deactivate: () => Promise.reject(new Error('disk gone')),
  });
  const runtime = await boot(context, { domains: [billing], domainRestarts: { maxRestarts: 0 } });
  await tick(runtime);
  const crashed = nextDomainEvent(runtime, 'domain_crashed', 'billing');
  // The domain is linked to its own supervisor: that one crashing takes the domain down, which runs its terminate.
  supervisor?.kill('children gave up');
  const event = await crashed;
  assert.match(event.reason ?? '', /terminate failed while exiting with reason children gave up: ERR_DEACTIVATE_FAILED: .*disk gone$/);
  assert.is(operationFailures(context).length, 1);
});

failures('a meta.supervisor that fails to start: reported, and the domain crashes with it', async (context) => {
  const billing = defineDomain({
    name: 'billing',
    async activate(_tick, meta) {
      const supervisor = meta.supervisor;
      // Gone before its start finished: the start fails.
      supervisor.kill('refused');
      await supervisor.whenExited();
    },
  });
  const runtime = await boot(context, { domains: [billing], domainRestarts: { maxRestarts: 0 } });
  const reported = nextEvent<OperationFailedEvent>(runtime, (event) => event.type === 'operation_failed', 'operation_failed');
  const crashed = nextDomainEvent(runtime, 'domain_crashed', 'billing');
  await tick(runtime);
  const failure = await reported;
  assert.is(failure.operation, 'supervisor_start');
  assert.match(failure.actor, /^billing#\d+$/);
  assert.match(failure.reason, /refused/);
  assert.match((await crashed).reason ?? '', /refused/);
  assert.equal(context.telemetry, [failure]);
});

failures.run();
