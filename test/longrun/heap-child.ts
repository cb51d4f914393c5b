/**
 * The child of `heap-slope.test.ts`: runs the Thunderline tree (server on a free port, a real
 * SQLite file, default retention) on a ManualClock for a fixed number of 5 ms ticks, samples the
 * heap after a full GC every `--sample-every` ticks after `--warmup`, and prints one JSON line:
 * the least-squares slope in bytes per tick and the samples. `--leak-bytes <n>` keeps about n
 * bytes per tick on purpose, so the test can show that its check catches such a leak.
 *
 * @example
 * node --expose-gc --import tsx test/longrun/heap-child.ts --ticks 12000 --warmup 5000 --sample-every 500 --leak-bytes 0
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ManualClock } from '../../src/clock.ts';
import { startThunderline } from '../../supervisors/thunderline.ts';

const { values } = parseArgs({
  options: {
    ticks: { type: 'string', default: '12000' },
    warmup: { type: 'string', default: '5000' },
    'sample-every': { type: 'string', default: '500' },
    'leak-bytes': { type: 'string', default: '0' },
  },
});
const ticks = Number(values.ticks);
const warmup = Number(values.warmup);
const sampleEvery = Number(values['sample-every']);
// A packed array of doubles: 8 bytes an element, plus its headers.
const leakElements = Math.round(Number(values['leak-bytes']) / 8);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thunderline-heap-'));
const clock = new ManualClock();
const runtime = await startThunderline({
  tickInterval: 'manual',
  clock,
  database: path.join(dir, 'thunderline.db'),
  server: { host: '127.0.0.1', port: 0 },
});
const leak: number[][] = [];
const samples: Array<{ tick: number; heapBytes: number }> = [];
for (let tick = 1; tick <= warmup + ticks; tick += 1) {
  clock.advance(5);
  await runtime.tick();
  if (leakElements > 0) leak.push(new Array<number>(leakElements).fill(0.5));
  if (tick >= warmup && (tick - warmup) % sampleEvery === 0) {
    gc();
    gc();
    samples.push({ tick, heapBytes: process.memoryUsage().heapUsed });
  }
}
await runtime.stop();
fs.rmSync(dir, { recursive: true, force: true });

const n = samples.length;
const mx = samples.reduce((sum, s) => sum + s.tick, 0) / n;
const my = samples.reduce((sum, s) => sum + s.heapBytes, 0) / n;
let num = 0;
let den = 0;
for (const s of samples) {
  num += (s.tick - mx) * (s.heapBytes - my);
  den += (s.tick - mx) ** 2;
}
process.stdout.write(`${JSON.stringify({ slopeBytesPerTick: num / den, leaked: leak.length, samples })}\n`);
