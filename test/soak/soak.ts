/**
 * A soak: sessions one after another (each a fresh temp dir, tree and step list from its own
 * seed: the run's seed + the session's index) until the step count or the time is spent, or a
 * session fails. A failure is shrunk (shrink.ts) and reported with the command that replays it.
 */
import fc from 'fast-check';
import { runSession, type SessionResult } from './harness.ts';
import { shrinkSteps } from './shrink.ts';
import { generateSteps, type Step } from './steps.ts';
import type { TreeKind } from './tree-gen.ts';
import { newStats, type SoakStats } from './world.ts';

export interface SoakOptions {
  seed: number;
  /** Run sessions until this many minutes have passed. */
  minutes?: number;
  /** Or until this many steps were taken (default 200 when neither is given). */
  steps?: number;
  /** Domains of a generated tree: each session picks a count in this range. */
  domains: [number, number];
  tree: TreeKind | 'mixed';
  /** Steps per session. */
  sessionSteps: number;
  /** Weight of processKill steps (0: none). */
  processKills: number;
  /** Fail on the known bugs (known.ts): generate the steps that hit them, turn their work-arounds off. */
  includeKnown?: boolean;
  /** Replay exactly these steps (one session). */
  replay?: Step[];
  /** Shrink a failure (default true), for at most this many ms. */
  shrink: boolean;
  shrinkMs: number;
  log: (line: string) => void;
}

export interface SessionSummary {
  seed: number;
  tree: TreeKind;
  domains: number;
  steps: number;
  ms: number;
  heapStart: number;
  heapEnd: number;
  peakHeap: number;
  peakRss: number;
}

export interface SoakFailureReport {
  seed: number;
  tree: TreeKind;
  domains: number;
  invariant: string;
  message: string;
  /** The failing session's steps up to the failing one. */
  original: number;
  steps: Step[];
  replay: string;
}

export interface SoakReport {
  seed: number;
  sessions: SessionSummary[];
  stats: SoakStats;
  failure: SoakFailureReport | undefined;
  memory: { heapStart: number; heapEnd: number; rssStart: number; rssEnd: number; peakHeap: number; peakRss: number };
  ms: number;
}

/** The tree and domain count of the session with `seed`. */
export function sessionConfig(seed: number, options: Pick<SoakOptions, 'tree' | 'domains'>): { tree: TreeKind; domains: number } {
  const [low, high] = options.domains;
  const [config] = fc.sample(
    fc.record({
      tree: options.tree === 'mixed' ? fc.constantFrom<TreeKind>('generated', 'thunderline') : fc.constant(options.tree),
      domains: fc.integer({ min: Math.min(low, high), max: Math.max(low, high) }),
    }),
    { seed, numRuns: 1 },
  );
  return config ?? { tree: 'generated', domains: low };
}

const quote = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`;

/** The command that replays `steps` as one session. */
export function replayCommand(seed: number, tree: TreeKind, domains: number, steps: readonly Step[]): string {
  const size = tree === 'generated' ? ` --domains ${domains}` : '';
  return `npm run soak -- --seed ${seed} --tree ${tree}${size} --replay ${quote(JSON.stringify(steps))}`;
}

export async function soak(options: SoakOptions): Promise<SoakReport> {
  const began = Date.now();
  const stats = newStats();
  const sessions: SessionSummary[] = [];
  const rssStart = process.memoryUsage().rss;
  let heapStart: number | undefined;
  let heapEnd = 0;
  const deadline = options.minutes === undefined ? undefined : began + options.minutes * 60_000;
  const totalSteps = options.replay ? options.replay.length : (options.steps ?? (deadline === undefined ? 200 : Number.POSITIVE_INFINITY));
  let failure: SoakFailureReport | undefined;
  for (let index = 0; stats.steps < totalSteps && (deadline === undefined || Date.now() < deadline); index += 1) {
    const seed = (options.seed + index) >>> 0;
    const { tree, domains } = sessionConfig(seed, options);
    const steps =
      options.replay ??
      generateSteps(seed, Math.min(options.sessionSteps, totalSteps - stats.steps), {
        processKills: options.processKills,
        known: options.includeKnown ?? false,
      });
    options.log(
      `session ${index + 1}: seed ${seed}, ${tree} tree${tree === 'generated' ? ` of ${domains} domains` : ''}, ${steps.length} steps`,
    );
    const strict = options.includeKnown ?? false;
    const result: SessionResult = await runSession({ seed, tree, domains, steps, stats, deadline, log: options.log, strict });
    heapStart ??= result.heapStart;
    heapEnd = result.heapEnd;
    sessions.push({
      seed,
      tree,
      domains,
      steps: result.ran,
      ms: result.ms,
      heapStart: result.heapStart,
      heapEnd: result.heapEnd,
      peakHeap: result.peakHeap,
      peakRss: result.peakRss,
    });
    options.log(
      `  ${result.ran} steps in ${(result.ms / 1000).toFixed(1)} s, heap after GC ${mb(result.heapStart)} -> ${mb(result.heapEnd)}, live heap up to ${mb(result.peakHeap)}, rss up to ${mb(result.peakRss)}${
        result.failure ? `; FAILED at step ${result.failure.index + 1}: ${result.failure.message}` : ''
      }`,
    );
    if (result.failure) {
      failure = await reportFailure(options, { seed, tree, domains }, steps, result);
      break;
    }
    if (options.replay) break;
  }
  return {
    seed: options.seed,
    sessions,
    stats,
    failure,
    memory: {
      heapStart: heapStart ?? 0,
      heapEnd,
      rssStart,
      rssEnd: process.memoryUsage().rss,
      peakHeap: Math.max(0, ...sessions.map((each) => each.peakHeap)),
      peakRss: Math.max(0, ...sessions.map((each) => each.peakRss)),
    },
    ms: Date.now() - began,
  };
}

async function reportFailure(
  options: SoakOptions,
  config: { seed: number; tree: TreeKind; domains: number },
  steps: readonly Step[],
  result: SessionResult,
): Promise<SoakFailureReport> {
  const failed = result.failure;
  if (!failed) throw new Error('reportFailure without a failure');
  // The steps after the failing one played no part.
  const upTo = failed.index >= 0 && failed.index < steps.length ? steps.slice(0, failed.index + 1) : [...steps];
  let shortest = upTo;
  if (options.shrink && upTo.length > 1) {
    const deadline = Date.now() + options.shrinkMs;
    options.log(`shrinking ${upTo.length} steps (invariant ${failed.invariant}), for at most ${Math.round(options.shrinkMs / 1000)} s`);
    shortest = await shrinkSteps(
      upTo,
      async (candidate) => {
        const again = await runSession({ ...config, steps: candidate, stats: newStats(), strict: options.includeKnown ?? false });
        return again.failure?.invariant === failed.invariant;
      },
      { deadline, log: options.log },
    );
  }
  return {
    ...config,
    invariant: failed.invariant,
    message: failed.message,
    original: upTo.length,
    steps: shortest,
    replay: replayCommand(config.seed, config.tree, config.domains, shortest),
  };
}

export const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** The report as text: what ran, faults by kind, invariant checks, memory, and a failure's replay. */
export function formatReport(report: SoakReport, command: string): string {
  const { stats } = report;
  const kinds = [...new Set([...Object.keys(stats.applied), ...Object.keys(stats.skipped)])].sort();
  const lines = [
    `chaos soak: seed ${report.seed}, ${stats.steps} steps in ${report.sessions.length} sessions, ${(report.ms / 1000).toFixed(1)} s`,
    `command: ${command}`,
    `runtimes started: ${stats.boots} (one per session, and again after ${stats.escalations} escalations, ${stats.applied.processKill ?? 0} process kills and ${stats.applied.restart ?? 0} restarts)`,
    'steps by kind (applied / skipped):',
    ...kinds.map((kind) => `  ${kind.padEnd(44)} ${String(stats.applied[kind] ?? 0).padStart(6)} / ${stats.skipped[kind] ?? 0}`),
    'invariant checks:',
    ...Object.entries(stats.checks)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, count]) => `  ${name.padEnd(44)} ${String(count).padStart(7)}`),
    `memory: heap ${mb(report.memory.heapStart)} at the start, ${mb(report.memory.heapEnd)} at the end (after a full GC, no runtime running); live heap up to ${mb(report.memory.peakHeap)} (after a full GC, every 10 steps); rss ${mb(report.memory.rssStart)} at the start, up to ${mb(report.memory.peakRss)}, ${mb(report.memory.rssEnd)} at the end`,
  ];
  if (report.failure) {
    const failure = report.failure;
    lines.push(
      `FAILED: ${failure.message}`,
      `seed ${failure.seed}, ${failure.tree} tree${failure.tree === 'generated' ? ` of ${failure.domains} domains` : ''}; ${failure.steps.length} step${failure.steps.length === 1 ? '' : 's'} (shrunk from ${failure.original}):`,
      ...failure.steps.map((step, index) => `  ${index + 1}. ${JSON.stringify(step)}`),
      `replay: ${failure.replay}`,
    );
  } else lines.push('every invariant held');
  return lines.join('\n');
}
