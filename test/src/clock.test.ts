import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ManualClock, SystemClock, systemClock } from '../../src/clock.ts';

const manual = suite('ManualClock');

manual('starts at 0 on 2026-01-01 and moves only when advanced', () => {
  const clock = new ManualClock();
  assert.is(clock.now(), 0);
  assert.is(new Date(clock.wallNow()).toISOString(), '2026-01-01T00:00:00.000Z');
  clock.advance(1500);
  assert.is(clock.now(), 1500);
  assert.is(new Date(clock.wallNow()).toISOString(), '2026-01-01T00:00:01.500Z');
});

manual('takes a start and a wall origin', () => {
  const clock = new ManualClock(100, Date.UTC(2030, 5, 1));
  assert.is(clock.now(), 100);
  assert.is(new Date(clock.wallNow()).toISOString(), '2030-06-01T00:00:00.000Z');
});

manual('fires a timer when its deadline is reached, not before', () => {
  const clock = new ManualClock();
  const fired: number[] = [];
  clock.setTimeout(() => fired.push(clock.now()), 100);
  clock.advance(99);
  assert.equal(fired, []);
  clock.advance(1);
  assert.equal(fired, [100]);
  assert.is(clock.pendingTimers(), 0);
});

manual('fires timers in due order, ties in creation order, each seeing its own deadline', () => {
  const clock = new ManualClock();
  const fired: string[] = [];
  clock.setTimeout(() => fired.push(`c@${clock.now()}`), 30);
  clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
  clock.setTimeout(() => fired.push(`b1@${clock.now()}`), 20);
  clock.setTimeout(() => fired.push(`b2@${clock.now()}`), 20);
  clock.advance(100);
  assert.equal(fired, ['a@10', 'b1@20', 'b2@20', 'c@30']);
  assert.is(clock.now(), 100);
});

manual('fires timers set by a timer when they fall due within the same advance', () => {
  const clock = new ManualClock();
  const fired: number[] = [];
  clock.setTimeout(() => {
    fired.push(clock.now());
    clock.setTimeout(() => fired.push(clock.now()), 10);
  }, 10);
  clock.advance(25);
  assert.equal(fired, [10, 20]);
});

manual('a cleared timer never fires; clearing twice or clearing undefined is harmless', () => {
  const clock = new ManualClock();
  let fired = false;
  const handle = clock.setTimeout(() => (fired = true), 5);
  clock.clearTimeout(handle);
  clock.clearTimeout(handle);
  clock.clearTimeout(undefined);
  clock.advance(10);
  assert.not.ok(fired);
});

manual('a negative delay is due at once', () => {
  const clock = new ManualClock();
  let fired = false;
  clock.setTimeout(() => (fired = true), -5);
  clock.advance(0);
  assert.ok(fired);
});

manual('refuses to go back in time', () => {
  const clock = new ManualClock();
  assert.throws(
    () => clock.advance(-1),
    (error: Error) => error instanceof RangeError && error.message === 'ManualClock.advance: ms must be >= 0, got -1',
  );
});

// ---

const system = suite('SystemClock');

system('now is monotonic and wallNow is Date.now', () => {
  const a = systemClock.now();
  const b = systemClock.now();
  assert.ok(b >= a);
  assert.ok(Math.abs(systemClock.wallNow() - Date.now()) < 1000);
});

system('runs a timer and lets it be cleared', async () => {
  const clock = new SystemClock();
  let cleared = false;
  const handle = clock.setTimeout(() => (cleared = true), 0);
  clock.clearTimeout(handle);
  await new Promise<void>((resolve) => clock.setTimeout(resolve, 0));
  assert.not.ok(cleared);
});

manual.run();
system.run();
