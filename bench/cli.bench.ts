/**
 * `thunderline start` to the first activation of every Thunderline domain, and the resident
 * memory of the running tree, measured from outside as a user sees it: a child process per run,
 * timed from spawn to the last `domain_activated` line of `--json-logs`; RSS read from
 * /proc/<pid>/status at the third tick. Runs the built CLI (`bin/thunderline.js`, needs `npm run
 * build`) and the tsx one (`npm start`), a few times each; reports medians.
 *
 * @example
 * node --import tsx bench/cli.bench.ts
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TICK_MS = 1000;
const DOMAINS = 9;

interface Sample {
  activatedMs: number;
  rssMb: number;
}

function once(argv: string[]): Promise<Sample> {
  const dir = mkdtempSync(path.join(tmpdir(), 'thunderline-bench-'));
  const began = performance.now();
  const child = spawn(
    process.execPath,
    [
      ...argv,
      'start',
      '--no-server',
      '--json-logs',
      '--tick-interval',
      String(TICK_MS),
      '--max-ticks',
      '3',
      '--db',
      path.join(dir, 'b.db'),
    ],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let buffer = '';
  let activated = 0;
  let activatedMs = Number.NaN;
  let rssMb = Number.NaN;
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
      if (!line.startsWith('{')) continue;
      const event = JSON.parse(line) as { type: string; tick?: number };
      if (event.type === 'domain_activated') {
        activated += 1;
        if (activated === DOMAINS) activatedMs = performance.now() - began;
      }
      if (event.type === 'tick' && event.tick === 3 && child.pid) {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        rssMb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024;
      }
    }
  });
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0) reject(new Error(`start exited ${code}`));
      else resolve({ activatedMs, rssMb });
    });
  });
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/** Runs the measurements and returns a markdown table. */
export async function run(repetitions = 3): Promise<string> {
  const variants: Array<[string, string[]]> = [['tsx (`npm start`)', ['--import', 'tsx', 'src/cli/main.ts']]];
  if (existsSync(path.join(root, 'dist/src/cli/main.js'))) variants.unshift(['built (`bin/thunderline.js`)', ['bin/thunderline.js']]);
  const rows = [
    '| CLI | start → every domain active (median) | minus one tick interval | target | RSS at tick 3 |',
    '| --- | ---: | ---: | --- | ---: |',
  ];
  for (const [name, argv] of variants) {
    const samples: Sample[] = [];
    for (let index = 0; index < repetitions; index += 1) samples.push(await once(argv));
    const activated = median(samples.map((sample) => sample.activatedMs));
    const rss = median(samples.map((sample) => sample.rssMb));
    rows.push(
      `| ${name} | ${activated.toFixed(0)} ms | ${(activated - TICK_MS).toFixed(0)} ms | ≤ 500 ms + ${TICK_MS} ms | ${rss.toFixed(1)} MB |`,
    );
  }
  return rows.join('\n');
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  console.log(await run());
}
