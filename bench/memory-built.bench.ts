/**
 * Heap per domain of the built package, as an embedding app runs it (`dist/`, plain Node, no tsx):
 * tsx's transform gives every named inner function a `name` property (esbuild's keepNames), which
 * costs about 1 KB per domain that users never pay. Each variant runs in its own `node --expose-gc`
 * process; raw nact + XState is plain JavaScript in the same run. Needs `npm run build`.
 *
 * @example
 * npm run build && node --import tsx bench/memory-built.bench.ts
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist/index.js');
const machine = path.join(root, 'dist/src/domain/domain-machine.js');
const N = 10_000;

const prologue = `
const N = ${N};
const gc = globalThis.gc;
gc(); gc();
const before = process.memoryUsage().heapUsed;
`;
const epilogue = `
gc(); gc();
process.stdout.write(String((process.memoryUsage().heapUsed - before) / N));
`;

const thunderline = `${prologue}
const { startRuntime, defineDomain } = await import(${JSON.stringify(pathToFileURL(dist).href)});
const domains = Array.from({ length: N }, (_, i) => defineDomain({ name: 'd' + i }));
const runtime = await startRuntime({ domains, tickInterval: 'manual', database: ':memory:' });
await runtime.tick();
await runtime.tick();
${epilogue}
await runtime.stop();
`;

const raw = `${prologue}
const { start, spawn, dispatch } = await import('nact');
const { createActor } = await import('xstate');
const { domainMachine } = await import(${JSON.stringify(pathToFileURL(machine).href)});
const system = start();
const refs = [];
let pending = 2 * N;
const done = new Promise((resolve) => {
  for (let i = 0; i < N; i += 1) {
    const actor = createActor(domainMachine).start();
    refs.push(spawn(system, (state, msg) => {
      if (actor.getSnapshot().value === 'waiting') { actor.send({ type: 'TICK', tick: msg.tick }); actor.send({ type: 'ACTIVATED' }); }
      if (--pending === 0) resolve();
      return state;
    }, 'a' + i));
  }
});
for (const tick of [1, 2]) for (const ref of refs) dispatch(ref, { type: 'tick', tick });
await done;
${epilogue}
`;

function measure(script: string): number {
  const result = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
  return Number(result.stdout);
}

/** Runs 3 interleaved repetitions and returns a markdown table of medians. */
export function run(repetitions = 3): string {
  if (!existsSync(dist)) return '(skipped: no dist/ — run `npm run build` first)';
  const ours: number[] = [];
  const baseline: number[] = [];
  for (let index = 0; index < repetitions; index += 1) {
    ours.push(measure(thunderline));
    baseline.push(measure(raw));
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const kb = (bytes: number): string => (bytes / 1024).toFixed(2);
  return [
    `| ${N.toLocaleString('en-US')} active domains, built package | heap per domain | raw nact + XState (plain JS) | ratio |`,
    '| --- | ---: | ---: | ---: |',
    `| after two ticks, median of ${repetitions} | ${kb(median(ours))} KB | ${kb(median(baseline))} KB | ${(median(ours) / median(baseline)).toFixed(2)}× |`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(run());
}
