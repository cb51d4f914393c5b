/**
 * `defineDomain` validation: every bad field is refused with `ERR_INVALID_DOMAIN` and a message
 * naming the field, the rule and what was given.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type DomainOptions, defineDomain } from '../../../index.ts';
import { rejection } from '../runtime/helpers.ts';

const define = suite('defineDomain');

define('fills in the defaults', () => {
  const domain = defineDomain({ name: 'billing' });
  assert.equal(
    { ...domain },
    {
      kind: 'domain',
      name: 'billing',
      activate: undefined,
      deactivate: undefined,
      children: [],
      waitForTick: true,
      activationTimeout: undefined,
      activateTimeout: undefined,
      inspect: undefined,
    },
  );
});

define('accepts names of letters, digits, "_", "-" and "." up to 100 characters', () => {
  for (const name of ['a', 'thunder_flow-2.0', 'X'.repeat(100)]) assert.is(defineDomain({ name }).name, name);
});

const NAME_RULE = 'domain name must be 1 to 100 letters, digits, "_", "-" or "."';

const refusals: Array<[string, unknown, string]> = [
  ['an empty name', { name: '' }, `${NAME_RULE}, got ""`],
  ['a name with a space', { name: 'bill ing' }, `${NAME_RULE}, got "bill ing"`],
  ['a name with a slash', { name: 'a/b' }, `${NAME_RULE}, got "a/b"`],
  ['a name of 101 characters', { name: 'x'.repeat(101) }, `${NAME_RULE}, got "${'x'.repeat(101)}"`],
  ['a name that is not a string', { name: 42 }, `${NAME_RULE}, got 42`],
  ['a missing name', {}, `${NAME_RULE}, got undefined`],
  ['options that are not an object', null, 'defineDomain(options) must be an object, got null'],
  ['an activate that is not a function', { name: 'billing', activate: 'go' }, 'domain "billing": activate must be a function, got "go"'],
  ['a deactivate that is not a function', { name: 'billing', deactivate: 1 }, 'domain "billing": deactivate must be a function, got 1'],
  [
    'a waitForTick that is not a boolean',
    { name: 'billing', waitForTick: 'no' },
    'domain "billing": waitForTick must be true or false, got "no"',
  ],
  [
    'an activationTimeout of 0',
    { name: 'billing', activationTimeout: 0 },
    'domain "billing": activationTimeout must be an integer number of ms > 0, got 0',
  ],
  [
    'a fractional activationTimeout',
    { name: 'billing', activationTimeout: 1.5 },
    'domain "billing": activationTimeout must be an integer number of ms > 0, got 1.5',
  ],
];

for (const [what, options, message] of refusals) {
  define(`refuses ${what}`, async () => {
    const error = await rejection(() => defineDomain(options as DomainOptions));
    assert.is(error.code, 'ERR_INVALID_DOMAIN');
    assert.is(error.message, message);
  });
}

define('refuses a bad child spec, naming it by path', async () => {
  const error = await rejection(() => defineDomain({ name: 'billing', children: [{ id: 'ledger', start: 'nope' } as never] }));
  assert.is(error.code, 'ERR_INVALID_DOMAIN');
  assert.match(error.message, /^domain "billing": children\[0\]/);
  assert.ok(error.cause, 'the child-spec error is the cause');
});

define.run();
