/**
 * The drizzle schema of cerebros' own tables: one row per NAS run (one per activation) and one
 * per trial. Listed in `drizzle.config.ts`; `npx drizzle-kit generate` writes its migration,
 * which the registry store applies with the others at start.
 *
 * @example
 * import { cerebrosTrials } from './schema.ts';
 * drizzle(sqlite).select().from(cerebrosTrials).all();
 */
import { index, integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** One row per search run: its seed, search space and best trial so far. */
export const cerebrosRuns = sqliteTable('cerebros_runs', {
  runId: text('run_id').primaryKey(),
  /** The runtime run it belongs to, if known. */
  runtimeRunId: text('runtime_run_id'),
  startedAt: integer('started_at').notNull(),
  finishedAt: integer('finished_at'),
  /** `running` or `finished`. */
  status: text('status', { enum: ['running', 'finished'] }).notNull(),
  seed: integer('seed').notNull(),
  /** JSON text of the search space. */
  searchSpace: text('search_space').notNull(),
  bestTrialNo: integer('best_trial_no'),
  bestScore: real('best_score'),
});

/** One row per trial: its hyperparameters, score and whether it became the best. */
export const cerebrosTrials = sqliteTable(
  'cerebros_trials',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: text('run_id').notNull(),
    trialNo: integer('trial_no').notNull(),
    /** `schedule` (every N ticks) or `bridge` (a request from thunderbolt). */
    source: text('source').notNull(),
    tick: integer('tick').notNull(),
    /** JSON text of the hyperparameters. */
    params: text('params').notNull(),
    score: real('score').notNull(),
    /** 1 when this trial became the best of its run. */
    improved: integer('improved').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (table) => [index('cerebros_trials_run_idx').on(table.runId, table.trialNo)],
);
