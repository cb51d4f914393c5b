/**
 * The drizzle schema of `ledger_prunes`: one row per table per retention pass (or per
 * `thunderline prune`) that deleted rows, so the ledger says what was pruned and when
 * (`docs/operations.md`, "Retention").
 *
 * @example
 * import { drizzle } from 'drizzle-orm/better-sqlite3';
 * import { ledgerPrunes } from './prune-schema.ts';
 *
 * drizzle(sqlite).select().from(ledgerPrunes).all();
 *
 * Listed in `drizzle.config.ts`; change it, then run `npm run db:generate`.
 */

import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** What was pruned: one row per table and pass that deleted at least one row; ids grow in write order. */
export const ledgerPrunes = sqliteTable('ledger_prunes', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** The runtime run whose retention pruned; null for `thunderline prune`. */
  runId: text('run_id'),
  /** `retention` (the runtime's own, `--retain-history`) or `prune` (the command). */
  source: text('source', { enum: ['retention', 'prune'] }).notNull(),
  tableName: text('table_name').notNull(),
  /** The rule applied: `30d`, `10000rows`, or `before <ISO time>`. */
  rule: text('rule').notNull(),
  rowsDeleted: integer('rows_deleted').notNull(),
  /** The smallest and largest id deleted. */
  firstId: integer('first_id'),
  lastId: integer('last_id'),
  /** Rows whose time was before this (ms since the Unix epoch) were due; null for a rows rule. */
  cutBefore: integer('cut_before'),
  /** ms since the Unix epoch: the pass's first and last deletion. */
  startedAt: integer('started_at').notNull(),
  finishedAt: integer('finished_at').notNull(),
});
