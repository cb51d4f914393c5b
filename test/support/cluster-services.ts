/**
 * The real PostgreSQL and NATS servers the cluster tests use (`docs/cluster.md`, "Running the
 * tests"): a fresh database per test (dropped afterwards) and the cluster's JetStream streams
 * deleted afterwards. The servers' addresses come from `THUNDERLINE_TEST_POSTGRES` (default
 * `postgres://postgres@127.0.0.1:5432/postgres`) and `THUNDERLINE_TEST_NATS` (default `nats://127.0.0.1:4222`).
 *
 * @example
 * const db = await freshDatabase();     // { url, drop() }
 * await db.drop();
 */
import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';

export const ADMIN_POSTGRES = process.env.THUNDERLINE_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_NATS = process.env.THUNDERLINE_TEST_NATS ?? 'nats://127.0.0.1:4222';

/** A database of its own, and how to drop it (with the cluster's streams). */
export interface FreshDatabase {
  url: string;
  name: string;
  /** Runs `sql` on the database (for the invariant checks). */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** Creates `tl_test_<random>` on the admin server. */
export async function freshDatabase(): Promise<FreshDatabase> {
  const name = `tl_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: ADMIN_POSTGRES, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `the cluster tests need PostgreSQL at ${ADMIN_POSTGRES} (THUNDERLINE_TEST_POSTGRES) and NATS with JetStream at ${TEST_NATS} (THUNDERLINE_TEST_NATS); .ci/run starts both (docs/cluster.md, "Tests"): ${(error as Error).message}`,
    );
  }
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_POSTGRES);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  pool.on('error', () => {});
  return {
    url: url.toString(),
    name,
    async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
      return (await pool.query(sql, params)).rows as T[];
    },
    async drop() {
      const ids = await pool.query('select cluster_id from cluster_clock').then(
        (result) => result.rows.map((row: { cluster_id: string }) => row.cluster_id),
        () => [] as string[],
      );
      await pool.end();
      await deleteStreams(ids);
      const again = new pg.Client({ connectionString: ADMIN_POSTGRES });
      await again.connect();
      try {
        await again.query(`drop database if exists ${name} with (force)`);
      } finally {
        await again.end();
      }
    },
  };
}

/** Deletes the JetStream streams of these clusters. */
export async function deleteStreams(clusterIds: readonly string[]): Promise<void> {
  if (clusterIds.length === 0) return;
  const nc = await connect({ servers: TEST_NATS });
  try {
    const jsm = await jetstreamManager(nc);
    for (const id of clusterIds) {
      const short = id.replace(/[^A-Za-z0-9]/g, '').slice(0, 16);
      for (const stream of [`TL_TICKS_${short}`, `TL_EVENTS_${short}`]) await jsm.streams.delete(stream).catch(() => false);
    }
  } finally {
    await nc.close();
  }
}
