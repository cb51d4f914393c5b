/**
 * Benchmarks the kernel against raw nact in the same run: cast throughput, call round trip,
 * crash → restart latency, memory per idle actor, and the cost of a restart under a supervisor
 * with 10 vs 10,000 children. Prints a markdown table of medians and ratios.
 *
 * @example
 * node --expose-gc --import tsx bench/kernel.bench.ts   # --expose-gc for the memory figures
 *
 * import { run } from './kernel.bench.ts';
 * const table = await run({ repetitions: 3 });
 */

import { pathToFileURL } from 'node:url';
import { dispatch, query, type Ref, spawn, start, stop } from 'nact';
import { type ActorRef, type ActorSystem, type Behaviour, createActorSystem, spawnActor } from '../src/actor/index.ts';
import { type ChildSpec, startSupervisor } from '../src/supervisor/index.ts';
import { elapsedUs, fmt, int, median, nowNs, percentiles, repeat, verdict } from './stats.ts';

/** Options of {@link run}. */
export interface KernelBenchOptions {
  /** Measured repetitions per figure (after one warm-up); medians are reported. Default 5. */
  repetitions?: number;
  /** Messages per side per throughput repetition. Default 200,000. */
  casts?: number;
  /** Round trips per side per call repetition. Default 20,000. */
  calls?: number;
  /** Crashes per restart-latency repetition. Default 1,000. */
  crashes?: number;
  /** Idle actors per memory repetition. Default 10,000. */
  idleActors?: number;
  /** Children of the large supervisor. Default 10,000. */
  manyChildren?: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

async function fullGc(): Promise<void> {
  if (!gc) return;
  // Let pending immediates (nact's message loop) finish, then collect twice (weak refs, finalizers).
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  gc();
}

// --- the actors under test --------------------------------------------------------------------

type CounterMsg = { type: 'inc' } | { type: 'get' } | { type: 'crash' } | { type: 'ping' };

/** A counter; `crash` throws; `ping` tells the restart probe that the handler runs again. */
function counterBehaviour(onPing: () => void = () => undefined): Behaviour<number, CounterMsg> {
  return {
    name: 'counter',
    init: () => 0,
    handle(count, message, ctx) {
      switch (message.type) {
        case 'inc':
          return count + 1;
        case 'get':
          ctx.reply(count);
          return count;
        case 'crash':
          throw new Error('bench crash');
        case 'ping':
          onPing();
          return count;
        default: {
          const unreachable: never = message;
          throw new Error(`unknown ${String(unreachable)}`);
        }
      }
    },
  };
}

type RawMsg = { type: 'inc' } | { type: 'get'; sender: Ref<number> };

function rawCounter(state: number | undefined, message: RawMsg): number {
  const count = state ?? 0;
  if (message.type === 'get') {
    dispatch(message.sender, count);
    return count;
  }
  return count + 1;
}

const rawGet = (sender: Ref<number>): RawMsg => ({ type: 'get', sender });

// --- (1) cast throughput ----------------------------------------------------------------------

/**
 * Messages/s to one actor on each side: blocks of 10,000 casts (ended by one call, so every cast
 * was handled), alternating raw and ours so the machine's noise falls on both sides alike.
 */
async function castThroughputs(casts: number): Promise<{ ours: number; raw: number }> {
  await fullGc(); // start each measurement from a clean heap: the previous one's garbage is not ours
  const system = createActorSystem();
  const rawSystem = start();
  try {
    const ref = await spawnActor(system, counterBehaviour(), undefined);
    const rawRef = spawn(rawSystem, rawCounter, 'counter');
    const block = 10_000;
    let oursUs = 0;
    let rawUs = 0;
    for (let done = 0; done < casts; done += block) {
      let started = nowNs();
      for (let index = 0; index < block; index += 1) dispatch(rawRef, { type: 'inc' });
      await query(rawRef, rawGet, 60_000);
      rawUs += elapsedUs(started);
      started = nowNs();
      for (let index = 0; index < block; index += 1) ref.cast({ type: 'inc' });
      await ref.call({ type: 'get' }, 60_000);
      oursUs += elapsedUs(started);
    }
    const [count, rawCount] = [await ref.call<number>({ type: 'get' }), await query(rawRef, rawGet, 5000)];
    if (count !== rawCount) throw new Error(`lost messages: ${count} vs ${rawCount}`);
    return { ours: count / (oursUs / 1e6), raw: rawCount / (rawUs / 1e6) };
  } finally {
    system.stop();
    stop(rawSystem);
  }
}

// --- (2) call round trip ----------------------------------------------------------------------

/**
 * Sequential round trips to one actor on each side, interleaved in blocks of 500 so that the
 * machine's noise (2 shared cores) falls on both sides alike. Returns µs samples per side.
 */
async function callRoundTrips(calls: number): Promise<{ ours: number[]; raw: number[] }> {
  await fullGc();
  const system = createActorSystem();
  const rawSystem = start();
  try {
    const ref = await spawnActor(system, counterBehaviour(), undefined);
    const rawRef = spawn(rawSystem, rawCounter, 'counter');
    const ours: number[] = [];
    const raw: number[] = [];
    const block = 500;
    for (let done = 0; done < calls; done += block) {
      for (let index = 0; index < block; index += 1) {
        const started = nowNs();
        await query(rawRef, rawGet, 5000);
        raw.push(elapsedUs(started));
      }
      for (let index = 0; index < block; index += 1) {
        const started = nowNs();
        await ref.call({ type: 'get' });
        ours.push(elapsedUs(started));
      }
    }
    return { ours, raw };
  } finally {
    system.stop();
    stop(rawSystem);
  }
}

// --- (3) and (5) crash → handler running again --------------------------------------------------

/** Something to crash repeatedly; each `crashOnce` resolves with the µs until it handles again. */
interface CrashProbe {
  crashOnce(): Promise<number>;
  close(): void;
}

/**
 * A one_for_one supervisor `name` with `siblings` children; crashes the middle child and measures
 * from the cast that crashes it to the restarted child's handler running (a `ping` cast on
 * `child_restarted`).
 */
async function supervisedProbe(system: ActorSystem, name: string, siblings: number): Promise<CrashProbe> {
  let pinged: (() => void) | undefined;
  let restarted: (() => void) | undefined;
  const behaviour = counterBehaviour(() => pinged?.());
  const victim = `w${Math.floor(siblings / 2)}`;
  // The victim's start hands us its ref, so the measured path never scans the children.
  let latest: ActorRef<CounterMsg> | undefined;
  const children: ChildSpec[] = Array.from({ length: siblings }, (_, index) => ({
    id: `w${index}`,
    start: async ({ system: sys, id }) => {
      const ref = await spawnActor(sys, behaviour, undefined);
      if (id === victim) latest = ref;
      return ref;
    },
  }));
  const sup = await startSupervisor(system, { name, maxRestarts: 1_000_000, maxSeconds: 1, children });
  system.pubsub.subscribe('system:child_restarted', (event) => {
    if (event.type === 'child_restarted' && event.supervisor === name && event.child === victim) restarted?.();
  });
  return {
    async crashOnce() {
      const crashed = latest as ActorRef<CounterMsg>;
      const handled = new Promise<void>((resolve) => {
        pinged = resolve;
      });
      const back = new Promise<void>((resolve) => {
        restarted = resolve;
      });
      const started = nowNs();
      crashed.cast({ type: 'crash' });
      await back;
      (latest as ActorRef<CounterMsg>).cast({ type: 'ping' });
      await handled;
      return elapsedUs(started);
    },
    close: () => sup.kill(),
  };
}

type RawCrashMsg = { type: 'crash' } | { type: 'ping' };

/**
 * The nearest raw nact figure for (3): an actor whose `onCrash` answers `reset` (nact resets its
 * state in place and resumes its mailbox: no new actor, no events, no intensity). µs from the
 * crashing dispatch to the next message's handler running.
 */
function resetProbe(rawSystem: Ref<never>): CrashProbe {
  let pinged: (() => void) | undefined;
  const ref = spawn(
    rawSystem,
    (state: number | undefined, message: RawCrashMsg): number => {
      if (message.type === 'crash') throw new Error('bench crash');
      pinged?.();
      return state ?? 0;
    },
    'resettable',
    { onCrash: (_message, _error, ctx) => ctx.reset },
  );
  return {
    async crashOnce() {
      const handled = new Promise<void>((resolve) => {
        pinged = resolve;
      });
      const started = nowNs();
      dispatch(ref, { type: 'crash' });
      dispatch(ref, { type: 'ping' });
      await handled;
      return elapsedUs(started);
    },
    close: () => stop(ref),
  };
}

/** Crashes each probe `crashes` times, alternating blocks of 50 so noise falls on all alike. */
async function crashInterleaved(probes: readonly CrashProbe[], crashes: number): Promise<number[][]> {
  await fullGc();
  const samples = probes.map((): number[] => []);
  const block = 50;
  for (let done = 0; done < crashes; done += block) {
    for (const [index, probe] of probes.entries()) {
      for (let crash = 0; crash < block; crash += 1) samples[index]?.push(await probe.crashOnce());
    }
  }
  return samples;
}

/** (3): our one_for_one restart next to nact's in-place reset, µs samples per side. */
async function restartVersusReset(crashes: number): Promise<{ ours: number[]; raw: number[] }> {
  const system = createActorSystem();
  const rawSystem = start();
  const probes = [await supervisedProbe(system, 'bench', 3), resetProbe(rawSystem)];
  try {
    const [ours = [], raw = []] = await crashInterleaved(probes, crashes);
    return { ours, raw };
  } finally {
    for (const probe of probes) probe.close();
    system.stop();
    stop(rawSystem);
  }
}

/** (5): the same restart under a supervisor with 10 and one with `many` children, same heap. */
async function restartBySiblings(crashes: number, many: number): Promise<{ few: number[]; many: number[] }> {
  const system = createActorSystem();
  const probes = [await supervisedProbe(system, 'few', 10), await supervisedProbe(system, 'many', many)];
  try {
    const [few = [], lots = []] = await crashInterleaved(probes, crashes);
    return { few, many: lots };
  } finally {
    for (const probe of probes) probe.close();
    system.stop();
  }
}

/** Raw nact's per-message cost for a parent with `children` children (query round trip, µs). */
async function rawParentMessage(children: number, calls: number): Promise<number[]> {
  await fullGc(); // start each measurement from a clean heap: the previous one's garbage is not ours
  const system = start();
  try {
    const parent = spawn(system, rawCounter, 'parent');
    for (let index = 0; index < children; index += 1) spawn(parent, rawCounter, `c${index}`);
    const samples: number[] = [];
    for (let index = 0; index < calls; index += 1) {
      const started = nowNs();
      await query(parent, rawGet, 60_000);
      samples.push(elapsedUs(started));
    }
    return samples;
  } finally {
    stop(system);
  }
}

// --- (4) memory per idle actor ------------------------------------------------------------------

async function bytesPerIdleActorOurs(count: number): Promise<number> {
  const system = createActorSystem();
  try {
    const behaviour = counterBehaviour();
    await fullGc();
    const before = process.memoryUsage().heapUsed;
    const refs: Array<ActorRef<CounterMsg>> = [];
    for (let index = 0; index < count; index += 1) refs.push(await spawnActor(system, behaviour, undefined));
    await fullGc();
    const after = process.memoryUsage().heapUsed;
    if (refs.length !== count) throw new Error('unreachable');
    return (after - before) / count;
  } finally {
    system.stop();
  }
}

/** Raw nact actors, each spawned and having handled one message (as ours have handled `init`). */
async function bytesPerIdleActorRaw(count: number, handleOne: boolean): Promise<number> {
  const system = start();
  try {
    await fullGc();
    const before = process.memoryUsage().heapUsed;
    const refs: Array<Ref<RawMsg>> = [];
    for (let index = 0; index < count; index += 1) {
      const ref = spawn(system, rawCounter, `a${index}`);
      if (handleOne) await query(ref, rawGet, 5000);
      refs.push(ref);
    }
    await fullGc();
    const after = process.memoryUsage().heapUsed;
    if (refs.length !== count) throw new Error('unreachable');
    return (after - before) / count;
  } finally {
    stop(system);
  }
}

// --- the run ------------------------------------------------------------------------------------

/** Runs every measurement and returns the markdown table. */
export async function run(options: KernelBenchOptions = {}): Promise<string> {
  const repetitions = options.repetitions ?? 5;
  const casts = options.casts ?? 200_000;
  const calls = options.calls ?? 20_000;
  const crashes = options.crashes ?? 1_000;
  const idleActors = options.idleActors ?? 10_000;
  const manyChildren = options.manyChildren ?? 10_000;

  // (1)
  const casting = await repeat(repetitions, () => castThroughputs(casts));
  const castOurs = casting.map((r) => r.ours);
  const castRaw = casting.map((r) => r.raw);
  const castRatio = median(castOurs) / median(castRaw);

  // (2)
  const calling = await repeat(repetitions, () => callRoundTrips(calls));
  const callOurs = calling.map((r) => percentiles(r.ours));
  const callRaw = calling.map((r) => percentiles(r.raw));
  const callP50 = { ours: median(callOurs.map((r) => r.p50)), raw: median(callRaw.map((r) => r.p50)) };
  const callP99 = { ours: median(callOurs.map((r) => r.p99)), raw: median(callRaw.map((r) => r.p99)) };

  // (3)
  const restarting = await repeat(repetitions, () => restartVersusReset(crashes));
  const restart = restarting.map((r) => percentiles(r.ours));
  const reset = restarting.map((r) => percentiles(r.raw));
  const restartP50 = median(restart.map((r) => r.p50));
  const restartP99 = median(restart.map((r) => r.p99));
  const resetP50 = median(reset.map((r) => r.p50));
  const resetP99 = median(reset.map((r) => r.p99));

  // (4)
  const memOurs = await repeat(repetitions, () => bytesPerIdleActorOurs(idleActors));
  const memRawHandled = await repeat(repetitions, () => bytesPerIdleActorRaw(idleActors, true));
  const memRawSpawned = await repeat(repetitions, () => bytesPerIdleActorRaw(idleActors, false));
  const memRatio = median(memOurs) / median(memRawHandled);

  // (5)
  const scaling = await repeat(repetitions, () => restartBySiblings(Math.min(crashes, 500), manyChildren));
  const smallP50 = median(scaling.map((r) => percentiles(r.few).p50));
  const largeP50 = median(scaling.map((r) => percentiles(r.many).p50));
  const scaleRatio = largeP50 / smallP50;
  const rawFew = percentiles(await rawParentMessage(10, 200));
  const rawMany = percentiles(await rawParentMessage(manyChildren, 200));

  const rows = [
    '| measurement | Thunderline | raw nact | ratio | target |',
    '| --- | ---: | ---: | ---: | --- |',
    `| (1) cast throughput, one actor | ${int(median(castOurs))} msg/s | ${int(median(castRaw))} msg/s | ${fmt(castRatio, 2)} | ≥ 0.80 of raw: ${verdict(castRatio >= 0.8)} |`,
    `| (2) call round trip p50 | ${fmt(callP50.ours)} µs | ${fmt(callP50.raw)} µs | ${fmt(callP50.ours / callP50.raw, 2)}× | ≤ 1.25×: ${verdict(callP50.ours / callP50.raw <= 1.25)} |`,
    `| (2) call round trip p99 | ${fmt(callP99.ours)} µs | ${fmt(callP99.raw)} µs | ${fmt(callP99.ours / callP99.raw, 2)}× | ≤ 1.25×: ${verdict(callP99.ours / callP99.raw <= 1.25)} |`,
    `| (3) crash → restarted handler running, one_for_one, p50 | ${fmt(restartP50)} µs | ${fmt(resetP50)} µs (nact \`reset\` in place) | ${fmt(restartP50 / resetP50, 2)}× | < 1 ms: ${verdict(restartP50 < 1000)} |`,
    `| (3) crash → restarted handler running, p99 | ${fmt(restartP99)} µs | ${fmt(resetP99)} µs | ${fmt(restartP99 / resetP99, 2)}× | |`,
    `| (4) heap per idle actor (${int(idleActors)} actors${gc ? '' : ', **no --expose-gc: unreliable**'}) | ${int(median(memOurs))} B | ${int(median(memRawHandled))} B (spawned only: ${int(median(memRawSpawned))} B) | ${fmt(memRatio, 2)}× | ≤ 1.5×: ${verdict(memRatio <= 1.5)} |`,
    `| (5) restart p50, 10 vs ${int(manyChildren)} children | ${fmt(smallP50)} µs vs ${fmt(largeP50)} µs | | ${fmt(scaleRatio, 2)} | ≤ 2: ${verdict(scaleRatio <= 2)} |`,
    `| (5) raw nact: a message to a parent with 10 vs ${int(manyChildren)} children, p50 | | ${fmt(rawFew.p50)} µs vs ${fmt(rawMany.p50)} µs | ${fmt(rawMany.p50 / rawFew.p50, 0)} | (the cost our supervisor avoids) |`,
  ];
  const header = `Node ${process.version}, ${repetitions} repetitions after a warm-up; medians of per-repetition figures.`;
  return `${header}\n\n${rows.join('\n')}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!gc) console.error('note: run with node --expose-gc --import tsx bench/kernel.bench.ts for reliable memory figures');
  run().then(
    (table) => process.stdout.write(table),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
