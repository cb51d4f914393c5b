/**
 * Scratch measurement for `asyncStream` (src/supervisor/task-stream.ts): 100,000 items with
 * maxConcurrency 8 against a hand-written pool of `Promise.all` batches of 8 calling `fn`
 * directly, interleaved in one process, medians of several runs; plus the cost of one task
 * actor (spawn under a task supervisor, run, exit) that a one-actor-per-item design would pay.
 * bench/run.ts runs it with every other bench (`npm run bench`); `npm run bench -- toolkit` runs
 * it with bench/toolkit.bench.ts only.
 *
 * @example
 * npm run bench -- toolkit
 * node --expose-gc --import tsx bench/toolkit-tasks.bench.ts
 */
import { type Behaviour, createActorSystem, spawnActor } from '../src/actor/index.ts';
import { type AsyncStreamOptions, startTaskSupervisor, type TaskSupervisorRef } from '../src/supervisor/index.ts';
import { fmt, median } from './stats.ts';

const ITEMS = 100_000;
const CONCURRENCY = 8;
const RUNS = Number(process.env.RUNS ?? 11);
const items = Array.from({ length: ITEMS }, (_, index) => index);

const gc = (globalThis as { gc?: () => void }).gc;
const bare: Behaviour<null, { type: 'noop' }> = { name: 'bare', init: () => null, handle: (state) => state };

async function timed(fn: () => Promise<void>): Promise<number> {
  gc?.();
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/** The baseline: batches of 8 through `Promise.all`, every result kept. */
async function pool(fn: (item: number) => unknown): Promise<void> {
  const results: unknown[] = [];
  for (let index = 0; index < items.length; index += CONCURRENCY) {
    const batch = await Promise.all(items.slice(index, index + CONCURRENCY).map(fn));
    for (const value of batch) results.push(value);
  }
  if (results.length !== ITEMS) throw new Error('pool lost items');
}

/** The same pool as an async generator: batches of 8 through `Promise.all`, each result yielded. */
async function* poolGenerator(fn: (item: number) => unknown): AsyncGenerator<{ ok: unknown }> {
  for (let index = 0; index < items.length; index += CONCURRENCY) {
    for (const value of await Promise.all(items.slice(index, index + CONCURRENCY).map(fn))) yield { ok: value };
  }
}

async function pooled(fn: (item: number) => unknown): Promise<void> {
  let count = 0;
  for await (const _ of poolGenerator(fn)) count += 1;
  if (count !== ITEMS) throw new Error(`pool generator lost items: ${count}`);
}

/**
 * The floor for any async iterable of per-item results: 8 lanes chained with `then`, results
 * queued (unordered) and read one `next()` at a time. No actors, no timeouts, no ordering.
 */
function laneIterator(fn: (item: number) => unknown): AsyncIterable<{ ok: unknown }> {
  return {
    [Symbol.asyncIterator]() {
      const queue: Array<{ ok: unknown }> = [];
      let nextItem = 0;
      let running = 0;
      let waiter: ((result: IteratorResult<{ ok: unknown }>) => void) | undefined;
      const push = (value: unknown): void => {
        running -= 1;
        const result = { ok: value };
        if (waiter) {
          const resolve = waiter;
          waiter = undefined;
          resolve({ value: result, done: false });
        } else queue.push(result);
        start();
      };
      const start = (): void => {
        while (running < CONCURRENCY && nextItem < items.length && queue.length < CONCURRENCY) {
          running += 1;
          Promise.resolve(fn(items[nextItem++] as number)).then(push);
        }
        if (waiter && running === 0 && queue.length === 0) waiter({ value: undefined, done: true });
      };
      return {
        next() {
          const queued = queue.shift();
          if (queued) {
            start();
            return Promise.resolve({ value: queued, done: false });
          }
          return new Promise((resolve) => {
            waiter = resolve;
            start();
          });
        },
      };
    },
  };
}

async function floor(fn: (item: number) => unknown): Promise<void> {
  let count = 0;
  for await (const _ of laneIterator(fn)) count += 1;
  if (count !== ITEMS) throw new Error(`floor lost items: ${count}`);
}

async function stream(tasks: TaskSupervisorRef, fn: (item: number) => unknown, options: AsyncStreamOptions): Promise<void> {
  let count = 0;
  for await (const result of tasks.asyncStream(items, fn, { maxConcurrency: CONCURRENCY, ...options })) if ('ok' in result) count += 1;
  if (count !== ITEMS) throw new Error(`stream lost items: ${count}`);
}

async function main(): Promise<void> {
  const system = createActorSystem();
  const tasks = await startTaskSupervisor(system, { name: 'bench' });
  const tick = (item: number): Promise<number> => new Promise((resolve) => setImmediate(() => resolve(item * 2)));
  const fns: Array<[string, (item: number) => unknown]> = [
    ['async, no await', async (item) => item * 2],
    ['sync', (item) => item * 2],
    ['one setImmediate', tick],
    ['1 or 3 setImmediates', async (item) => (item % 8 === 0 ? tick(await tick(await tick(item))) : tick(item))],
  ];
  console.log(
    `| fn | pool (Promise.all of ${CONCURRENCY}) | same pool as async generator | async iterator floor | asyncStream ordered | unordered | timeout: Infinity | ordered / pool |`,
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const [name, fn] of fns) {
    const runs = {
      pool: [] as number[],
      generator: [] as number[],
      floor: [] as number[],
      ordered: [] as number[],
      unordered: [] as number[],
      infinite: [] as number[],
    };
    for (let run = 0; run <= RUNS; run += 1) {
      const p = await timed(() => pool(fn));
      const g = await timed(() => pooled(fn));
      const f = await timed(() => floor(fn));
      const o = await timed(() => stream(tasks, fn, { ordered: true }));
      const u = await timed(() => stream(tasks, fn, { ordered: false }));
      const i = await timed(() => stream(tasks, fn, { ordered: true, timeout: Number.POSITIVE_INFINITY }));
      if (run === 0) continue; // warm-up
      runs.pool.push(p);
      runs.generator.push(g);
      runs.floor.push(f);
      runs.ordered.push(o);
      runs.unordered.push(u);
      runs.infinite.push(i);
    }
    const p = median(runs.pool);
    const o = median(runs.ordered);
    const cells = [p, median(runs.generator), median(runs.floor), o, median(runs.unordered), median(runs.infinite)].map(
      (ms) => `${fmt(ms)} ms`,
    );
    console.log(`| ${name} | ${cells.join(' | ')} | ${(o / p).toFixed(2)} |`);
  }
  // The design not taken: one task actor per item, 8 in flight (async + await under the supervisor).
  const perItem: number[] = [];
  const sample = 10_000;
  for (let run = 0; run <= 3; run += 1) {
    const ms = await timed(async () => {
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < sample) {
          const item = next++;
          await tasks.await(await tasks.async(async () => item * 2));
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, lane));
    });
    if (run > 0) perItem.push(ms);
  }
  console.log(`\none task actor per item, 8 in flight: ${fmt(median(perItem))} ms for ${sample} items (x10 for 100,000)`);
  const spawns: number[] = [];
  for (let run = 0; run <= 3; run += 1) {
    const ms = await timed(async () => {
      for (let index = 0; index < sample; index += 1) (await spawnActor(system, bare, undefined)).kill('normal');
    });
    if (run > 0) spawns.push((ms * 1000) / sample);
  }
  console.log(`one bare actor cell, spawnActor + kill, no supervisor: ${fmt(median(spawns))} µs`);
  await tasks.stop();
  system.stop();
}

await main();
