/**
 * The cluster ledger's drizzle schema (PostgreSQL): the registry store's three tables with the
 * SQLite schema's table and column names (`src/store/schema.ts`) plus the cluster's columns, and
 * the coordination tables — members, leases with fencing epochs, the tick register and the
 * cluster clock (`docs/cluster.md`, "What PostgreSQL holds").
 *
 * Timestamps of the ledger are `bigint` ms since the Unix epoch, read as numbers, as in SQLite;
 * the coordination tables use `timestamptz` judged by PostgreSQL's own `now()`, so no node's
 * clock decides who is alive or who holds a lease. Change this file, then run
 * `npx drizzle-kit generate --config drizzle.pg.config.ts` to add a migration under `drizzle/pg/`.
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** One row per domain: its current status, following its latest history row. */
export const activeDomainRegistry = pgTable(
  'active_domain_registry',
  {
    id: text('id').primaryKey(),
    domainName: text('domain_name').notNull().unique(),
    status: text('status').notNull(),
    tickCount: bigint('tick_count', { mode: 'number' }).notNull().default(0),
    metadata: text('metadata').notNull().default('{}'),
    activatedAt: bigint('activated_at', { mode: 'number' }),
    updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
    runId: text('run_id'),
    /** the node whose write this row is */
    nodeId: text('node_id'),
    shard: integer('shard'),
    /** the fencing epoch of the shard lease the write was made under */
    epoch: bigint('epoch', { mode: 'number' }),
  },
  (table) => [check('active_domain_registry_domain_name_length', sql`length(${table.domainName}) <= 100`)],
);

/** Append-only: one row per status change of any domain, each fenced by its writer's lease. */
export const domainActivationHistory = pgTable(
  'domain_activation_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: text('run_id'),
    domainName: text('domain_name').notNull(),
    event: text('event').notNull(),
    tickCount: bigint('tick_count', { mode: 'number' }).notNull(),
    occurredAt: bigint('occurred_at', { mode: 'number' }).notNull(),
    metadata: text('metadata').notNull().default('{}'),
    nodeId: text('node_id'),
    shard: integer('shard'),
    epoch: bigint('epoch', { mode: 'number' }),
  },
  (table) => [index('domain_activation_history_domain_name_id_idx').on(table.domainName, table.id)],
);

/** One row per node start (a node's run). */
export const runtimeRuns = pgTable('runtime_runs', {
  runId: text('run_id').primaryKey(),
  startedAt: bigint('started_at', { mode: 'number' }).notNull(),
  stoppedAt: bigint('stopped_at', { mode: 'number' }),
  stopReason: text('stop_reason'),
  tickIntervalMs: integer('tick_interval_ms'),
  version: text('version').notNull(),
  pid: integer('pid'),
  nodeId: text('node_id'),
});

/** Cluster membership: a node is live while its heartbeat is younger than the member TTL. */
export const clusterMembers = pgTable('cluster_members', {
  nodeId: text('node_id').primaryKey(),
  runId: text('run_id').notNull(),
  /** the node's dashboard/API address, when it serves one */
  httpUrl: text('http_url'),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
  heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }).notNull().defaultNow(),
  /** `up` or `leaving` */
  status: text('status').notNull(),
});

/** Leases: `tick` (the tick generator) and `shard:<n>`; `epoch` grows on every new holder. */
export const clusterLeases = pgTable('cluster_leases', {
  name: text('name').primaryKey(),
  owner: text('owner').notNull(),
  epoch: bigint('epoch', { mode: 'number' }).notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});

/** The tick register: every tick number once, recorded by the tick leader before publishing it. */
export const clusterTicks = pgTable('cluster_ticks', {
  n: bigint('n', { mode: 'number' }).primaryKey(),
  epoch: bigint('epoch', { mode: 'number' }).notNull(),
  nodeId: text('node_id').notNull(),
  /** ms since the Unix epoch of the tick's deadline */
  dueAt: bigint('due_at', { mode: 'number' }).notNull(),
  /** ms since the Unix epoch when the leader recorded it */
  recordedAt: bigint('recorded_at', { mode: 'number' }).notNull(),
});

/** One row: the cluster's id, and the tick schedule's origin and interval, fixed by the first node. */
export const clusterClock = pgTable(
  'cluster_clock',
  {
    id: integer('id').primaryKey(),
    clusterId: text('cluster_id').notNull(),
    originMs: bigint('origin_ms', { mode: 'number' }).notNull(),
    intervalMs: integer('interval_ms').notNull(),
  },
  (table) => [check('cluster_clock_one_row', sql`${table.id} = 1`)],
);

/** Operator actions (kill, restart) taken through a node's dashboard, as in the SQLite schema. */
export const operatorActions = pgTable('operator_actions', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  runId: text('run_id'),
  occurredAt: bigint('occurred_at', { mode: 'number' }).notNull(),
  action: text('action').notNull(),
  actor: text('actor').notNull(),
  path: text('path').notNull(),
  reason: text('reason').notNull(),
  outcome: text('outcome').notNull(),
  detail: text('detail'),
  /** the node whose dashboard took the action */
  nodeId: text('node_id'),
});
