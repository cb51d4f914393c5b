/**
 * `startRuntime` option validation: a bad value is refused before anything starts (no file is
 * created), with `ERR_INVALID_OPTION` / `ERR_INVALID_DOMAIN` and a message naming the option.
 */
import fs from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineDomain, RUNTIME_DEFAULTS, type RuntimeOptions, startRuntime, validateRuntimeOptions } from '../../../index.ts';
import { emptyContext, type RuntimeContext, rejection, setUp, tearDown, tmpDb } from './helpers.ts';

const options = suite<RuntimeContext>('startRuntime options', emptyContext());
options.before.each(setUp);
options.after.each(tearDown);

options('defaults: 1000 ms ticks, ./thunderline.db, 30000 ms activation timeout, 15000 ms activate timeout, no server, no domains', () => {
  assert.equal(RUNTIME_DEFAULTS, { tickInterval: 1000, database: './thunderline.db', activationTimeout: 30_000, activateTimeout: 15_000 });
  const normalized = validateRuntimeOptions({});
  assert.is(normalized.tickInterval, 1000);
  assert.is(normalized.database, './thunderline.db');
  assert.is(normalized.activationTimeout, 30_000);
  assert.is(normalized.activateTimeout, 15_000);
  assert.is(normalized.server, false);
  assert.equal(normalized.domains, []);
});

const TICK_RULE = 'tickInterval must be an integer number of ms >= 1 or "manual"';
const TIMEOUT_RULE = 'activationTimeout must be an integer number of ms >= 1';

const refusals: Array<[string, RuntimeOptions, string, string]> = [
  ['a tickInterval of 0', { tickInterval: 0 }, 'ERR_INVALID_OPTION', `${TICK_RULE}, got 0`],
  ['a negative tickInterval', { tickInterval: -5 }, 'ERR_INVALID_OPTION', `${TICK_RULE}, got -5`],
  ['a fractional tickInterval', { tickInterval: 0.5 }, 'ERR_INVALID_OPTION', `${TICK_RULE}, got 0.5`],
  ['a tickInterval that is a number in a string', { tickInterval: '1000' as never }, 'ERR_INVALID_OPTION', `${TICK_RULE}, got "1000"`],
  ['an unknown tickInterval mode', { tickInterval: 'auto' as never }, 'ERR_INVALID_OPTION', `${TICK_RULE}, got "auto"`],
  ['an activationTimeout of 0', { activationTimeout: 0 }, 'ERR_INVALID_OPTION', `${TIMEOUT_RULE}, got 0`],
  ['an infinite activationTimeout', { activationTimeout: Number.POSITIVE_INFINITY }, 'ERR_INVALID_OPTION', `${TIMEOUT_RULE}, got Infinity`],
  ['an activateTimeout of 0', { activateTimeout: 0 }, 'ERR_INVALID_OPTION', 'activateTimeout must be an integer number of ms >= 1, got 0'],
  ['a NaN activationTimeout', { activationTimeout: Number.NaN }, 'ERR_INVALID_OPTION', `${TIMEOUT_RULE}, got NaN`],
  ['an empty database path', { database: '' }, 'ERR_INVALID_OPTION', 'database must be a file path or ":memory:", got ""'],
  [
    'domains that are not an array',
    { domains: 'billing' as never },
    'ERR_INVALID_OPTION',
    'domains must be an array of defineDomain(...) results, got "billing"',
  ],
  [
    'a domain that is not from defineDomain',
    { domains: [defineDomain({ name: 'billing' }), { name: 'shipping' } as never] },
    'ERR_INVALID_DOMAIN',
    'domains[1] must be the result of defineDomain(...), got {"name":"shipping"}',
  ],
  [
    'two domains with the same name',
    { domains: [defineDomain({ name: 'billing' }), defineDomain({ name: 'shipping' }), defineDomain({ name: 'billing' })] },
    'ERR_INVALID_DOMAIN',
    'domains[2]: domain name "billing" is used twice; names must be unique',
  ],
  [
    'a negative domainRestarts.maxRestarts',
    { domainRestarts: { maxRestarts: -1 } },
    'ERR_INVALID_OPTION',
    'domainRestarts.maxRestarts must be an integer >= 0, got -1',
  ],
  [
    'a zero domainRestarts.maxSeconds',
    { domainRestarts: { maxSeconds: 0 } },
    'ERR_INVALID_OPTION',
    'domainRestarts.maxSeconds must be a finite number of seconds > 0, got 0',
  ],
  [
    'a server that is not an object',
    { server: 'yes' as never },
    'ERR_INVALID_OPTION',
    'server must be false or { host, port, token }, got "yes"',
  ],
];

for (const [what, bad, code, message] of refusals) {
  options(`refuses ${what}, before creating anything`, async (context) => {
    const file = tmpDb(context);
    const database = bad.database ?? file;
    const error = await rejection(() => startRuntime({ tickInterval: 'manual', clock: context.clock, ...bad, database }));
    assert.is(error.code, code);
    assert.is(error.message, message);
    assert.is(fs.existsSync(file), false, 'no database file was created');
  });
}

options('refuses a bad domain name through defineDomain, before startRuntime', async () => {
  const error = await rejection(() => startRuntime({ domains: [defineDomain({ name: 'no spaces' })] }));
  assert.is(error.code, 'ERR_INVALID_DOMAIN');
  assert.is(error.message, 'domain name must be 1 to 100 letters, digits, "_", "-" or ".", got "no spaces"');
});

options.run();
