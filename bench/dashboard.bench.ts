/**
 * The cost of a connected dashboard on the tick: one runtime (1,000 domains, the server on, manual
 * ticks back to back, yielding to I/O between ticks) measured in alternating rounds without and
 * with the dashboard open in real headless Chromium (which streams the events and polls
 * `/api/actors`, `/api/load` and `/api/panels` every 2 s). Prints medians per condition.
 *
 * @example
 * node --expose-gc --import tsx bench/dashboard.bench.ts
 *
 * import { run } from './dashboard.bench.ts';
 * const markdown = await run({ rounds: 2, roundMs: 1000 });
 */
import { pathToFileURL } from 'node:url';
import { defineDomain, startRuntime } from '../index.ts';
import { launchChromium } from '../test/support/chromium.ts';

/** Options of {@link run}. */
export interface DashboardBenchOptions {
  /** Domains in the runtime; default 1,000. */
  domains?: number;
  /** Rounds per condition, alternating; default 6. */
  rounds?: number;
  /** ms of ticking per round; default 4,000. */
  roundMs?: number;
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs the comparison; resolves with a markdown table. */
export async function run(options: DashboardBenchOptions = {}): Promise<string> {
  const domains = options.domains ?? 1000;
  const rounds = options.rounds ?? 6;
  const roundMs = options.roundMs ?? 4000;
  const runtime = await startRuntime({
    tickInterval: 'manual',
    database: ':memory:',
    server: { port: 0 },
    domains: Array.from({ length: domains }, (_, index) => defineDomain({ name: `d${index}` })),
  });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const samples: Record<'without' | 'with', number[]> = { without: [], with: [] };
  const roundMedians: Record<'without' | 'with', number[]> = { without: [], with: [] };
  try {
    for (let tick = 0; tick < 200; tick += 1) await runtime.tick(); // warm-up
    for (let round = 0; round < rounds * 2; round += 1) {
      const condition = round % 2 === 0 ? 'without' : 'with';
      if (condition === 'with') {
        await page.goto(runtime.serverUrl ?? '');
        await page.locator('#actors tbody tr').first().waitFor({ timeout: 30_000 });
      } else {
        await page.goto('about:blank');
      }
      const times: number[] = [];
      const end = performance.now() + roundMs;
      while (performance.now() < end) {
        const started = performance.now();
        await runtime.tick();
        times.push(performance.now() - started);
        await yieldToIo();
      }
      samples[condition].push(...times);
      roundMedians[condition].push(quantile(times, 0.5));
      process.stderr.write(
        `round ${round + 1}: ${condition} dashboard, ${times.length} ticks, median ${quantile(times, 0.5).toFixed(3)} ms\n`,
      );
    }
  } finally {
    await browser.close();
    await runtime.stop();
  }
  const row = (condition: 'without' | 'with'): string => {
    const values = samples[condition];
    return `| ${condition} a dashboard | ${values.length} | ${Math.round(values.length / ((rounds * roundMs) / 1000))} | ${quantile(values, 0.5).toFixed(3)} | ${quantile(roundMedians[condition], 0.5).toFixed(3)} | ${quantile(values, 0.99).toFixed(3)} |`;
  };
  const cost = quantile(samples.with, 0.5) / quantile(samples.without, 0.5) - 1;
  return [
    `Node ${process.version}, ${domains} active domains, ${rounds} rounds of ${roundMs} ms per condition, alternating.`,
    '',
    '| condition | ticks | ticks/s, back to back | median tick, ms | median of round medians, ms | p99 tick, ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    row('without'),
    row('with'),
    '',
    `Cost of a connected dashboard on the median tick: ${(cost * 100).toFixed(1)} % (target ≤ 5 %); on back-to-back tick throughput: ${((1 - samples.with.length / samples.without.length) * 100).toFixed(1)} % (the stream sends every tick event to the page).`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(`${await run()}\n`);
}
