// Option errors of the OTP toolkit (DynamicSupervisor, TaskSupervisor, asyncStream, Task): each
// names the offending value and what is allowed, and unknown options (typos) are rejected by name.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ThunderlineError } from '../../../src/errors.ts';
import {
  type AsyncStreamOptions,
  type DynamicSupervisorOptions,
  startDynamicSupervisor,
  startTaskSupervisor,
  type TaskSupervisorOptions,
  type TaskSupervisorRef,
} from '../../../src/supervisor/index.ts';
import { emptyContext, type KernelContext, rejection, setUp, tearDown } from './helpers.ts';

const loose = <T>(value: unknown): T => value as T;

/** The ThunderlineError `fn` throws synchronously. */
function thrown(fn: () => unknown): ThunderlineError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ThunderlineError) return error;
    throw new Error(`expected a ThunderlineError, got ${String(error)}`);
  }
  throw new Error('expected a throw');
}

const supervisors = suite<KernelContext>('toolkit supervisors: options', emptyContext());
supervisors.before.each(setUp);
supervisors.after.each(tearDown);

supervisors('startDynamicSupervisor rejects an unknown option by name, listing the allowed ones', async (context) => {
  const error = await rejection(() =>
    startDynamicSupervisor(context.system, loose<DynamicSupervisorOptions>({ name: 'rooms', maxChildern: 3 })),
  );
  assert.is(error.code, 'ERR_INVALID_SUPERVISOR_OPTIONS');
  assert.is(
    error.message,
    'supervisor "rooms": unknown option "maxChildern"; the options are name, maxRestarts, maxSeconds, maxChildren, extraArguments and backoff',
  );
});

supervisors('startTaskSupervisor rejects a non-object naming it, and an unknown option by name', async (context) => {
  const notObject = await rejection(() => startTaskSupervisor(context.system, loose<TaskSupervisorOptions>(42)));
  assert.is(notObject.code, 'ERR_INVALID_SUPERVISOR_OPTIONS');
  assert.is(notObject.message, 'task supervisor options must be an object, got 42');
  const typo = await rejection(() =>
    startTaskSupervisor(context.system, loose<TaskSupervisorOptions>({ name: 'tasks', maxConcurency: 2 })),
  );
  assert.is(typo.code, 'ERR_INVALID_SUPERVISOR_OPTIONS');
  assert.is(
    typo.message,
    'supervisor "tasks": unknown option "maxConcurency"; the options are name, maxChildren, maxRestarts and maxSeconds',
  );
  const shared = await rejection(() => startTaskSupervisor(context.system, { name: 'tasks', maxRestarts: -1 }));
  assert.is(shared.message, 'supervisor "tasks": maxRestarts must be an integer >= 0, got -1');
});

const tasks = suite<KernelContext & { tasks: TaskSupervisorRef }>('task supervisor calls: options', {
  ...emptyContext(),
  tasks: loose<TaskSupervisorRef>(undefined),
});
tasks.before.each(async (context) => {
  setUp(context);
  context.tasks = await startTaskSupervisor(context.system, { name: 'tasks' });
});
tasks.after.each((context) => {
  context.tasks.kill('test over');
  tearDown(context);
});

tasks('async / asyncNolink / startChild blame their own shutdown option, not a child spec', async (context) => {
  const cases: Array<[string, () => Promise<unknown>, string]> = [
    ['async', () => context.tasks.async(async () => 1, { shutdown: -1 }), 'got -1'],
    ['asyncNolink', () => context.tasks.asyncNolink(async () => 1, { shutdown: loose('infinite') }), 'got "infinite"'],
    ['startChild', () => context.tasks.startChild(async () => 1, { shutdown: 1.5 }), 'got 1.5'],
  ];
  for (const [what, start, got] of cases) {
    const error = await rejection(start);
    assert.is(error.code, 'ERR_INVALID_OPTION');
    assert.is(error.message, `${what}: options.shutdown must be an integer number of ms >= 0 or "brutal_kill", ${got}`);
  }
  const restart = await rejection(() => context.tasks.startChild(async () => 1, { restart: loose('always') }));
  assert.is(restart.code, 'ERR_INVALID_OPTION');
  assert.is(restart.message, 'startChild: options.restart must be "permanent", "transient" or "temporary", got "always"');
  assert.equal(context.tasks.children(), [], 'nothing started');
});

tasks('shutdown(task, ...) names the value and lists "brutal_kill" among the allowed ones', async (context) => {
  const task = await context.tasks.async(async () => 'done');
  const error = await rejection(() => context.tasks.shutdown(task, loose('brutal')));
  assert.is(error.code, 'ERR_INVALID_OPTION');
  assert.is(error.message, 'shutdown: the shutdown argument must be a number of ms >= 0, Infinity or "brutal_kill", got "brutal"');
  const wait = await rejection(() => context.tasks.await(task, loose('soon')));
  assert.is(wait.message, 'await: timeoutMs must be a number >= 0 or Infinity, got "soon"');
});

tasks('asyncStream names a bad value as a value (not [object Object]) and rejects unknown options', (context) => {
  const items = [1, 2];
  const work = async (n: number) => n;
  const cases: Array<[AsyncStreamOptions, string]> = [
    [{ maxConcurrency: loose({ max: 2 }) }, 'asyncStream: maxConcurrency must be an integer greater than zero, got {"max":2}'],
    [{ ordered: loose([]) }, 'asyncStream: ordered must be true or false, got []'],
    [
      loose({ maxConcurency: 2 }),
      'asyncStream: unknown option "maxConcurency"; the options are maxConcurrency, ordered, timeout and onTimeout',
    ],
  ];
  for (const [options, message] of cases) {
    const error = thrown(() => context.tasks.asyncStream(items, work, options));
    assert.is(error.code, 'ERR_INVALID_OPTION');
    assert.is(error.message, message);
  }
  assert.is(thrown(() => context.tasks.asyncStream(items, work, loose(null))).message, 'asyncStream: options must be an object, got null');
  assert.is(
    thrown(() => context.tasks.asyncStream(loose<number[]>({ length: 2 }), work)).message,
    'asyncStream: items must be an iterable or an async iterable, got {"length":2}',
  );
});

supervisors.run();
tasks.run();
