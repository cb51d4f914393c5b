/**
 * A domain's own children: started in order under the domain's own one_for_one supervisor when
 * it activates, stopped in reverse order when it deactivates, and linked to the domain.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type ActorRef, type Behaviour, type ChildSpec, defineDomain, type SupervisorRef, spawnActor } from '../../../index.ts';
import type { SupervisorEvent } from '../../../src/events.ts';
import { boot, emptyContext, nextDomainEvent, nextEvent, type RuntimeContext, setUp, tearDown, tick } from '../runtime/helpers.ts';

type WorkerMsg = { type: 'crash' };

/** A child that logs its start and stop, and crashes on request. */
function worker(id: string, log: string[]): ChildSpec {
  const behaviour: Behaviour<string, WorkerMsg> = {
    name: id,
    init() {
      log.push(`start:${id}`);
      return id;
    },
    handle(_state, message) {
      throw new Error(`${id}: ${message.type}`);
    },
    terminate(_state, reason) {
      log.push(`stop:${id}:${String(reason)}`);
    },
  };
  return { id, start: ({ system }) => spawnActor(system, behaviour, undefined, { name: id }) };
}

function childRef(supervisor: SupervisorRef, id: string): ActorRef<WorkerMsg> {
  const ref = supervisor.whichChildren().find((child) => child.id === id)?.ref;
  if (!ref) throw new Error(`child "${id}" is not running`);
  return ref as unknown as ActorRef<WorkerMsg>;
}

const children = suite<RuntimeContext>('domain: children', emptyContext());
children.before.each(setUp);
children.after.each(tearDown);

children('start in order under the domain’s own supervisor on activation, and stop in reverse on deactivation', async (context) => {
  const log: string[] = [];
  let supervisor: SupervisorRef | undefined;
  const billing = defineDomain({
    name: 'billing',
    children: [worker('ledger', log), worker('invoicer', log)],
    activate(_tick, meta) {
      supervisor = meta.supervisor;
      log.push(
        `activate:${meta.supervisor
          .whichChildren()
          .map((child) => `${child.id}=${child.status}`)
          .join(',')}`,
      );
    },
    deactivate(reason) {
      log.push(`deactivate:${String(reason)}`);
    },
  });
  const runtime = await boot(context, { domains: [billing] });
  assert.equal(log, [], 'nothing starts before the first tick');

  await tick(runtime);
  assert.equal(log, ['start:ledger', 'start:invoicer', 'activate:ledger=running,invoicer=running']);
  assert.is(supervisor?.name, 'billing');
  assert.is(supervisor?.tree().strategy, 'one_for_one');
  const started = context.events.filter((event): event is SupervisorEvent => event.type === 'child_started');
  assert.equal(
    started.map((event) => `${event.supervisor}/${event.child}`),
    ['billing/ledger', 'billing/invoicer'],
  );

  await tick(runtime);
  assert.is(log.filter((entry) => entry.startsWith('start:')).length, 2, 'later ticks start nothing');

  await runtime.stop();
  assert.equal(log.slice(3), ['stop:invoicer:shutdown', 'stop:ledger:shutdown', 'deactivate:shutdown']);
  assert.is(supervisor?.alive, false);
});

children('a crashed child is restarted by the domain’s supervisor; the domain stays active', async (context) => {
  const log: string[] = [];
  let supervisor: SupervisorRef | undefined;
  const billing = defineDomain({
    name: 'billing',
    children: [worker('ledger', log)],
    activate(_tick, meta) {
      supervisor = meta.supervisor;
    },
  });
  const runtime = await boot(context, { domains: [billing] });
  await tick(runtime);
  const restarted = nextEvent(
    runtime,
    (event) => event.type === 'child_restarted' && (event as SupervisorEvent).supervisor === 'billing',
    'child_restarted',
  );
  childRef(supervisor as SupervisorRef, 'ledger').cast({ type: 'crash' });
  await restarted;
  assert.is(runtime.registry.domainStatus('billing')?.status, 'active');
  assert.is(runtime.registry.domainStatus('billing')?.restarts, 0);
});

children('a domain supervisor that gives up crashes its domain, which comes back with fresh children', async (context) => {
  const log: string[] = [];
  let supervisor: SupervisorRef | undefined;
  const billing = defineDomain({
    name: 'billing',
    children: [worker('ledger', log)],
    activate(_tick, meta) {
      supervisor = meta.supervisor;
    },
  });
  const runtime = await boot(context, { domains: [billing] });
  await tick(runtime);
  const first = supervisor as SupervisorRef;
  // Default intensity: 3 restarts in 5 s; the fourth crash exceeds it.
  for (let crash = 1; crash <= 3; crash += 1) {
    const restarted = nextEvent(
      runtime,
      (event) => event.type === 'child_restarted' && (event as SupervisorEvent).supervisor === 'billing',
      `restart ${crash}`,
    );
    childRef(first, 'ledger').cast({ type: 'crash' });
    await restarted;
  }
  const crashed = nextDomainEvent(runtime, 'domain_crashed', 'billing');
  const waitingAgain = nextDomainEvent(runtime, 'domain_waiting', 'billing');
  childRef(first, 'ledger').cast({ type: 'crash' });
  assert.match(
    (await crashed).reason ?? '',
    /^ERR_RESTART_INTENSITY: supervisor "billing" gave up: 4 restarts within 5 s exceed maxRestarts 3/,
  );
  await waitingAgain;
  assert.is(first.alive, false);

  await tick(runtime);
  assert.is(runtime.registry.domainStatus('billing')?.status, 'active');
  assert.is.not(supervisor, first);
  assert.is(supervisor?.whichChildren()[0]?.status, 'running');
});

children('a domain without children gets its supervisor on first use, and it stops with the domain', async (context) => {
  const log: string[] = [];
  const billing = defineDomain({
    name: 'billing',
    async activate(_tick, meta) {
      await meta.supervisor.startChild(worker('ledger', log));
    },
  });
  const runtime = await boot(context, { domains: [billing] });
  await tick(runtime);
  assert.equal(log, ['start:ledger']);
  await runtime.stop();
  assert.equal(log, ['start:ledger', 'stop:ledger:shutdown']);
});

children.run();
