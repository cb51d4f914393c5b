import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SupervisorOptions, startSupervisor } from '../../../src/supervisor/index.ts';
import { emptyContext, type KernelContext, rejection, setUp, tearDown, workerSpec } from './helpers.ts';

type Case = [label: string, options: SupervisorOptions, code: string, message: string];

const start = workerSpec('ok').start;
const loose = <T>(value: unknown): T => value as T;

const childSpecs: Case[] = [
  [
    'a negative shutdown',
    { name: 'app', children: [workerSpec('a'), workerSpec('b'), { id: 'c', start, shutdown: -1 }] },
    'ERR_INVALID_CHILD_SPEC',
    'children[2].shutdown must be an integer number of ms >= 0, "brutal_kill" or "infinity", got -1',
  ],
  [
    'a fractional shutdown',
    { name: 'app', children: [{ id: 'a', start, shutdown: 1.5 }] },
    'ERR_INVALID_CHILD_SPEC',
    'children[0].shutdown must be an integer number of ms >= 0, "brutal_kill" or "infinity", got 1.5',
  ],
  [
    'an unknown shutdown word',
    { name: 'app', children: [{ id: 'a', start, shutdown: loose('forever') }] },
    'ERR_INVALID_CHILD_SPEC',
    'children[0].shutdown must be an integer number of ms >= 0, "brutal_kill" or "infinity", got "forever"',
  ],
  [
    'a bad restart type',
    { name: 'app', children: [{ id: 'ticker', start, restart: loose('always') }] },
    'ERR_INVALID_CHILD_SPEC',
    'children[0].restart must be "permanent", "transient" or "temporary", got "always"',
  ],
  [
    'a bad child type',
    { name: 'app', children: [{ id: 'a', start, type: loose('daemon') }] },
    'ERR_INVALID_CHILD_SPEC',
    'children[0].type must be "worker" or "supervisor", got "daemon"',
  ],
  [
    'an empty id',
    { name: 'app', children: [{ id: '', start }] },
    'ERR_INVALID_CHILD_SPEC',
    'children[0].id must be a non-empty string, got ""',
  ],
  [
    'a missing id',
    { name: 'app', children: [loose({ start })] },
    'ERR_INVALID_CHILD_SPEC',
    'children[0].id must be a non-empty string, got undefined',
  ],
  [
    'a start that is not a function',
    { name: 'app', children: [{ id: 'a', start: loose('worker.js') }] },
    'ERR_INVALID_CHILD_SPEC',
    'children[0].start must be a function returning a promise of an actor ref, got "worker.js"',
  ],
  [
    'a child that is not an object',
    { name: 'app', children: [workerSpec('a'), loose(42)] },
    'ERR_INVALID_CHILD_SPEC',
    'children[1] must be an object with id and start, got 42',
  ],
  [
    'children that are not an array',
    { name: 'app', children: loose({ a: 1 }) },
    'ERR_INVALID_CHILD_SPEC',
    'children must be an array of child specs, got {"a":1}',
  ],
  [
    'duplicate ids',
    { name: 'app', children: [workerSpec('a'), workerSpec('b'), workerSpec('a')] },
    'ERR_DUPLICATE_CHILD_ID',
    'children[2].id "a" is already used by children[0]; child ids must be unique within a supervisor',
  ],
];

const supervisorOptions: Case[] = [
  [
    'a bad strategy',
    { name: 'app', strategy: loose('one_for_some') },
    'ERR_INVALID_SUPERVISOR_OPTIONS',
    'supervisor "app": strategy must be "one_for_one", "one_for_all" or "rest_for_one", got "one_for_some"',
  ],
  [
    'a negative maxRestarts',
    { name: 'app', maxRestarts: -1 },
    'ERR_INVALID_SUPERVISOR_OPTIONS',
    'supervisor "app": maxRestarts must be an integer >= 0, got -1',
  ],
  [
    'a fractional maxRestarts',
    { name: 'app', maxRestarts: 2.5 },
    'ERR_INVALID_SUPERVISOR_OPTIONS',
    'supervisor "app": maxRestarts must be an integer >= 0, got 2.5',
  ],
  [
    'a string maxRestarts',
    { name: 'app', maxRestarts: loose('3') },
    'ERR_INVALID_SUPERVISOR_OPTIONS',
    'supervisor "app": maxRestarts must be an integer >= 0, got "3"',
  ],
  [
    'a zero maxSeconds',
    { name: 'app', maxSeconds: 0 },
    'ERR_INVALID_SUPERVISOR_OPTIONS',
    'supervisor "app": maxSeconds must be a finite number > 0, got 0',
  ],
  [
    'an infinite maxSeconds',
    { name: 'app', maxSeconds: Number.POSITIVE_INFINITY },
    'ERR_INVALID_SUPERVISOR_OPTIONS',
    'supervisor "app": maxSeconds must be a finite number > 0, got Infinity',
  ],
  ['an empty name', { name: '' }, 'ERR_INVALID_SUPERVISOR_OPTIONS', 'name must be a non-empty string, got ""'],
  [
    'a negative backoff.minMs',
    { name: 'app', backoff: { minMs: -1, maxMs: 10 } },
    'ERR_INVALID_SUPERVISOR_OPTIONS',
    'supervisor "app": backoff.minMs must be a number >= 0, got -1',
  ],
  [
    'a backoff.maxMs below minMs',
    { name: 'app', backoff: { minMs: 100, maxMs: 50 } },
    'ERR_INVALID_SUPERVISOR_OPTIONS',
    'supervisor "app": backoff.maxMs must be a number >= minMs (100), got 50',
  ],
  [
    'a backoff.jitter above 1',
    { name: 'app', backoff: { minMs: 1, maxMs: 2, jitter: 2 } },
    'ERR_INVALID_SUPERVISOR_OPTIONS',
    'supervisor "app": backoff.jitter must be a number from 0 to 1, got 2',
  ],
];

const specs = suite<KernelContext>('validation: child specs', emptyContext());
specs.before.each(setUp);
specs.after.each(tearDown);

for (const [label, options, code, message] of childSpecs) {
  specs(`rejects ${label} with the field path and the value`, async (context) => {
    const error = await rejection(() => startSupervisor(context.system, options));
    assert.is(error.code, code);
    assert.is(error.message, message);
  });
}

// ---

const options = suite<KernelContext>('validation: supervisor options', emptyContext());
options.before.each(setUp);
options.after.each(tearDown);

for (const [label, raw, code, message] of supervisorOptions) {
  options(`rejects ${label}`, async (context) => {
    const error = await rejection(() => startSupervisor(context.system, raw));
    assert.is(error.code, code);
    assert.is(error.message, message);
  });
}

options('accepts the boundaries: maxRestarts 0, shutdown 0, jitter 0 and 1', async (context) => {
  const sup = await startSupervisor(context.system, {
    name: 'app',
    maxRestarts: 0,
    maxSeconds: 0.5,
    backoff: { minMs: 0, maxMs: 0, jitter: 1 },
    children: [{ ...workerSpec('a'), shutdown: 0 }],
  });
  context.supervisors.push(sup);
  assert.equal(sup.restartBudget(), { restarts: 0, maxRestarts: 0, maxSeconds: 0.5 });
});

specs.run();
options.run();
