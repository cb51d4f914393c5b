import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualClock } from '../../src/clock.ts';
import { hasCode } from '../../src/errors.ts';
import type { SupervisorEvent, ThunderlineEvent } from '../../src/events.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { bootThunderline, startThunderline, THUNDERLINE_DOMAINS, thunderlineTree, validateDisable } from '../../supervisors/thunderline.ts';
import { within } from '../support/within.ts';
import { recordEvents } from './helpers.ts';

const manual = () => ({ tickInterval: 'manual' as const, database: ':memory:', clock: new ManualClock() });

function supervisorEvents(events: ThunderlineEvent[], type: SupervisorEvent['type'], supervisor: string): string[] {
  return events
    .filter((e): e is SupervisorEvent => e.type === type && (e as SupervisorEvent).supervisor === supervisor)
    .map((e) => e.child);
}

const tree = suite<{ runtime: Runtime | undefined }>('thunderline application tree', { runtime: undefined });

tree.after.each(async (context) => {
  await context.runtime?.stop();
  context.runtime = undefined;
});

tree('starts in the documented start order, activates every domain on the first tick, and stops in reverse', async (context) => {
  const runtime = await startThunderline(manual());
  context.runtime = runtime;
  const events = recordEvents(runtime);
  const startOrder = runtime.tree().children.map((child) => child.id);
  assert.equal(startOrder, ['tick_system', 'domains', 'infrastructure_early', 'infrastructure_late']);
  assert.equal(
    runtime.registry.statuses().map((s) => s.status),
    THUNDERLINE_DOMAINS.map(() => 'waiting'),
  );
  await runtime.tick();
  assert.equal(runtime.registry.activeDomains().sort(), [...THUNDERLINE_DOMAINS].sort());
  await runtime.stop();
  context.runtime = undefined;
  assert.equal(supervisorEvents(events, 'child_exited', 'application'), [
    'infrastructure_late',
    'infrastructure_early',
    'domains',
    'tick_system',
  ]);
  const deactivated = events.filter((e) => e.type === 'domain_deactivated').map((e) => (e as { domain: string }).domain);
  assert.equal(deactivated, [...THUNDERLINE_DOMAINS].reverse());
});

tree('records child_started events in the documented start order', async (context) => {
  const t = thunderlineTree({ database: ':memory:' });
  const started: string[] = [];
  const runtime = await bootThunderline(manual(), {
    ...t,
    extras() {
      const extras = t.extras();
      const infrastructure = extras.infrastructure;
      return {
        ...extras,
        infrastructure: (ctx) => {
          ctx.system.pubsub.subscribe('system:child_started', (event) => {
            const { supervisor, child } = event as SupervisorEvent;
            started.push(`${supervisor}/${child}`);
          });
          return infrastructure ? infrastructure(ctx) : {};
        },
      };
    },
  });
  context.runtime = runtime;
  assert.equal(started, [
    'tick_system/domain_registry',
    'tick_system/tick_generator',
    'application/tick_system',
    ...['thunderbolt', 'cerebros', 'thunderprism', 'thundercrown', 'thundergrid'].map((d) => `domains/${d}`),
    'application/domains',
    ...['thunderflow', 'thunderlink', 'thundervine'].map((d) => `infrastructure_early/${d}`),
    'application/infrastructure_early',
    'infrastructure_late/thundergate',
    'application/infrastructure_late',
  ]);
});

tree('runs without cerebros when it is disabled, and thunderbolt still advances', async (context) => {
  const t = thunderlineTree({ database: ':memory:', disable: ['cerebros'], thunderbolt: { trialEvery: 1 } });
  const runtime = await bootThunderline(manual(), t);
  context.runtime = runtime;
  for (let i = 0; i < 4; i += 1) await runtime.tick();
  assert.is(t.handles.cerebros, undefined);
  assert.is(runtime.registry.domainStatus('cerebros'), undefined);
  assert.equal(runtime.registry.activeDomains().sort(), THUNDERLINE_DOMAINS.filter((d) => d !== 'cerebros').sort());
  assert.is((await t.handles.thunderbolt?.snapshot())?.generation, 3);
  assert.equal((await t.handles.thunderprism?.dag())?.nodes, []);
});

tree('with cerebros, thunderbolt bridge requests become trials that thunderprism records', async (context) => {
  const t = thunderlineTree({ database: ':memory:', thunderbolt: { trialEvery: 2 }, cerebros: { trialEvery: 100, seed: 5 } });
  const runtime = await bootThunderline(manual(), t);
  context.runtime = runtime;
  for (let i = 0; i < 5; i += 1) await runtime.tick();
  await t.handles.thunderbolt?.snapshot();
  const trials = (await t.handles.cerebros?.trials()) ?? [];
  assert.equal(
    trials.map((row) => row.source),
    ['bridge', 'bridge'],
  );
  assert.is((await t.handles.thunderprism?.dag())?.nodes.length, 2);
});

tree('runtime.kill reaches a domain in an infrastructure slot, which comes back on the next tick', async (context) => {
  const runtime = await startThunderline(manual());
  context.runtime = runtime;
  await runtime.tick();
  const events = recordEvents(runtime);
  const waiting = new Promise<void>((resolve) => {
    const off = runtime.subscribe('system:domain_waiting', (event) => {
      if ((event as { domain: string }).domain === 'thundergate') {
        off();
        resolve();
      }
    });
  });
  runtime.kill('thundergate', 'simulated fault');
  await within(waiting, 'thundergate waiting again');
  await runtime.tick();
  const lifecycle = events
    .filter((e) => e.type.startsWith('domain_') && (e as { domain: string }).domain === 'thundergate')
    .map((e) => e.type);
  assert.equal(lifecycle, ['domain_crashed', 'domain_restarting', 'domain_waiting', 'domain_activated']);
  assert.is(runtime.registry.domainStatus('thundergate')?.restarts, 1);
});

tree('a domain that uses up the budget of an infrastructure supervisor is recorded failed, as under domains', async (context) => {
  const runtime = await startThunderline(manual());
  context.runtime = runtime;
  await runtime.tick();
  const waitingAgain = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const off = runtime.subscribe('system:domain_waiting', (event) => {
        if ((event as { domain: string }).domain === 'thundergate') {
          off();
          resolve();
        }
      });
    });
  // Default intensity: 3 restarts within 5 s; the fourth crash at the same instant escalates.
  for (let crash = 1; crash <= 3; crash += 1) {
    const back = waitingAgain();
    runtime.kill('thundergate', `crash ${crash}`);
    await within(back, `thundergate back after crash ${crash}`);
  }
  runtime.kill('thundergate', 'crash 4');
  await within(runtime.stopped, 'the runtime to stop after infrastructure_late gave up');
  assert.is(runtime.registry.domainStatus('thundergate')?.status, 'failed');
  context.runtime = undefined;
});

tree.run();

// ---

const disable = suite('--disable validation');

disable('accepts known domains and refuses an unknown one naming the known ones', async () => {
  assert.equal(validateDisable(['cerebros', 'thundergrid']), ['cerebros', 'thundergrid']);
  const message = `--disable: unknown domain "x"; known domains: ${THUNDERLINE_DOMAINS.join(', ')}`;
  try {
    validateDisable(['cerebros', 'x']);
    assert.unreachable('accepted "x"');
  } catch (error) {
    assert.ok(hasCode(error, 'ERR_INVALID_OPTION'));
    assert.is((error as Error).message, message);
  }
  try {
    await startThunderline(manual(), { disable: ['x'] });
    assert.unreachable('started with "x"');
  } catch (error) {
    assert.ok(hasCode(error, 'ERR_INVALID_OPTION'));
    assert.is((error as Error).message, message);
  }
});

disable.run();
