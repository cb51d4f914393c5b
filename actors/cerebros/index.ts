import { type DomainDefinition, defineDomain } from '../../src/domain/define-domain.ts';
import { trackedChild } from '../../src/domain/tracked-child.ts';
import { parseRetentionRule } from '../../src/store/retention.ts';
import { type CerebrosStore, type CerebrosTrialRow, openCerebrosStore } from './cerebros-store.ts';
import { trialsPanel } from './panel.ts';
import { type CerebrosSummary, spawnTrialRunner, type TrialRunnerMsg } from './trial-runner.ts';

export {
  CEREBROS_TRIALS_TABLE,
  type CerebrosRunRow,
  type CerebrosStore,
  type CerebrosTrialRow,
  openCerebrosStore,
} from './cerebros-store.ts';
export { SEARCH_SPACE, type TrialParams } from './search-space.ts';
export { type BestTrial, type CerebrosSummary, TRIAL_COMPLETED, TRIAL_REQUESTED } from './trial-runner.ts';

/** Options of {@link cerebrosDomain}. */
export interface CerebrosOptions {
  /** The runtime's database file (cerebros opens its own connection) or `:memory:` (a private one). Default `./thunderline.db`. */
  database?: string;
  /** Opens the store instead of `database` (tests, embedders). */
  openStore?: () => CerebrosStore;
  /** One scheduled trial every this many ticks; default 3. */
  trialEvery?: number;
  /** PRNG seed; default random (stored with the run). */
  seed?: number;
  /**
   * What `cerebros_trials` keeps: `all`, `<n>d` or `<n>rows` (`--retain-history cerebros_trials=...`);
   * default `10000rows`. Pruned in small batches while the domain runs, each prune recorded in `ledger_prunes`.
   */
  retainTrials?: string;
  /** ms between retention passes; default 10000. */
  retentionIntervalMs?: number;
  /** The runtime's run id, asked when the trial runner starts; stored with the search run and its prunes. */
  runtimeRunId?: () => string | undefined;
}

/** The cerebros domain, with queries of its trial runner. */
export interface CerebrosDomain extends DomainDefinition {
  /** Run id, trial count and best trial; rejects `ERR_UNKNOWN_ACTOR` until the domain is active. */
  summary(): Promise<CerebrosSummary>;
  /** The current run's trials, read from `cerebros_trials`. */
  trials(): Promise<CerebrosTrialRow[]>;
}

/** Defines the cerebros domain. */
export function cerebrosDomain(options: CerebrosOptions = {}): CerebrosDomain {
  const database = options.database ?? './thunderline.db';
  // Checked here, when the tree is built: a bad rule is refused before anything starts.
  const retainTrials = options.retainTrials === undefined ? undefined : parseRetentionRule(options.retainTrials, 'cerebros: retainTrials');
  const openStore = options.openStore ?? (() => openCerebrosStore(database));
  const runner = trackedChild<TrialRunnerMsg>('cerebros', 'trial_runner', 'the trial runner', ({ system }) =>
    spawnTrialRunner(system, {
      openStore,
      ...(options.trialEvery !== undefined ? { trialEvery: options.trialEvery } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(retainTrials !== undefined ? { retainTrials } : {}),
      ...(options.retentionIntervalMs !== undefined ? { retentionIntervalMs: options.retentionIntervalMs } : {}),
      runtimeRunId: options.runtimeRunId?.(),
    }),
  );
  const definition = defineDomain({
    name: 'cerebros',
    children: [runner.spec],
    inspect: async () => {
      const ref = runner.running();
      return trialsPanel(await ref.call<CerebrosSummary>({ type: 'summary' }), await ref.call<CerebrosTrialRow[]>({ type: 'trials' }));
    },
  });
  return {
    ...definition,
    summary: async () => runner.running().call<CerebrosSummary>({ type: 'summary' }),
    trials: async () => runner.running().call<CerebrosTrialRow[]>({ type: 'trials' }),
  };
}
