/**
 * The chaos soak harness: runs a list of steps (steps.ts) against one session's world (world.ts)
 * on a real SQLite file in a fresh temp dir, settles after each step and checks every invariant
 * (invariants.ts), then stops the runtime and checks that it leaves nothing behind: no actor
 * cell, no timer, no handle above the session's baseline, and an actor system that the garbage
 * collector can take. A failure names its invariant, the step and its index.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { SupervisorRef } from '../../index.ts';
import { applyStep, type StepResult } from './faults.ts';
import { checkEnded, checkEscalation, checkLive, diffResources } from './invariants.ts';
import { killChildren } from './process-kill.ts';
import { type Step, variantOf } from './steps.ts';
import type { TreeKind } from './tree-gen.ts';
import { bump, fail, freshStepEvents, invariantOf, type SoakStats, World } from './world.ts';

/** One session: a tree, a seed, a list of steps. */
export interface SessionInput {
  seed: number;
  tree: TreeKind;
  /** Generated tree: the number of domains (100 to 10,000); ignored for the Thunderline tree. */
  domains: number;
  steps: readonly Step[];
  stats: SoakStats;
  /** Stop taking steps after this (ms since the epoch); the session still ends and checks. */
  deadline?: number;
  log?: (line: string) => void;
  /** Keep the temp dir (for a failure to look at). */
  keepDir?: boolean;
  /** Turn off the work-arounds for known bugs (known.ts). */
  strict?: boolean;
}

export interface SessionFailure {
  invariant: string;
  message: string;
  /** The step that failed (its index in `steps`), or -1 at boot, `steps.length` at the end. */
  index: number;
  step: Step | undefined;
  dir: string;
}

export interface SessionResult {
  /** Steps taken. */
  ran: number;
  failure: SessionFailure | undefined;
  /** Heap used after a full GC, before the session and once it is over. */
  heapStart: number;
  heapEnd: number;
  /** The largest live heap (after a full GC, every 10 steps) and RSS seen after a step. */
  peakHeap: number;
  peakRss: number;
  rssEnd: number;
  ms: number;
}

let collect: (() => void) | undefined;
/** `global.gc` (node --expose-gc), or the same function switched on at run time. */
export function gcFunction(): () => void {
  if (collect) return collect;
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') collect = exposed;
  else {
    v8.setFlagsFromString('--expose-gc');
    collect = vm.runInNewContext('gc') as () => void;
  }
  return collect;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Heap used after a full collection (two, with a turn between, so finalizers have run). */
async function settledHeap(): Promise<number> {
  const gc = gcFunction();
  gc();
  await turn();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Active handles and requests, looked at from a fresh turn of the event loop. */
async function resources(): Promise<string[]> {
  await turn();
  return process.getActiveResourcesInfo();
}

/** Stops the runtime cleanly and checks what a clean stop must leave. */
export async function endRuntime(world: World): Promise<void> {
  const runtime = world.live;
  world.control.releaseAll();
  const exit = await world.bound(runtime.stop(), 'runtime.stop()');
  world.check('stop-clean');
  if (!exit.clean || exit.reason !== 'shutdown') fail('stop-clean', `runtime.stop() ended ${JSON.stringify(exit)}`);
  world.retire('shutdown');
  checkEnded(world, runtime, 'shutdown');
}

/** The runtime gave up on its own: check why and what it left, then start again on the file. */
async function restartAfterEscalation(world: World): Promise<void> {
  const runtime = world.live;
  const exit = world.exit ?? (await world.bound(runtime.stopped, 'runtime.stopped'));
  checkEscalation(world, exit);
  world.stats.escalations += 1;
  world.retire('escalated', exit.reason);
  checkEnded(world, runtime, 'escalated');
  await world.boot();
  await world.settle();
}

/** After a step: open any gate left, settle, restart after an escalation, check every invariant. */
async function afterStep(world: World): Promise<void> {
  world.control.releaseAll();
  // Dead children are forgotten (a dead cell still holds its actor system).
  for (const ref of world.control.spawned) if (!ref.alive) world.control.spawned.delete(ref);
  await world.settle();
  if (world.exit || (await world.stoppedOnItsOwn())) await restartAfterEscalation(world);
  await checkLive(world);
}

function budgets(world: World): World['budgetsBefore'] {
  const found = new Map<string, { restarts: number; maxRestarts: number }>();
  const tickSystem = world.live.supervisor.whichChildren().find((row) => row.id === 'tick_system')?.ref;
  const supervisors = tickSystem instanceof SupervisorRef ? [tickSystem, ...world.holders()] : world.holders();
  for (const holder of supervisors) {
    const { restarts, maxRestarts } = holder.restartBudget();
    found.set(holder.name, { restarts, maxRestarts });
  }
  return found;
}

/** Nothing of the session's runtimes is left: handles back to the baseline, every actor system collectable. */
async function checkLeaks(world: World, baseline: string[]): Promise<void> {
  world.check('handles');
  const deadline = Date.now() + world.boundMs;
  let extra = diffResources(baseline, await resources());
  // Handles close on their own turns (a child's pipes, a closing database): wait for them, bounded.
  while (extra.length > 0 && Date.now() < deadline) extra = diffResources(baseline, await resources());
  if (extra.length > 0) fail('handles', `after the last runtime stopped, above the session's baseline: ${extra.join(', ')}`);
  world.check('heap');
  world.control.spawned.clear();
  // On a loaded machine a stopped system can stay reachable for a few more turns of the event loop
  // after a full GC (a heap snapshot taken then no longer holds it): look again after each turn,
  // bounded. A leak stays reachable for good.
  const reachable = () => world.ended.filter((ended) => ended.system.deref() !== undefined).map((ended) => ended.runId);
  await settledHeap();
  let kept = reachable();
  const heapDeadline = Date.now() + world.boundMs;
  while (kept.length > 0 && Date.now() < heapDeadline) {
    await settledHeap();
    kept = reachable();
  }
  if (kept.length > 0)
    fail(
      'heap',
      `the actor system of ${kept.length} stopped runtime(s) is still reachable after a full GC: runs ${kept.slice(0, 3).join(', ')}`,
    );
}

/**
 * Runs one session; never throws (a failure is returned). The heap is measured after a full GC
 * before the session and after it, once the session's world (and every runtime) is unreachable.
 */
export async function runSession(input: SessionInput): Promise<SessionResult> {
  const began = Date.now();
  const heapStart = await settledHeap();
  const outcome = await session(input);
  const heapEnd = await settledHeap();
  return { ...outcome, heapStart, heapEnd, rssEnd: process.memoryUsage().rss, ms: Date.now() - began };
}

async function session(input: SessionInput): Promise<Pick<SessionResult, 'ran' | 'failure' | 'peakHeap' | 'peakRss'>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thunderline-soak-'));
  const baseline = await resources();
  const world = new World({
    seed: input.seed,
    tree: input.tree,
    domains: input.domains,
    dir,
    stats: input.stats,
    log: input.log,
    strict: input.strict ?? false,
  });
  input.stats.sessions += 1;
  let index = -1;
  let failure: SessionFailure | undefined;
  const peak = { heap: 0, rss: 0 };
  // RSS after every step; the live heap (after a full GC) every 10 steps: without a GC the heap
  // is mostly garbage V8 has not needed to collect yet.
  const sample = async (step: number) => {
    peak.rss = Math.max(peak.rss, process.memoryUsage().rss);
    if (step % 10 === 0) peak.heap = Math.max(peak.heap, await settledHeap());
  };
  try {
    await world.boot();
    await world.settle();
    await checkLive(world);
    await sample(0);
    for (index = 0; index < input.steps.length; index += 1) {
      if (input.deadline !== undefined && Date.now() >= input.deadline) break;
      const step = input.steps[index] as Step;
      world.step = freshStepEvents();
      world.budgetsBefore = budgets(world);
      const result: StepResult = await applyStep(world, step, endRuntime);
      input.stats.steps += 1;
      const variant = variantOf(step);
      if (result === 'applied') bump(input.stats.applied, step.kind);
      else bump(input.stats.skipped, step.kind);
      if (variant !== step.kind) bump(result === 'applied' ? input.stats.applied : input.stats.skipped, variant);
      await afterStep(world);
      await sample(index + 1);
    }
    const ran = index;
    index = input.steps.length;
    await endRuntime(world);
    await checkLeaks(world, baseline);
    index = ran;
  } catch (error) {
    failure = {
      invariant: invariantOf(error),
      message: error instanceof Error ? error.message : String(error),
      index,
      step: input.steps[index],
      dir,
    };
    await abandon(world);
  } finally {
    if (!(failure && input.keepDir)) fs.rmSync(dir, { recursive: true, force: true });
  }
  return { ran: Math.max(0, index), failure, peakHeap: peak.heap, peakRss: peak.rss };
}

/** After a failure: open every gate, kill child processes, stop the runtime if it still stops. */
async function abandon(world: World): Promise<void> {
  world.control.releaseAll();
  killChildren();
  const runtime = world.runtime;
  world.runtime = undefined;
  if (runtime) await world.bound(runtime.stop('soak failure'), 'runtime.stop() after a failure').catch(() => undefined);
}
