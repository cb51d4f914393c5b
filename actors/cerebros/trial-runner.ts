/**
 * The trial runner: a random search over {@link SEARCH_SPACE}, one trial every `trialEvery`
 * ticks and one per bridge request (`custom:cerebros.trial_requested`), each stored in
 * `cerebros_trials` and announced as `custom:cerebros.trial_completed` with the best so far.
 *
 * @example
 * const ref = await spawnTrialRunner(system, { openStore: () => openCerebrosStore(':memory:'), seed: 7 });
 * await ref.call<CerebrosSummary>({ type: 'summary' });
 */
import { randomUUID } from 'node:crypto';
import type { ActorRef } from '../../src/actor/actor-ref.ts';
import { spawnActor } from '../../src/actor/actor-ref.ts';
import type { ActorSystem } from '../../src/actor/actor-system.ts';
import type { Behaviour } from '../../src/actor/behaviour.ts';
import { TICK_TOPIC, topicOf } from '../../src/events.ts';
import type { RetentionRule } from '../../src/store/retention.ts';
import { CEREBROS_TRIALS_TABLE, type CerebrosStore, type CerebrosTrialRow } from './cerebros-store.ts';
import { SEARCH_SPACE, sampleParams, scoreParams, seededRandom, type TrialParams } from './search-space.ts';

/** The event type a trial request arrives as (published by thunderbolt's bridge). */
export const TRIAL_REQUESTED = 'custom:cerebros.trial_requested';
/** The event type of a finished trial. */
export const TRIAL_COMPLETED = 'custom:cerebros.trial_completed';

/** Options of {@link spawnTrialRunner}. */
export interface TrialRunnerOptions {
  /** Opens the store at start; closed when the runner exits. */
  openStore: () => CerebrosStore;
  /** One scheduled trial every this many ticks; default 3. */
  trialEvery?: number;
  /** PRNG seed of the search and the objective's noise; default a random one (stored with the run). */
  seed?: number;
  /** The runtime run id, stored with the search run and with its prunes. */
  runtimeRunId?: string | undefined;
  /** What `cerebros_trials` keeps; default the newest 10,000 rows ({@link CEREBROS_TRIALS_TABLE}). */
  retainTrials?: RetentionRule;
  /** ms between retention passes; default 10000. */
  retentionIntervalMs?: number;
}

/** Messages of the trial runner. */
export type TrialRunnerMsg =
  | { type: 'tick'; tick: number }
  | { type: 'trial_requested'; requestedBy: string }
  | { type: 'summary' }
  | { type: 'trials' };

/** The best trial so far. */
export interface BestTrial {
  trialNo: number;
  score: number;
  params: TrialParams;
}

/** The runner's live view. */
export interface CerebrosSummary {
  runId: string;
  seed: number;
  trials: number;
  best: BestTrial | undefined;
}

interface TrialRunnerState {
  store: CerebrosStore;
  runId: string;
  seed: number;
  random: () => number;
  ticksSeen: number;
  lastTick: number;
  trials: number;
  best: BestTrial | undefined;
  wallNow: () => number;
}

function runTrial(state: TrialRunnerState, source: string, requestedBy: string | undefined, system: ActorSystem): void {
  const params = sampleParams(state.random);
  const score = scoreParams(params, state.random);
  const trialNo = state.trials + 1;
  const improved = state.best === undefined || score > state.best.score;
  const row: CerebrosTrialRow = {
    runId: state.runId,
    trialNo,
    source,
    tick: state.lastTick,
    params: { ...params },
    score,
    improved,
    createdAt: system.clock.wallNow(),
  };
  state.store.insertTrial(row);
  state.trials = trialNo;
  if (improved) state.best = { trialNo, score, params };
  const event = {
    type: TRIAL_COMPLETED,
    time: system.isoNow(),
    runId: state.runId,
    trialNo,
    source,
    requestedBy: requestedBy ?? null,
    tick: state.lastTick,
    params: { ...params },
    score,
    improved,
    best: state.best ? { trialNo: state.best.trialNo, score: state.best.score } : null,
  } as const;
  system.pubsub.publish(topicOf(event), event);
}

function trialRunnerBehaviour(options: TrialRunnerOptions): Behaviour<TrialRunnerState, TrialRunnerMsg, undefined> {
  const trialEvery = options.trialEvery ?? 3;
  return {
    name: 'cerebros.trial_runner',
    init(_args, ctx) {
      const store = options.openStore();
      ctx.self.onExit(() => store.close());
      const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
      const runId = randomUUID();
      store.insertRun({
        runId,
        runtimeRunId: options.runtimeRunId,
        startedAt: ctx.system.clock.wallNow(),
        seed,
        searchSpace: SEARCH_SPACE,
      });
      const offTick = ctx.system.pubsub.subscribe(TICK_TOPIC, (event) => {
        if (event.type === 'tick') ctx.self.cast({ type: 'tick', tick: event.tick });
      });
      const offRequest = ctx.system.pubsub.subscribe(topicOf({ type: TRIAL_REQUESTED }), (event) => {
        const requestedBy = (event as { requestedBy?: unknown }).requestedBy;
        ctx.self.cast({ type: 'trial_requested', requestedBy: typeof requestedBy === 'string' ? requestedBy : 'unknown' });
      });
      // Only the run state lives in memory (counts, the best); trials go to disk, where retention bounds them.
      const stopRetention = store.startRetention({
        rule: options.retainTrials ?? CEREBROS_TRIALS_TABLE.defaultRule,
        clock: ctx.system.clock,
        runId: options.runtimeRunId ?? null,
        ...(options.retentionIntervalMs === undefined ? {} : { intervalMs: options.retentionIntervalMs }),
        onError: (error) => ctx.system.reportFailure('retention', 'cerebros.trial_runner', error),
      });
      ctx.self.onExit(() => {
        offTick();
        offRequest();
        stopRetention();
      });
      return {
        store,
        runId,
        seed,
        random: seededRandom(seed),
        ticksSeen: 0,
        lastTick: 0,
        trials: 0,
        best: undefined,
        wallNow: () => ctx.system.clock.wallNow(),
      };
    },
    handle(state, message, ctx) {
      switch (message.type) {
        case 'tick':
          state.ticksSeen += 1;
          state.lastTick = message.tick;
          if (state.ticksSeen % trialEvery === 0) runTrial(state, 'schedule', undefined, ctx.system);
          return state;
        case 'trial_requested':
          runTrial(state, 'bridge', message.requestedBy, ctx.system);
          return state;
        case 'summary':
          ctx.reply({ runId: state.runId, seed: state.seed, trials: state.trials, best: state.best } satisfies CerebrosSummary);
          return state;
        case 'trials':
          ctx.reply(state.store.trials(state.runId));
          return state;
        default: {
          const unreachable: never = message;
          throw new Error(`cerebros.trial_runner: unknown message ${JSON.stringify(unreachable)}`);
        }
      }
    },
    terminate(state) {
      state.store.finishRun(state.runId, state.wallNow());
    },
  };
}

/** Starts the trial runner: opens the store and records a new search run. */
export function spawnTrialRunner(system: ActorSystem, options: TrialRunnerOptions): Promise<ActorRef<TrialRunnerMsg>> {
  return spawnActor(system, trialRunnerBehaviour(options), undefined, { name: 'cerebros.trial_runner' });
}
