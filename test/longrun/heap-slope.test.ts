/**
 * The 60-second long-run check: 12,000 ticks of 5 ms (60 s of the Thunderline tree's time, on a
 * ManualClock, so the tick count and not the machine's speed decides what runs) after 5,000 ticks
 * of warm-up, in a child process with `--expose-gc`; the heap after a full GC must be flat. The
 * same child keeping 350 bytes a tick on purpose must fail the same check, in the same run.
 * Wall-clock figures (RSS, file size, 30 minutes) are `npm run bench -- longrun`'s.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { within } from '../support/within.ts';

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'heap-child.ts');
/**
 * Bytes of heap a tick may add, in the slope after warm-up: a leak of 350 bytes a tick measures
 * about 370; the tree without one measures within a few bytes of 0 (noise of a heap after full GC,
 * about ±50 KB, spread over 12,000 ticks).
 */
const MAX_SLOPE_BYTES_PER_TICK = 100;

interface ChildResult {
  slopeBytesPerTick: number;
  leaked: number;
  samples: Array<{ tick: number; heapBytes: number }>;
}

function runChild(leakBytes: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        '--expose-gc',
        '--import',
        'tsx',
        child,
        '--ticks',
        '12000',
        '--warmup',
        '5000',
        '--sample-every',
        '500',
        '--leak-bytes',
        String(leakBytes),
      ],
      { maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`heap child failed: ${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').at(-1) as string) as ChildResult);
      },
    );
  });
}

const longrun = suite('long run: the heap after GC is flat');

longrun('12,000 ticks of the Thunderline tree add no heap, and a 350-byte-a-tick leak is caught', async () => {
  const [flat, leaking] = await within(Promise.all([runChild(0), runChild(350)]), 'the two heap children', 300_000);
  const describe = (result: ChildResult) =>
    `slope ${result.slopeBytesPerTick.toFixed(1)} B/tick; heap after GC: ${result.samples.map((s) => (s.heapBytes / 1e6).toFixed(2)).join(' ')} MB`;
  assert.is(flat.samples.length, 25);
  assert.ok(flat.slopeBytesPerTick < MAX_SLOPE_BYTES_PER_TICK, `the tree: ${describe(flat)}`);
  assert.is(leaking.leaked, 17_000);
  assert.ok(leaking.slopeBytesPerTick > MAX_SLOPE_BYTES_PER_TICK, `the same tree leaking 350 B/tick: ${describe(leaking)}`);
});

longrun.run();
