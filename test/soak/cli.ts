/**
 * `npm run soak`: the chaos soak (docs/operations.md, "Chaos soak").
 *
 * @example
 * npm run soak -- --seed 42 --minutes 30
 * npm run soak -- --steps 500 --domains 100..10000 --tree generated
 * npm run soak -- --seed 43 --tree generated --domains 250 --replay '[{"kind":"tick"}]'
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { formatReport, type SoakOptions, soak } from './soak.ts';
import { parseSteps } from './steps.ts';

const HELP = `Usage: npm run soak -- [flags]

Runs the runtime under random faults and checks its invariants after every step.

  --seed <n>              seed (default: random, printed)
  --minutes <m>           run sessions for this long
  --steps <n>             or until this many steps (default 200)
  --domains <n|a..b>      domains of a generated tree (default 100..1000)
  --tree <kind>           generated, thunderline or mixed (default mixed)
  --session-steps <n>     steps per session, each on a fresh file (default 150)
  --process-kills <w>     weight of kill -9 steps, 0 for none (default 1)
  --include-known         fail on the known, unfixed bugs (test/soak/known.ts) instead of
                          working around them
  --replay '<json>'       run exactly these steps (one session; give --seed, --tree, --domains as printed)
  --no-shrink             report a failure without shrinking it
  --shrink-minutes <m>    time allowed for shrinking (default 10)
  --report <file>         also write the report as JSON`;

function integer(flag: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min) throw new Error(`${flag} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  return parsed;
}

function range(value: string | undefined): [number, number] {
  if (value === undefined) return [100, 1000];
  const match = /^(\d+)(?:\.\.(\d+))?$/.exec(value);
  if (!match) throw new Error(`--domains must be n or a..b, got ${JSON.stringify(value)}`);
  const low = Number(match[1]);
  const high = Number(match[2] ?? match[1]);
  if (low < 1 || high > 100_000 || low > high) throw new Error(`--domains must be within 1..100000 and low <= high, got ${value}`);
  return [low, high];
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string' },
      minutes: { type: 'string' },
      steps: { type: 'string' },
      domains: { type: 'string' },
      tree: { type: 'string' },
      'session-steps': { type: 'string' },
      'process-kills': { type: 'string' },
      replay: { type: 'string' },
      'include-known': { type: 'boolean' },
      'no-shrink': { type: 'boolean' },
      'shrink-minutes': { type: 'string' },
      report: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const tree = values.tree ?? 'mixed';
  if (tree !== 'generated' && tree !== 'thunderline' && tree !== 'mixed')
    throw new Error(`--tree must be generated, thunderline or mixed, got ${tree}`);
  const seed = integer('--seed', values.seed, Math.floor(Math.random() * 2 ** 31));
  const minutes = values.minutes === undefined ? undefined : Number(values.minutes);
  if (minutes !== undefined && !(minutes > 0)) throw new Error(`--minutes must be a number > 0, got ${values.minutes}`);
  const options: SoakOptions = {
    seed,
    ...(minutes === undefined ? {} : { minutes }),
    ...(values.steps === undefined ? {} : { steps: integer('--steps', values.steps, 200, 1) }),
    domains: range(values.domains),
    tree,
    sessionSteps: integer('--session-steps', values['session-steps'], 150, 1),
    processKills: integer('--process-kills', values['process-kills'], 1),
    includeKnown: values['include-known'] ?? false,
    ...(values.replay === undefined ? {} : { replay: parseSteps(values.replay) }),
    shrink: !values['no-shrink'],
    shrinkMs: Number(values['shrink-minutes'] ?? 10) * 60_000,
    log: (line) => console.log(line),
  };
  const command =
    `npm run soak -- ${argv.includes('--seed') ? '' : `--seed ${seed} `}${argv.map((arg) => (/^[\w.:/=-]+$/.test(arg) ? arg : `'${arg}'`)).join(' ')}`.trim();
  console.log(`chaos soak: seed ${seed} (${command})`);
  const report = await soak(options);
  console.log(formatReport(report, command));
  if (values.report) fs.writeFileSync(values.report, `${JSON.stringify({ command, ...report }, null, 2)}\n`);
  return report.failure ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`soak: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
