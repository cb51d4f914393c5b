/**
 * The cluster ledger on PostgreSQL (`docs/cluster.md`, "What PostgreSQL holds"): migrations under
 * an advisory lock, membership heartbeats, shard and tick leases with fencing epochs, the tick
 * register, and the registry's status changes written only under the writer's current lease.
 * Every time that decides liveness or ownership is PostgreSQL's `now()`, never a node's clock.
 *
 * Statements on the lease path run on their own pool with a statement deadline shorter than the
 * renew interval, so a hung call can never keep a node believing it owns a shard.
 *
 * @example
 * const ledger = await PgLedger.open('postgres://127.0.0.1/thunderline', { nodeId: 'node-a' });
 * await ledger.join({ runId, httpUrl: null });
 * const held = await ledger.acquire(['shard:1', 'shard:2'], 6000); // [{ name, epoch }]
 * await ledger.close();
 */
import path from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { ThunderlineError } from '../errors.ts';
import { findMigrationsFolder } from '../store/migrations.ts';
import type { DomainRow, HistoryQuery, HistoryRow, OperatorActionRecord, RunRow, StatusChange } from '../store/registry-store.ts';
import type { HistoryEvent } from '../store/status-names.ts';

/** A lease this node holds: its name and the epoch (fencing token) it was acquired at. */
export interface HeldLease {
  name: string;
  epoch: number;
}

/** A status change with where it was made: the writer's shard and lease epoch. */
export interface FencedChange extends StatusChange {
  shard: number;
  epoch: number;
}

/** The cluster as PostgreSQL sees it now. */
export interface ClusterView {
  /** live members (heartbeat younger than the TTL, status `up`), sorted */
  members: string[];
  /** members whose heartbeat is younger than the TTL, any status (`up` or `leaving`) */
  alive: string[];
  /** the `leaving` ones among them */
  leaving: string[];
  /** members whose row is still there but whose heartbeat is older than the TTL (dead, or cut off) */
  stale: string[];
  /** every member row: its dashboard URL, status and heartbeat age */
  details: Array<{ nodeId: string; status: string; httpUrl: string | null; heartbeatAgeMs: number }>;
  /** every lease: its holder, epoch and whether it is still valid */
  leases: Array<{ name: string; owner: string; epoch: number; valid: boolean; expiresInMs: number }>;
}

/** A member row, for `hello` and `/health`. */
export interface MemberRow {
  nodeId: string;
  httpUrl: string | null;
  status: string;
  heartbeatAgeMs: number;
}

/** Options of {@link PgLedger.open}. */
export interface PgLedgerOptions {
  nodeId: string;
  /** Deadline of every lease-path statement, ms; default 1500. */
  leaseQueryTimeoutMs?: number;
  /** Connect timeout, ms; default 3000. */
  connectTimeoutMs?: number;
}

/** A PostgreSQL URL with its password hidden, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** Advisory lock key under which migrations run (any node may be first). */
const MIGRATION_LOCK = 7_311_925_017;

/** The ledger. */
export class PgLedger {
  /** Statements that must finish quickly: heartbeats, leases, fenced tick records. */
  private readonly leasePool: pg.Pool;
  /** Everything else: status batches, reads. */
  private readonly pool: pg.Pool;
  readonly nodeId: string;
  readonly url: string;
  /** What this node joined with; a renew after it was reaped joins again with it. */
  private joined: { runId: string; httpUrl: string | null } | undefined;

  private constructor(url: string, options: PgLedgerOptions) {
    this.url = url;
    this.nodeId = options.nodeId;
    const connectionTimeoutMillis = options.connectTimeoutMs ?? 3000;
    const common = { connectionString: url, connectionTimeoutMillis, keepAlive: true, application_name: `thunderline:${options.nodeId}` };
    // The server cancels a statement past its deadline too (`statement_timeout`): a client-side
    // timeout alone leaves the connection busy with it, and the next renew would queue behind.
    const leaseDeadline = options.leaseQueryTimeoutMs ?? 1500;
    this.leasePool = new pg.Pool({ ...common, max: 2, query_timeout: leaseDeadline, statement_timeout: leaseDeadline });
    // A session left idle inside a transaction (its client cut off) is ended by the server, so its
    // locks go (the only explicit transaction is the migration's).
    this.pool = new pg.Pool({
      ...common,
      max: 4,
      query_timeout: 30_000,
      statement_timeout: 30_000,
      idle_in_transaction_session_timeout: 10_000,
    });
    // An idle client that loses its connection emits here; the next query reconnects.
    this.leasePool.on('error', () => {});
    this.pool.on('error', () => {});
  }

  /**
   * Connects and applies the ledger's migrations (`drizzle/pg/`) under an advisory lock, so nodes
   * starting together migrate once. Rejects with `ERR_CLUSTER_UNREACHABLE` naming the URL.
   */
  static async open(url: string, options: PgLedgerOptions): Promise<PgLedger> {
    const ledger = new PgLedger(url, options);
    try {
      await ledger.migrate();
    } catch (error) {
      await ledger.close();
      throw new ThunderlineError(
        'ERR_CLUSTER_UNREACHABLE',
        `cannot use the PostgreSQL ledger at ${redactUrl(url)}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    return ledger;
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        await migrate(drizzle(client), { migrationsFolder: path.join(findMigrationsFolder(), 'pg') });
      } finally {
        await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      }
    } finally {
      client.release();
    }
  }

  /**
   * The cluster's id and tick schedule: the first node fixes them; later nodes must agree on the
   * interval. Rejects with `ERR_CLUSTER_CONFLICT` when they do not.
   */
  async clock(
    intervalMs: number,
    originMs: number,
    clusterId: string,
  ): Promise<{ clusterId: string; originMs: number; intervalMs: number }> {
    await this.pool.query(
      'insert into cluster_clock (id, cluster_id, origin_ms, interval_ms) values (1, $1, $2, $3) on conflict (id) do nothing',
      [clusterId, originMs, intervalMs],
    );
    const { rows } = await this.pool.query('select cluster_id, origin_ms, interval_ms from cluster_clock where id = 1');
    const row = rows[0] as { cluster_id: string; origin_ms: string; interval_ms: number };
    if (row.interval_ms !== intervalMs) {
      throw new ThunderlineError(
        'ERR_CLUSTER_CONFLICT',
        `this cluster ticks every ${row.interval_ms} ms (set by its first node); this node was started with ${intervalMs} ms; start every node with the same --tick-interval`,
      );
    }
    return { clusterId: row.cluster_id, originMs: Number(row.origin_ms), intervalMs: row.interval_ms };
  }

  /**
   * Records this node as a live member (`up`). A run of the same node id left open (the node was
   * killed and restarted before anyone reaped it) is closed as unclean first.
   */
  async join(member: { runId: string; httpUrl: string | null }): Promise<void> {
    this.joined = member;
    await this.pool.query(
      `update runtime_runs set stopped_at = $3, stop_reason = 'unclean: node ' || $1 || ' restarted without stopping'
       where node_id = $1 and run_id <> $2 and stopped_at is null`,
      [this.nodeId, member.runId, Date.now()],
    );
    await this.leasePool.query(
      `insert into cluster_members (node_id, run_id, http_url, started_at, heartbeat_at, status)
       values ($1, $2, $3, now(), now(), 'up')
       on conflict (node_id) do update set run_id = excluded.run_id, http_url = excluded.http_url,
         started_at = now(), heartbeat_at = now(), status = 'up'`,
      [this.nodeId, member.runId, member.httpUrl],
    );
  }

  /** Marks this node `leaving`: peers stop counting it for new assignments. */
  async leaving(): Promise<void> {
    await this.leasePool.query(`update cluster_members set status = 'leaving', heartbeat_at = now() where node_id = $1`, [this.nodeId]);
  }

  /** Removes this node from the members table. */
  async leave(): Promise<void> {
    await this.leasePool.query('delete from cluster_members where node_id = $1', [this.nodeId]);
  }

  /**
   * One statement: the heartbeat, and every lease this node still holds renewed to `ttlMs` from
   * PostgreSQL's now. Answers the leases renewed (an expired one is not: it must be re-acquired).
   * A node that others declared dead (its member row was reaped while it was cut off) is a member
   * again by the same statement, and its run, closed for it as unclean, is open again.
   */
  async renew(ttlMs: number): Promise<HeldLease[]> {
    const joined = this.joined;
    const { rows } = await this.leasePool.query(
      `with hb as (
         insert into cluster_members (node_id, run_id, http_url, started_at, heartbeat_at, status)
         values ($1, $3, $4, now(), now(), 'up')
         on conflict (node_id) do update set heartbeat_at = now()
         returning (xmax = 0) as rejoined
       ), r as (
         update cluster_leases set expires_at = now() + make_interval(secs => $2::double precision / 1000)
         where owner = $1 and expires_at > now()
         returning name, epoch
       )
       select (select rejoined from hb) as rejoined, r.name, r.epoch from (select 1) as one left join r on true`,
      [this.nodeId, ttlMs, joined?.runId ?? '', joined?.httpUrl ?? null],
    );
    if ((rows[0] as { rejoined: boolean } | undefined)?.rejoined && joined) {
      await this.leasePool.query(
        `update runtime_runs set stopped_at = null, stop_reason = null where run_id = $1 and stop_reason like 'unclean: node % stopped heartbeating'`,
        [joined.runId],
      );
    }
    return rows
      .filter((row: { name: string | null }) => row.name !== null)
      .map((row: { name: string; epoch: string }) => ({ name: row.name, epoch: Number(row.epoch) }));
  }

  /** Live members and every lease, by PostgreSQL's clock. */
  async view(memberTtlMs: number): Promise<ClusterView> {
    const { rows } = await this.leasePool.query(
      `select 'm' as kind, node_id as name, status as owner, 0::bigint as epoch,
              heartbeat_at > now() - make_interval(secs => $1::double precision / 1000) as valid,
              extract(epoch from (now() - heartbeat_at)) * 1000 as expires_in_ms, http_url
         from cluster_members
       union all
       select 'l', name, owner, epoch, expires_at > now(), extract(epoch from (expires_at - now())) * 1000, null from cluster_leases`,
      [memberTtlMs],
    );
    const view: ClusterView = { members: [], alive: [], leaving: [], stale: [], details: [], leases: [] };
    type Row = { kind: string; name: string; owner: string; epoch: string; valid: boolean; expires_in_ms: number; http_url: string | null };
    for (const row of rows as Row[]) {
      if (row.kind === 'm') {
        view.details.push({
          nodeId: row.name,
          status: row.owner,
          httpUrl: row.http_url,
          heartbeatAgeMs: Math.round(Number(row.expires_in_ms)),
        });
        if (!row.valid) view.stale.push(row.name);
        else {
          view.alive.push(row.name);
          if (row.owner === 'up') view.members.push(row.name);
          else view.leaving.push(row.name);
        }
      } else
        view.leases.push({
          name: row.name,
          owner: row.owner,
          epoch: Number(row.epoch),
          valid: row.valid,
          expiresInMs: Number(row.expires_in_ms),
        });
    }
    view.members.sort();
    view.alive.sort();
    view.details.sort((x, y) => (x.nodeId < y.nodeId ? -1 : 1));
    return view;
  }

  /**
   * Takes each lease in `names` that is free, expired or already this node's, bumping its epoch;
   * a lease another node still holds is left alone. Answers the leases taken, with their epochs
   * and the holder each one had before (`previous`), when it was another node.
   */
  async acquire(names: readonly string[], ttlMs: number): Promise<Array<HeldLease & { previous: string | null }>> {
    if (names.length === 0) return [];
    const { rows } = await this.leasePool.query(
      `with old as (select name, owner from cluster_leases where name = any($1::text[]))
       insert into cluster_leases (name, owner, epoch, expires_at)
       select n, $2, 1, now() + make_interval(secs => $3::double precision / 1000) from unnest($1::text[]) as n
       on conflict (name) do update
         set owner = excluded.owner, epoch = cluster_leases.epoch + 1, expires_at = excluded.expires_at
         where cluster_leases.expires_at <= now() or cluster_leases.owner = excluded.owner
       returning cluster_leases.name, cluster_leases.epoch,
         (select owner from old where old.name = cluster_leases.name) as previous`,
      [names, this.nodeId, ttlMs],
    );
    return rows.map((row: { name: string; epoch: string; previous: string | null }) => ({
      name: row.name,
      epoch: Number(row.epoch),
      previous: row.previous === this.nodeId ? null : row.previous,
    }));
  }

  /** Gives leases up at once (only those this node holds at `epoch`). */
  async release(leases: readonly HeldLease[]): Promise<void> {
    if (leases.length === 0) return;
    await this.leasePool.query(
      `update cluster_leases set expires_at = now() - interval '1 millisecond'
       from unnest($2::text[], $3::bigint[]) as r(name, epoch)
       where cluster_leases.name = r.name and cluster_leases.owner = $1 and cluster_leases.epoch = r.epoch`,
      [this.nodeId, leases.map((lease) => lease.name), leases.map((lease) => lease.epoch)],
    );
  }

  /**
   * Records tick `n` if this node holds the `tick` lease at `epoch`, by PostgreSQL's clock; the
   * primary key makes every tick number unique. Answers false when fenced or already recorded.
   */
  async recordTick(n: number, epoch: number, dueAt: number, recordedAt: number): Promise<boolean> {
    const { rowCount } = await this.leasePool.query(
      `insert into cluster_ticks (n, epoch, node_id, due_at, recorded_at)
       select $1, l.epoch, $2, $4, $5 from cluster_leases l
       where l.name = 'tick' and l.owner = $2 and l.epoch = $3 and l.expires_at > now()
       on conflict (n) do nothing`,
      [n, this.nodeId, epoch, dueAt, recordedAt],
    );
    return rowCount === 1;
  }

  /** The highest tick number recorded (0 before the first) and its deadline (null before the first). */
  async lastTick(): Promise<{ n: number; dueAt: number | null }> {
    const { rows } = await this.leasePool.query('select n, due_at from cluster_ticks order by n desc limit 1');
    const row = rows[0] as { n: string; due_at: string } | undefined;
    return row ? { n: Number(row.n), dueAt: Number(row.due_at) } : { n: 0, dueAt: null };
  }

  /**
   * Writes status changes in one transaction, each only if this node still holds its shard's
   * lease at the change's epoch (PostgreSQL's clock): history rows are appended, and each
   * domain's current row follows its newest change unless a newer epoch wrote it. Answers how
   * many changes were written; the rest were fenced off and are dropped.
   */
  async writeFenced(changes: readonly FencedChange[]): Promise<number> {
    if (changes.length === 0) return 0;
    const cols = {
      run: changes.map((c) => c.runId),
      name: changes.map((c) => c.domain),
      event: changes.map((c) => c.event),
      status: changes.map((c) => c.status),
      tick: changes.map((c) => c.tick),
      at: changes.map((c) => c.occurredAt),
      meta: changes.map((c) => JSON.stringify(c.metadata ?? {})),
      shard: changes.map((c) => c.shard),
      epoch: changes.map((c) => c.epoch),
    };
    // The current row follows each domain's newest change in the batch (one row per domain: an
    // upsert may touch a row once per statement); `activated_at` moves with its newest activation.
    const newest = new Map<string, { change: FencedChange; activatedAt: number | null }>();
    for (const change of changes) {
      const before = newest.get(change.domain)?.activatedAt ?? null;
      newest.set(change.domain, { change, activatedAt: change.event === 'activated' ? change.occurredAt : before });
    }
    const rows = [...newest.values()];
    // One statement, so one implicit transaction: a writer cut off mid-write (a partition) never
    // leaves a transaction open holding row locks that would stall every other node's writes.
    const { rows: result } = await this.pool.query(
      `with history as (
         insert into domain_activation_history (run_id, domain_name, event, tick_count, occurred_at, metadata, node_id, shard, epoch)
         select d.run, d.name, d.event, d.tick, d.at, d.meta, $1, d.shard, d.epoch
         from unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[], $8::int[], $9::bigint[])
              with ordinality as d(run, name, event, tick, at, meta, shard, epoch, ord)
         join cluster_leases l on l.name = 'shard:' || d.shard and l.owner = $1 and l.epoch = d.epoch and l.expires_at > now()
         order by d.ord
         returning 1
       ), current as (
         insert into active_domain_registry (id, domain_name, status, tick_count, metadata, activated_at, updated_at, run_id, node_id, shard, epoch)
         select gen_random_uuid()::text, c.name, c.status, c.tick, c.meta, c.activated, c.at, c.run, $1, c.shard, c.epoch
         from unnest($10::text[], $11::text[], $12::bigint[], $13::text[], $14::bigint[], $15::bigint[], $16::text[], $17::int[], $18::bigint[])
              as c(name, status, tick, meta, activated, at, run, shard, epoch)
         join cluster_leases l on l.name = 'shard:' || c.shard and l.owner = $1 and l.epoch = c.epoch and l.expires_at > now()
         on conflict (domain_name) do update set status = excluded.status, tick_count = excluded.tick_count,
           metadata = excluded.metadata, activated_at = coalesce(excluded.activated_at, active_domain_registry.activated_at),
           updated_at = excluded.updated_at, run_id = excluded.run_id, node_id = excluded.node_id,
           shard = excluded.shard, epoch = excluded.epoch
         where active_domain_registry.epoch is null or active_domain_registry.epoch <= excluded.epoch
         returning 1
       )
       select (select count(*) from history) as written`,
      [
        this.nodeId,
        cols.run,
        cols.name,
        cols.event,
        cols.tick,
        cols.at,
        cols.meta,
        cols.shard,
        cols.epoch,
        rows.map((r) => r.change.domain),
        rows.map((r) => r.change.status),
        rows.map((r) => r.change.tick),
        rows.map((r) => JSON.stringify(r.change.metadata ?? {})),
        rows.map((r) => r.activatedAt),
        rows.map((r) => r.change.occurredAt),
        rows.map((r) => r.change.runId),
        rows.map((r) => r.change.shard),
        rows.map((r) => r.change.epoch),
      ],
    );
    return Number((result[0] as { written: string }).written);
  }

  /** Current rows of `domains` that are live (not `inactive`/`failed`): who holds them, at which epoch. */
  async liveRows(
    domains: readonly string[],
  ): Promise<Array<{ domain: string; nodeId: string | null; epoch: number | null; tick: number }>> {
    if (domains.length === 0) return [];
    const { rows } = await this.pool.query(
      `select domain_name, node_id, epoch, tick_count from active_domain_registry
       where domain_name = any($1::text[]) and status not in ('inactive', 'failed')`,
      [domains],
    );
    return rows.map((row: { domain_name: string; node_id: string | null; epoch: string | null; tick_count: string }) => ({
      domain: row.domain_name,
      nodeId: row.node_id,
      epoch: row.epoch === null ? null : Number(row.epoch),
      tick: Number(row.tick_count),
    }));
  }

  /**
   * A member whose heartbeat stopped: its run is closed as unclean (it cannot close it itself) and
   * its members row removed. Only rows still dead at the statement's own `now()` are touched, so a
   * node that came back meanwhile is left alone.
   */
  async reap(node: string, memberTtlMs: number, stoppedAt: number): Promise<void> {
    await this.pool.query(
      `with dead as (delete from cluster_members where node_id = $1
         and heartbeat_at <= now() - make_interval(secs => $2::double precision / 1000) returning run_id)
       update runtime_runs set stopped_at = $3, stop_reason = 'unclean: node ' || $1 || ' stopped heartbeating'
       where run_id in (select run_id from dead) and stopped_at is null`,
      [node, memberTtlMs, stoppedAt],
    );
  }

  /** Appends an operator action (a kill or restart through this node's dashboard). */
  async recordOperatorAction(action: OperatorActionRecord): Promise<void> {
    await this.pool.query(
      `insert into operator_actions (run_id, occurred_at, action, actor, path, reason, outcome, detail, node_id)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        action.runId,
        action.occurredAt,
        action.action,
        action.actor,
        action.path,
        action.reason,
        action.outcome,
        action.detail,
        this.nodeId,
      ],
    );
  }

  /** Records this node's run. */
  async beginRun(run: { runId: string; startedAt: number; tickIntervalMs: number | null; version: string }): Promise<void> {
    await this.pool.query(
      'insert into runtime_runs (run_id, started_at, tick_interval_ms, version, pid, node_id) values ($1, $2, $3, $4, $5, $6)',
      [run.runId, run.startedAt, run.tickIntervalMs, run.version, process.pid, this.nodeId],
    );
  }

  /** Records this node's run's end. */
  async endRun(runId: string, stoppedAt: number, stopReason: string): Promise<void> {
    await this.pool.query('update runtime_runs set stopped_at = $2, stop_reason = $3 where run_id = $1 and stopped_at is null', [
      runId,
      stoppedAt,
      stopReason,
    ]);
  }

  /** Member rows, for `hello` and `/health`. */
  async memberRows(): Promise<MemberRow[]> {
    const { rows } = await this.leasePool.query(
      `select node_id, http_url, status, extract(epoch from (now() - heartbeat_at)) * 1000 as age from cluster_members order by node_id`,
    );
    return rows.map((row: { node_id: string; http_url: string | null; status: string; age: number }) => ({
      nodeId: row.node_id,
      httpUrl: row.http_url,
      status: row.status,
      heartbeatAgeMs: Number(row.age),
    }));
  }

  /** Closes both pools. Idempotent. */
  async close(): Promise<void> {
    await Promise.allSettled([this.leasePool.end(), this.pool.end()]);
  }
}

/** Reads of the ledger for the CLI (`status`/`history --db postgres://…`), in the store's row types. */
export async function readClusterLedger(
  url: string,
  what: { domains?: boolean; history?: HistoryQuery; runs?: number },
): Promise<{ domains: DomainRow[]; history: HistoryRow[]; runs: RunRow[] }> {
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: 3000, max: 1 });
  pool.on('error', () => {});
  try {
    const result = { domains: [] as DomainRow[], history: [] as HistoryRow[], runs: [] as RunRow[] };
    const json = (text: string): Record<string, unknown> => {
      try {
        return JSON.parse(text) as Record<string, unknown>;
      } catch {
        return {};
      }
    };
    const num = (value: string | null): number | null => (value === null ? null : Number(value));
    if (what.domains) {
      const { rows } = await pool.query('select * from active_domain_registry order by domain_name');
      result.domains = rows.map((row) => ({
        id: row.id,
        domainName: row.domain_name,
        status: row.status,
        tickCount: Number(row.tick_count),
        metadata: { ...json(row.metadata), node: row.node_id, epoch: num(row.epoch) },
        activatedAt: num(row.activated_at),
        updatedAt: Number(row.updated_at),
        runId: row.run_id,
      }));
    }
    if (what.history) {
      const { domain, runId, limit = 100 } = what.history;
      const { rows } = await pool.query(
        `select * from domain_activation_history where ($1::text is null or domain_name = $1) and ($2::text is null or run_id = $2)
         order by id desc limit $3`,
        [domain ?? null, runId ?? null, limit],
      );
      result.history = rows.map((row) => ({
        id: Number(row.id),
        runId: row.run_id,
        domainName: row.domain_name,
        event: row.event as HistoryEvent,
        tickCount: Number(row.tick_count),
        occurredAt: Number(row.occurred_at),
        metadata: { ...json(row.metadata), node: row.node_id, epoch: num(row.epoch) },
      }));
    }
    if (what.runs !== undefined) {
      const { rows } = await pool.query('select * from runtime_runs order by started_at desc limit $1', [what.runs]);
      result.runs = rows.map((row) => ({
        runId: row.run_id,
        startedAt: Number(row.started_at),
        stoppedAt: num(row.stopped_at),
        stopReason: row.stop_reason,
        tickIntervalMs: row.tick_interval_ms,
        version: row.version,
        pid: row.pid,
      }));
    }
    return result;
  } catch (error) {
    throw new ThunderlineError(
      'ERR_CLUSTER_UNREACHABLE',
      `cannot read the PostgreSQL ledger at ${redactUrl(url)}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  } finally {
    await pool.end().catch(() => {});
  }
}
