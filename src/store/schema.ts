/**
 * The drizzle schema of the durable registry store: the three tables described in `docs/api.md`
 * ("runtime.registry").
 *
 * @example
 * import { drizzle } from 'drizzle-orm/better-sqlite3';
 * import { activeDomainRegistry } from './schema.ts';
 *
 * const db = drizzle(sqlite);
 * db.select().from(activeDomainRegistry).all();
 *
 * Timestamps are plain `integer` columns holding ms since the Unix epoch (not drizzle's
 * `timestamp_ms` mode), so the driver reads and binds them as numbers, never as `Date`s.
 * Change this file, then run `npm run db:generate` to add a migration under `drizzle/`.
 */

import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { MAX_DOMAIN_NAME_LENGTH } from './registry-store.ts';
import { DOMAIN_STATUSES, HISTORY_EVENTS } from './status-names.ts';

/** One row per domain: its current status, following its latest history row. */
export const activeDomainRegistry = sqliteTable(
  'active_domain_registry',
  {
    id: text('id')
      .primaryKey()
      .$defaultFn(() => crypto.randomUUID()),
    domainName: text('domain_name').notNull().unique(),
    status: text('status', { enum: DOMAIN_STATUSES }).notNull(),
    tickCount: integer('tick_count').notNull().default(0),
    metadata: text('metadata').notNull().default('{}'),
    /** null until the domain's first activation */
    activatedAt: integer('activated_at'),
    updatedAt: integer('updated_at').notNull(),
    runId: text('run_id'),
  },
  (table) => [
    check('active_domain_registry_domain_name_length', sql`length(${table.domainName}) <= ${sql.raw(String(MAX_DOMAIN_NAME_LENGTH))}`),
  ],
);

/** Append-only: one row per status change of any domain, in the order they happened. */
export const domainActivationHistory = sqliteTable(
  'domain_activation_history',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: text('run_id'),
    domainName: text('domain_name').notNull(),
    event: text('event', { enum: HISTORY_EVENTS }).notNull(),
    tickCount: integer('tick_count').notNull(),
    occurredAt: integer('occurred_at').notNull(),
    /** JSON; for a crash, the reason */
    metadata: text('metadata').notNull().default('{}'),
  },
  (table) => [index('domain_activation_history_domain_name_id_idx').on(table.domainName, table.id)],
);

/** One row per runtime start. */
export const runtimeRuns = sqliteTable('runtime_runs', {
  runId: text('run_id').primaryKey(),
  startedAt: integer('started_at').notNull(),
  /** null while the run is going */
  stoppedAt: integer('stopped_at'),
  stopReason: text('stop_reason'),
  /** null means manual ticks */
  tickIntervalMs: integer('tick_interval_ms'),
  version: text('version').notNull(),
  /**
   * The process that ran it; while the run is open, the holder of the file's lock
   * (`src/store/lock.ts`). null for runs recorded before this column existed.
   */
  pid: integer('pid'),
});

/**
 * Append-only: one row per operator action taken through the server (a kill or restart from the
 * dashboard's actors view, `POST /api/actors/action`), whether it worked or not.
 */
export const operatorActions = sqliteTable('operator_actions', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  runId: text('run_id'),
  occurredAt: integer('occurred_at').notNull(),
  /** `kill` or `restart` */
  action: text('action').notNull(),
  /** the actor id, e.g. `automaton#21` */
  actor: text('actor').notNull(),
  /** its place in the tree, e.g. `application/domains/thunderbolt/thunderbolt/automaton` */
  path: text('path').notNull(),
  reason: text('reason').notNull(),
  /** `done` or `failed` */
  outcome: text('outcome').notNull(),
  /** why it failed, when it did */
  detail: text('detail'),
});
