/**
 * Cerebros' own store: prepared statements on its two tables (`cerebros_runs`,
 * `cerebros_trials`), on its own connection to the runtime's database file, made by the
 * registry store's connection setup (`src/store/connection.ts`): the same refusals, WAL,
 * migrations (a no-op on a file the registry store has already migrated) and busy timeout 0.
 * It takes no lock: it writes beside the registry store of the runtime that holds the file's
 * lock. `:memory:` gets a private in-memory database.
 *
 * @example
 * const store = openCerebrosStore('./thunderline.db');
 * store.insertRun({ runId, startedAt: Date.now(), seed: 7, searchSpace: SEARCH_SPACE });
 * store.trials(runId); // []
 * store.close();
 */
import { openWriteConnection } from '../../src/store/connection.ts';
import { type RetentionOptions, startRetention } from '../../src/store/pruner.ts';
import type { RetainedTable } from '../../src/store/retention.ts';

/**
 * `cerebros_trials` under retention: demo data, so by default only the newest 10,000 trials are
 * kept (about 2 MB); the best of each run stays in `cerebros_runs` whatever is pruned.
 */
export const CEREBROS_TRIALS_TABLE: RetainedTable = {
  table: 'cerebros_trials',
  timeColumn: 'created_at',
  defaultRule: { keep: 'rows', rows: 10_000 },
};

/** Options of {@link CerebrosStore.startRetention}: the rule, the clock, the run recorded with each prune. */
export type CerebrosRetentionOptions = RetentionOptions;

/** A run as stored. */
export interface CerebrosRunRow {
  runId: string;
  runtimeRunId: string | null;
  startedAt: number;
  finishedAt: number | null;
  status: 'running' | 'finished';
  seed: number;
  searchSpace: string;
  bestTrialNo: number | null;
  bestScore: number | null;
}

/** A trial as stored; `params` is parsed back from its JSON text. */
export interface CerebrosTrialRow {
  runId: string;
  trialNo: number;
  source: string;
  tick: number;
  params: Record<string, unknown>;
  score: number;
  improved: boolean;
  createdAt: number;
}

/** Cerebros' store. */
export interface CerebrosStore {
  insertRun(run: { runId: string; runtimeRunId?: string | undefined; startedAt: number; seed: number; searchSpace: unknown }): void;
  /** Inserts the trial and, when it improved, the run's best, in one transaction. */
  insertTrial(trial: Omit<CerebrosTrialRow, 'createdAt'> & { createdAt: number }): void;
  finishRun(runId: string, finishedAt: number): void;
  runs(): CerebrosRunRow[];
  trials(runId?: string): CerebrosTrialRow[];
  /**
   * Prunes `cerebros_trials` by `rule` in small batches on `clock` until the returned function is
   * called (or the store closes); a `keep: 'all'` rule starts nothing.
   */
  startRetention(options: CerebrosRetentionOptions): () => void;
  close(): void;
}

interface TrialRecord {
  run_id: string;
  trial_no: number;
  source: string;
  tick: number;
  params: string;
  score: number;
  improved: number;
  created_at: number;
}

interface RunRecord {
  run_id: string;
  runtime_run_id: string | null;
  started_at: number;
  finished_at: number | null;
  status: 'running' | 'finished';
  seed: number;
  search_space: string;
  best_trial_no: number | null;
  best_score: number | null;
}

/** Opens cerebros' store on `path` (a file or `:memory:`). */
export function openCerebrosStore(path: string): CerebrosStore {
  const { db } = openWriteConnection(path, { lock: false });
  const insertRun = db.prepare<[string, string | null, number, number, string]>(
    "INSERT INTO cerebros_runs (run_id, runtime_run_id, started_at, status, seed, search_space) VALUES (?, ?, ?, 'running', ?, ?)",
  );
  const insertTrial = db.prepare<[string, number, string, number, string, number, number, number]>(
    'INSERT INTO cerebros_trials (run_id, trial_no, source, tick, params, score, improved, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const setBest = db.prepare<[number, number, string]>('UPDATE cerebros_runs SET best_trial_no = ?, best_score = ? WHERE run_id = ?');
  const finish = db.prepare<[number, string]>("UPDATE cerebros_runs SET status = 'finished', finished_at = ? WHERE run_id = ?");
  const selectRuns = db.prepare<[], RunRecord>('SELECT * FROM cerebros_runs ORDER BY started_at, run_id');
  const selectTrials = db.prepare<[], TrialRecord>('SELECT * FROM cerebros_trials ORDER BY id');
  const selectRunTrials = db.prepare<[string], TrialRecord>('SELECT * FROM cerebros_trials WHERE run_id = ? ORDER BY id');
  const writeTrial = db.transaction((trial: CerebrosTrialRow) => {
    insertTrial.run(
      trial.runId,
      trial.trialNo,
      trial.source,
      trial.tick,
      JSON.stringify(trial.params),
      trial.score,
      trial.improved ? 1 : 0,
      trial.createdAt,
    );
    if (trial.improved) setBest.run(trial.trialNo, trial.score, trial.runId);
  });
  const toTrial = (row: TrialRecord): CerebrosTrialRow => ({
    runId: row.run_id,
    trialNo: row.trial_no,
    source: row.source,
    tick: row.tick,
    params: JSON.parse(row.params) as Record<string, unknown>,
    score: row.score,
    improved: row.improved === 1,
    createdAt: row.created_at,
  });
  return {
    insertRun(run) {
      insertRun.run(run.runId, run.runtimeRunId ?? null, run.startedAt, run.seed, JSON.stringify(run.searchSpace));
    },
    insertTrial(trial) {
      writeTrial(trial);
    },
    finishRun(runId, finishedAt) {
      finish.run(finishedAt, runId);
    },
    runs: () =>
      selectRuns.all().map((row) => ({
        runId: row.run_id,
        runtimeRunId: row.runtime_run_id,
        startedAt: row.started_at,
        finishedAt: row.finished_at,
        status: row.status,
        seed: row.seed,
        searchSpace: row.search_space,
        bestTrialNo: row.best_trial_no,
        bestScore: row.best_score,
      })),
    trials: (runId) => (runId === undefined ? selectTrials.all() : selectRunTrials.all(runId)).map(toTrial),
    startRetention: (options) => startRetention(db, CEREBROS_TRIALS_TABLE, options),
    close() {
      // A plain close: the registry store's connection, open beside it, checkpoints at its own close.
      if (db.open) db.close();
    },
  };
}
