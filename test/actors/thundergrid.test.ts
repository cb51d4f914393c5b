import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { thundergridDomain, zoneOf } from '../../actors/thundergrid/index.ts';
import { ManualClock } from '../../src/clock.ts';
import { hasCode } from '../../src/errors.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { bootThunderline, THUNDERLINE_DOMAINS, thunderlineTree } from '../../supervisors/thunderline.ts';

const grid = suite<{ runtime: Runtime | undefined }>('thundergrid zones', { runtime: undefined });

grid.after.each(async (context) => {
  await context.runtime?.stop();
  context.runtime = undefined;
});

grid('assigns each domain a stable zone', () => {
  assert.is(zoneOf('thunderbolt', 4), zoneOf('thunderbolt', 4));
  assert.ok(THUNDERLINE_DOMAINS.every((name) => zoneOf(name, 3) >= 0 && zoneOf(name, 3) < 3));
  assert.is(zoneOf('anything', 1), 0);
});

grid('reports zone occupancy from the registry: every domain in its zone, active ones counted', async (context) => {
  const tree = thunderlineTree({
    database: ':memory:',
    governance: { allow: THUNDERLINE_DOMAINS.filter((name) => name !== 'thunderbolt') },
    thundergrid: { zones: 3 },
  });
  context.runtime = await bootThunderline({ tickInterval: 'manual', database: ':memory:', clock: new ManualClock() }, tree);
  await context.runtime.tick();
  await context.runtime.tick();
  const occupancy = (await tree.handles.thundergrid?.occupancy()) ?? [];
  assert.equal(
    occupancy.map((zone) => zone.zone),
    [0, 1, 2],
  );
  assert.equal(occupancy.flatMap((zone) => zone.domains).sort(), [...THUNDERLINE_DOMAINS].sort());
  for (const zone of occupancy) {
    for (const name of zone.domains) assert.is(zoneOf(name, 3), zone.zone);
    assert.is(zone.active, zone.domains.filter((name) => name !== 'thunderbolt').length);
  }
  assert.is(
    occupancy.reduce((sum, zone) => sum + zone.active, 0),
    THUNDERLINE_DOMAINS.length - 1,
  );
});

grid('refuses a zone count below 1', () => {
  try {
    thundergridDomain({ registry: undefined as never, zones: 0 });
    assert.unreachable('accepted zones: 0');
  } catch (error) {
    assert.ok(hasCode(error, 'ERR_INVALID_OPTION'));
    assert.is((error as Error).message, 'thundergrid: zones must be an integer >= 1, got 0');
  }
});

grid.run();
