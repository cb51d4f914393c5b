/**
 * Cluster mode against its targets (`docs/cluster.md`; `docs/benchmarks.md`, "Cluster mode"),
 * with the single-node baseline and a bare JetStream baseline measured in the same run. Each
 * scenario gets a fresh PostgreSQL database and its own JetStream streams, dropped after
 * (`test/support/cluster-services.ts`). Node processes are real processes
 * (`bench/cluster-node.ts`), so `kill -9` is real. Times of the ledger (`occurred_at`,
 * `recorded_at`) are the nodes' wall clocks, the same machine's clock as the bench's.
 *
 * 1. failover after `kill -9` of the node holding the most domains (lease TTL 6 s, tick 1 s);
 * 2. graceful leave (SIGTERM) of a node;
 * 3. tick-leader failover (`kill -9` of the `tick` lease holder): gap, duplicates, schedule;
 * 4. tick fan-out, 3 nodes × N domains, vs one single-node runtime with N domains;
 * 5. the first tick activating 3 × N waiting domains: every `activated` row in PostgreSQL;
 * 6. event stream throughput through `ClusterBus` vs the bare `@nats-io/jetstream` client.
 *
 * Sizes and scenarios come from the environment: `CLUSTER_BENCH_DOMAINS` (the list of scenarios
 * 1–3, default 3000), `CLUSTER_BENCH_FANOUT` (N per node of scenarios 4–5, default 1000; a comma
 * list runs each), `CLUSTER_BENCH_TICKS` (steady ticks measured, default 30),
 * `CLUSTER_BENCH_STREAM_SECONDS` (default 3) and `CLUSTER_BENCH_ONLY`
 * (`failover,leave,leader,fanout,first,stream`, default all). The default run takes about 3.5
 * minutes on the 2-core machine of `docs/benchmarks.md`; the issue's size (3 nodes × 10,000
 * domains, 30,000 in the list) about 2 minutes for the tick scenarios and 1.5 for the failovers.
 *
 * @example
 * npm run bench -- cluster
 * CLUSTER_BENCH_ONLY=fanout,first CLUSTER_BENCH_FANOUT=10000 CLUSTER_BENCH_TICKS=20 npm run bench -- cluster
 * CLUSTER_BENCH_ONLY=failover,leave,leader CLUSTER_BENCH_DOMAINS=30000 npm run bench -- cluster
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { ClusterBus } from '../src/cluster/bus.ts';
import { ownersOf, shardOf } from '../src/cluster/shards.ts';
import { ledgerViolations } from '../test/support/cluster-invariants.ts';
import { type FreshDatabase, freshDatabase, TEST_NATS } from '../test/support/cluster-services.ts';
import { fmt, int, median, quantile, verdict } from './stats.ts';

const dir = path.dirname(fileURLToPath(import.meta.url));
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Domains in the list every node runs, for scenarios 1–3. */
const DOMAINS = Number(process.env.CLUSTER_BENCH_DOMAINS ?? 3000);
/** N per node for the fan-out and first-tick scenarios (the cluster runs 3 × N). */
const FANOUT_SIZES = (process.env.CLUSTER_BENCH_FANOUT ?? '1000').split(',').map(Number);
/** Steady ticks measured per fan-out run. */
const STEADY_TICKS = Number(process.env.CLUSTER_BENCH_TICKS ?? 30);
/** Seconds of each event-stream round. */
const STREAM_SECONDS = Number(process.env.CLUSTER_BENCH_STREAM_SECONDS ?? 3);
const NODES = ['n1', 'n2', 'n3'];
/** The fan-out's absolute target: the leader's publish (`recorded_at`) → the last domain of the last node, p99. */
const FANOUT_P99_MS = 60;
const LOST_AFTER_MS = 30_000;

// --- Node processes ------------------------------------------------------------------------------

interface NodeLine {
  ready?: string;
  at?: number;
  tick?: number;
  emitWall?: number;
  fanoutMs?: number;
  lateMs?: number;
  stopped?: number;
  tookMs?: number;
}

class NodeProc {
  readonly lines: NodeLine[] = [];
  stderr = '';
  readonly exited: Promise<number | string | null>;
  private waiters: Array<() => void> = [];

  constructor(
    readonly id: string,
    readonly child: ChildProcess,
  ) {
    let buffer = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      buffer += chunk;
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const text = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
        try {
          this.lines.push(JSON.parse(text) as NodeLine);
        } catch {
          this.stderr += `${text}\n`;
        }
        for (const wake of this.waiters.splice(0)) wake();
      }
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4000);
    });
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  }

  /** Resolves with the first line matching `pred`; rejects after `ms` or on exit. */
  async waitFor(what: string, pred: (line: NodeLine) => boolean, ms = 60_000): Promise<NodeLine> {
    const deadline = Date.now() + ms;
    let exited = false;
    void this.exited.then(() => {
      exited = true;
      for (const wake of this.waiters.splice(0)) wake();
    });
    for (;;) {
      const found = this.lines.find(pred);
      if (found) return found;
      if (exited) throw new Error(`node ${this.id} exited before ${what}: ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`node ${this.id}: timed out waiting for ${what}: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  ticks(): Array<Required<Pick<NodeLine, 'tick' | 'emitWall' | 'fanoutMs' | 'lateMs'>>> {
    return this.lines.filter((line) => line.tick !== undefined) as Array<
      Required<Pick<NodeLine, 'tick' | 'emitWall' | 'fanoutMs' | 'lateMs'>>
    >;
  }
}

function startNode(id: string, args: Record<string, string | number>): NodeProc {
  const argv = Object.entries(args).flatMap(([key, value]) => [`--${key}`, String(value)]);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(dir, 'cluster-node.ts'), '--node-id', id, ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new NodeProc(id, child);
}

/** A cluster of node processes on one fresh database. */
class Cluster {
  readonly nodes = new Map<string, NodeProc>();
  constructor(
    readonly db: FreshDatabase,
    readonly domains: number,
    readonly extra: Record<string, string | number> = {},
  ) {}

  async start(ids: readonly string[]): Promise<void> {
    const procs = ids.map((id) => {
      const proc = startNode(id, { mode: 'cluster', domains: this.domains, postgres: this.db.url, nats: TEST_NATS, ...this.extra });
      this.nodes.set(id, proc);
      return proc;
    });
    await Promise.all(procs.map((proc) => proc.waitFor('ready', (line) => line.ready !== undefined, 120_000)));
  }

  /** Waits until every domain has `status` on the node the shard map of `members` gives it. */
  async placed(members: readonly string[], status: 'active' | 'waiting', ms = 90_000): Promise<void> {
    const owners = ownersOf(members);
    const want = new Map<string, string>();
    for (let i = 0; i < this.domains; i += 1) want.set(`d${i}`, owners[shardOf(`d${i}`)] as string);
    const deadline = Date.now() + ms;
    let wrong = this.domains;
    while (Date.now() < deadline) {
      const rows = await this.db.query<{ domain_name: string; status: string; node_id: string }>(
        'select domain_name, status, node_id from active_domain_registry',
      );
      wrong = this.domains - rows.filter((row) => row.status === status && want.get(row.domain_name) === row.node_id).length;
      if (wrong === 0) return;
      await sleep(250);
    }
    throw new Error(`timed out: ${wrong} of ${this.domains} domains not ${status} on their owners among ${members.join(', ')}`);
  }

  /**
   * Waits until every shard lease is held by the node the shard map of `members` gives it.
   */
  async leasesPlaced(members: readonly string[], ms = 60_000): Promise<void> {
    const owners = ownersOf(members);
    const deadline = Date.now() + ms;
    let wrong = owners.length;
    while (Date.now() < deadline) {
      const rows = await this.db.query<{ name: string; owner: string }>(
        "select name, owner from cluster_leases where name like 'shard:%' and expires_at > now()",
      );
      wrong = owners.length - rows.filter((row) => owners[Number(row.name.slice('shard:'.length))] === row.owner).length;
      if (wrong === 0) return;
      await sleep(100);
    }
    throw new Error(`timed out: ${wrong} shard leases not held by their owners among ${members.join(', ')}`);
  }

  async activeByNode(): Promise<Map<string, string[]>> {
    const rows = await this.db.query<{ domain_name: string; node_id: string }>(
      "select domain_name, node_id from active_domain_registry where status = 'active'",
    );
    const byNode = new Map<string, string[]>();
    for (const row of rows) byNode.set(row.node_id, [...(byNode.get(row.node_id) ?? []), row.domain_name]);
    return byNode;
  }

  async tickLeader(): Promise<string | undefined> {
    const rows = await this.db.query<{ owner: string }>("select owner from cluster_leases where name = 'tick' and expires_at > now()");
    return rows[0]?.owner;
  }

  async close(): Promise<void> {
    for (const proc of this.nodes.values()) proc.child.kill('SIGKILL');
    await Promise.all([...this.nodes.values()].map((proc) => proc.exited));
    this.nodes.clear();
    await this.db.drop();
  }
}

/** Runs `body` on a fresh cluster database; the nodes are killed and the database and streams dropped after. */
async function withCluster<T>(domains: number, extra: Record<string, string | number>, body: (cluster: Cluster) => Promise<T>): Promise<T> {
  const cluster = new Cluster(await freshDatabase(), domains, extra);
  try {
    return await body(cluster);
  } finally {
    await cluster.close();
  }
}

/**
 * Polls the ledger until each of `domains` has an `activated` row written by a node other than
 * `gone` at or after `sinceMs`: answers each domain's first such `occurred_at`, and when the bench
 * first saw them all in PostgreSQL.
 */
async function activatedElsewhere(
  db: FreshDatabase,
  domains: readonly string[],
  gone: string,
  sinceMs: number,
): Promise<{ first: Map<string, number>; allSeenAt: number | undefined }> {
  const deadline = sinceMs + LOST_AFTER_MS;
  let first = new Map<string, number>();
  for (;;) {
    const rows = await db.query<{ domain_name: string; at: string }>(
      `select domain_name, min(occurred_at) as at from domain_activation_history
       where event = 'activated' and node_id <> $1 and occurred_at >= $2 and domain_name = any($3::text[])
       group by domain_name`,
      [gone, sinceMs, domains],
    );
    first = new Map(rows.map((row) => [row.domain_name, Number(row.at)]));
    if (first.size === domains.length) return { first, allSeenAt: Date.now() };
    if (Date.now() > deadline) return { first, allSeenAt: undefined };
    await sleep(50);
  }
}

const spread = (values: number[]): { p50: number; p99: number; max: number; min: number } => {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted.at(-1) ?? Number.NaN,
    min: sorted[0] ?? Number.NaN,
  };
};
const s = (ms: number): string => fmt(ms / 1000, 2);

// --- 1. Failover after kill -9 ---------------------------------------------------------------------

interface FailoverResult {
  victim: string;
  wasLeader: boolean;
  moved: number;
  lost: number;
  failover: { p50: number; p99: number; max: number; min: number };
  takenOver: { p50: number; max: number };
  allSeenMs: number | undefined;
  violations: number;
}

async function failover(): Promise<FailoverResult> {
  return withCluster(DOMAINS, {}, async (cluster) => {
    await cluster.start(NODES);
    await cluster.placed(NODES, 'active');
    await sleep(2000);
    const byNode = await cluster.activeByNode();
    const [victim, moved] = [...byNode.entries()].sort((a, b) => b[1].length - a[1].length)[0] as [string, string[]];
    const leader = await cluster.tickLeader();
    log(`failover: kill -9 ${victim} (${moved.length} of ${DOMAINS} domains${leader === victim ? ', the tick leader' : ''})`);
    const killAt = Date.now();
    cluster.nodes.get(victim)?.child.kill('SIGKILL');
    const { first, allSeenAt } = await activatedElsewhere(cluster.db, moved, victim, killAt);
    // When the survivors took the shards over: their first row for a moved domain (owner_lost or waiting).
    const taken = await cluster.db.query<{ domain_name: string; at: string }>(
      `select domain_name, min(occurred_at) as at from domain_activation_history
       where node_id <> $1 and occurred_at >= $2 and domain_name = any($3::text[]) group by domain_name`,
      [victim, killAt, moved],
    );
    const takenMs = taken.map((row) => Number(row.at) - killAt);
    const times = [...first.values()].map((at) => at - killAt);
    await sleep(1500);
    const violations = await ledgerViolations(cluster.db);
    for (const v of violations.slice(0, 5)) log(`  violation: ${v}`);
    return {
      victim,
      wasLeader: leader === victim,
      moved: moved.length,
      lost: moved.length - first.size,
      failover: spread(times),
      takenOver: { p50: spread(takenMs).p50, max: spread(takenMs).max },
      allSeenMs: allSeenAt === undefined ? undefined : allSeenAt - killAt,
      violations: violations.length,
    };
  });
}

// --- 2. Graceful leave ---------------------------------------------------------------------------------

interface LeaveResult {
  victim: string;
  moved: number;
  lost: number;
  allActiveMs: number;
  allSeenMs: number | undefined;
  stopMs: number | undefined;
  exit: number | string | null;
  violations: number;
}

async function gracefulLeave(): Promise<LeaveResult> {
  return withCluster(DOMAINS, {}, async (cluster) => {
    await cluster.start(NODES);
    await cluster.placed(NODES, 'active');
    await sleep(2000);
    const byNode = await cluster.activeByNode();
    const leader = await cluster.tickLeader();
    // A node that does not lead the ticks, so only its shards move (the leader's leave is scenario 3's kind of move).
    const [victim, moved] = [...byNode.entries()].filter(([node]) => node !== leader).sort((a, b) => b[1].length - a[1].length)[0] as [
      string,
      string[],
    ];
    log(`graceful leave: SIGTERM ${victim} (${moved.length} domains; tick leader ${leader})`);
    const proc = cluster.nodes.get(victim) as NodeProc;
    const termAt = Date.now();
    proc.child.kill('SIGTERM');
    const { first, allSeenAt } = await activatedElsewhere(cluster.db, moved, victim, termAt);
    const exit = await proc.exited;
    cluster.nodes.delete(victim);
    const stopped = proc.lines.find((line) => line.stopped !== undefined);
    const violations = await ledgerViolations(cluster.db);
    for (const v of violations.slice(0, 5)) log(`  violation: ${v}`);
    return {
      victim,
      moved: moved.length,
      lost: moved.length - first.size,
      allActiveMs: Math.max(...first.values()) - termAt,
      allSeenMs: allSeenAt === undefined ? undefined : allSeenAt - termAt,
      stopMs: stopped?.stopped === undefined ? undefined : stopped.stopped - termAt,
      exit,
      violations: violations.length,
    };
  });
}

// --- 3. Tick-leader failover ----------------------------------------------------------------------

interface LeaderResult {
  victim: string;
  newLeader: string;
  gapMs: number;
  skippedDeadlines: number;
  ticks: number;
  duplicateRows: number;
  duplicateDeliveries: number;
  offSchedule: number;
  deadlinesNotRising: number;
}

async function leaderFailover(): Promise<LeaderResult> {
  return withCluster(DOMAINS, {}, async (cluster) => {
    await cluster.start(NODES);
    await cluster.placed(NODES, 'active');
    await sleep(2000);
    const victim = (await cluster.tickLeader()) as string;
    log(`tick-leader failover: kill -9 ${victim}`);
    const killAt = Date.now();
    cluster.nodes.get(victim)?.child.kill('SIGKILL');
    // Until a new leader has ticked five times.
    const deadline = Date.now() + LOST_AFTER_MS;
    for (;;) {
      const rows = await cluster.db.query<{ c: string }>(
        'select count(*) as c from cluster_ticks where node_id <> $1 and recorded_at > $2',
        [victim, killAt],
      );
      if (Number(rows[0]?.c) >= 5 || Date.now() > deadline) break;
      await sleep(250);
    }
    const ticks = (
      await cluster.db.query<{ n: string; node_id: string; due_at: string; recorded_at: string }>(
        'select n, node_id, due_at, recorded_at from cluster_ticks order by n',
      )
    ).map((row) => ({ n: Number(row.n), node: row.node_id, dueAt: Number(row.due_at), recordedAt: Number(row.recorded_at) }));
    const [clock] = await cluster.db.query<{ origin_ms: string; interval_ms: number }>('select origin_ms, interval_ms from cluster_clock');
    const origin = Number(clock?.origin_ms);
    const interval = Number(clock?.interval_ms);
    const [counts] = await cluster.db.query<{ c: string; d: string }>('select count(*) as c, count(distinct n) as d from cluster_ticks');
    const before = ticks.filter((tick) => tick.recordedAt <= killAt).at(-1);
    const after = ticks.find((tick) => tick.recordedAt > killAt && tick.node !== victim);
    if (!before || !after) throw new Error('tick-leader failover: no tick before or after the kill');
    // Each survivor delivers each tick number at most once (its local tick events).
    let duplicateDeliveries = 0;
    for (const [id, proc] of cluster.nodes) {
      if (id === victim) continue;
      const numbers = proc.ticks().map((line) => line.tick);
      duplicateDeliveries += numbers.length - new Set(numbers).size;
    }
    let deadlinesNotRising = 0;
    for (let i = 1; i < ticks.length; i += 1) if ((ticks[i]?.dueAt ?? 0) <= (ticks[i - 1]?.dueAt ?? 0)) deadlinesNotRising += 1;
    return {
      victim,
      newLeader: after.node,
      gapMs: after.recordedAt - before.recordedAt,
      skippedDeadlines: Math.round((after.dueAt - before.dueAt) / interval) - 1,
      ticks: ticks.length,
      duplicateRows: Number(counts?.c) - Number(counts?.d),
      duplicateDeliveries,
      offSchedule: ticks.filter((tick) => (tick.dueAt - origin) % interval !== 0).length,
      deadlinesNotRising,
    };
  });
}

// --- 4. Tick fan-out ---------------------------------------------------------------------------

interface FanoutResult {
  n: number;
  /** leader recorded_at → the last node idle, per tick */
  endToEnd: { p50: number; p99: number; max: number };
  /** leader recorded_at → the local tick event, every node and tick */
  transport: { p50: number; p99: number };
  /** local tick event → idle, every node and tick */
  nodeFanout: { p50: number; p99: number };
  /** single node: tick event → idle */
  single: { p50: number; p99: number };
  singleRuns: number[];
  ticks: number;
  perNode: Record<string, number>;
  /** per node: median transport and fan-out, and how often it was the last to finish */
  nodes: string;
}

/** The single-node runtime with `n` domains on SQLite `:memory:`, timed ticks at 1 s: fan-out per tick. */
async function singleNode(n: number, ticks: number): Promise<number[]> {
  const proc = startNode('single', { mode: 'single', domains: n, 'tick-interval': 1000 });
  try {
    await proc.waitFor('ready', (line) => line.ready !== undefined, 120_000);
    // Tick 1 activates every domain; ticks 2–3 warm up; then `ticks` steady ones.
    await proc.waitFor(`tick ${ticks + 3}`, (line) => (line.tick ?? 0) >= ticks + 3, (ticks + 30) * 1000);
    return proc
      .ticks()
      .filter((line) => line.tick > 3)
      .map((line) => line.fanoutMs);
  } finally {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
}

async function fanout(n: number): Promise<FanoutResult> {
  log(`fan-out: single node, ${n} domains, ${STEADY_TICKS} ticks`);
  const singleBefore = await singleNode(n, STEADY_TICKS);
  log(`fan-out: 3 nodes × ${n} domains (${3 * n} in the list), ${STEADY_TICKS} ticks`);
  const result = await withCluster(3 * n, {}, async (cluster) => {
    await cluster.start(NODES);
    await cluster.placed(NODES, 'active');
    const [firstRow] = await cluster.db.query<{ n: string }>('select max(n) as n from cluster_ticks');
    const from = Number(firstRow?.n) + 3; // warm-up: three steady ticks after every domain is active
    const to = from + STEADY_TICKS - 1;
    await Promise.all([...cluster.nodes.values()].map((proc) => proc.waitFor(`tick ${to}`, (line) => (line.tick ?? 0) >= to, 60_000)));
    const recorded = new Map(
      (
        await cluster.db.query<{ n: string; recorded_at: string }>('select n, recorded_at from cluster_ticks where n between $1 and $2', [
          from,
          to,
        ])
      ).map((row) => [Number(row.n), Number(row.recorded_at)]),
    );
    const perNode: Record<string, number> = {};
    for (const [node, domains] of await cluster.activeByNode()) perNode[node] = domains.length;
    const leader = await cluster.tickLeader();
    const endToEnd: number[] = [];
    const transport: number[] = [];
    const nodeFanout: number[] = [];
    const byNode = new Map<string, { transport: number[]; fanout: number[]; last: number }>();
    for (let tick = from; tick <= to; tick += 1) {
      const at = recorded.get(tick);
      if (at === undefined) continue;
      let last = Number.NEGATIVE_INFINITY;
      let lastNode = '';
      for (const proc of cluster.nodes.values()) {
        const line = proc.ticks().find((candidate) => candidate.tick === tick);
        if (!line) throw new Error(`node ${proc.id} reported no tick ${tick}`);
        const mine = byNode.get(proc.id) ?? { transport: [], fanout: [], last: 0 };
        byNode.set(proc.id, mine);
        transport.push(line.emitWall - at);
        nodeFanout.push(line.fanoutMs);
        mine.transport.push(line.emitWall - at);
        mine.fanout.push(line.fanoutMs);
        if (line.emitWall + line.fanoutMs > last) {
          last = line.emitWall + line.fanoutMs;
          lastNode = proc.id;
        }
      }
      const slowest = byNode.get(lastNode);
      if (slowest) slowest.last += 1;
      endToEnd.push(last - at);
    }
    const nodes = [...byNode.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(
        ([id, mine]) =>
          `${id}${id === leader ? ' (leader)' : ''}: transport p50 ${fmt(median(mine.transport), 1)} ms, fan-out p50 ${fmt(median(mine.fanout), 2)} ms, last in ${mine.last} ticks`,
      )
      .join('; ');
    return { endToEnd, transport, nodeFanout, perNode, nodes };
  });
  log(`fan-out: single node again, ${n} domains`);
  const singleAfter = await singleNode(n, STEADY_TICKS);
  const single = [...singleBefore, ...singleAfter];
  const e = spread(result.endToEnd);
  return {
    n,
    endToEnd: { p50: e.p50, p99: e.p99, max: e.max },
    transport: spread(result.transport),
    nodeFanout: spread(result.nodeFanout),
    single: spread(single),
    singleRuns: [median(singleBefore), median(singleAfter)],
    ticks: result.endToEnd.length,
    perNode: result.perNode,
    nodes: result.nodes,
  };
}

// --- 5. First tick activating 3 × N waiting domains --------------------------------------------

interface FirstTickResult {
  n: number;
  total: number;
  activatedRows: number;
  lastOccurredMs: number;
  seenInPgMs: number | undefined;
  perNode: Record<string, number>;
}

/** The interval of this scenario: long enough that every node has joined and balanced before the first deadline. */
const FIRST_TICK_INTERVAL = 20_000;

async function firstTick(n: number): Promise<FirstTickResult> {
  const total = 3 * n;
  log(`first tick: 3 nodes × ${n} waiting domains, tick interval ${FIRST_TICK_INTERVAL / 1000} s`);
  return withCluster(total, { 'tick-interval': FIRST_TICK_INTERVAL, 'activation-timeout': 120_000 }, async (cluster) => {
    await cluster.start(NODES);
    // The shards' leases where the map puts them; their domains start waiting right after each
    // lease is taken, and their `waiting` rows are flushed then (`src/cluster/node.ts`, the
    // `acquired` hook), so give them a second.
    await cluster.leasesPlaced(NODES);
    await sleep(1000);
    const [before] = await cluster.db.query<{ c: string }>('select count(*) as c from cluster_ticks');
    if (Number(before?.c) !== 0) throw new Error('first tick: the first tick came before every node held its shards');
    // Poll PostgreSQL for the tick, then for every `activated` row.
    let tickAt: number | undefined;
    const deadline = Date.now() + FIRST_TICK_INTERVAL + 30_000;
    for (;;) {
      const [tick] = await cluster.db.query<{ recorded_at: string }>('select recorded_at from cluster_ticks where n = 1');
      if (tick) {
        tickAt = Number(tick.recorded_at);
        break;
      }
      if (Date.now() > deadline) throw new Error('first tick: no tick');
      await sleep(20);
    }
    let seenAt: number | undefined;
    let rows = 0;
    while (Date.now() < tickAt + 30_000) {
      const [count] = await cluster.db.query<{ c: string }>(
        "select count(*) as c from domain_activation_history where event = 'activated' and tick_count = 1",
      );
      rows = Number(count?.c);
      if (rows >= total) {
        seenAt = Date.now();
        break;
      }
      await sleep(20);
    }
    const [last] = await cluster.db.query<{ at: string }>(
      "select max(occurred_at) as at from domain_activation_history where event = 'activated' and tick_count = 1",
    );
    const perNode: Record<string, number> = {};
    for (const [node, domains] of await cluster.activeByNode()) perNode[node] = domains.length;
    return {
      n,
      total,
      activatedRows: rows,
      lastOccurredMs: Number(last?.at) - tickAt,
      seenInPgMs: seenAt === undefined ? undefined : seenAt - tickAt,
      perNode,
    };
  });
}

// --- 6. Event stream throughput ----------------------------------------------------------------

const BATCH = 100;

/** A batch of `BATCH` domain events as the relay sends them (`src/cluster/event-relay.ts`). */
function eventBatch(node: string, seq: number): unknown[] {
  const time = new Date().toISOString();
  return Array.from({ length: BATCH }, (_, i) => ({
    type: 'domain_activated',
    domain: `d${(seq * BATCH + i) % 10_000}`,
    tick: seq,
    time,
    node,
    shard: i,
    epoch: 1,
  }));
}

interface StreamRound {
  /** events stored (PubAck) per second, all publishers together */
  published: number;
  /** events read back per second by each reader (every node reads every node's events), median of readers */
  delivered: number;
}

/** 3 publishers (one connection each, one batch in flight each, as a node's relay) and 3 readers, for `seconds`. */
async function streamRoundOurs(seconds: number): Promise<StreamRound> {
  const clusterId = randomUUID();
  const buses = await Promise.all(NODES.map((nodeId) => ClusterBus.connect(TEST_NATS, { nodeId, clusterId })));
  try {
    const received = buses.map(() => ({ events: 0, lastAt: 0 }));
    const stops = await Promise.all(
      buses.map((bus, i) =>
        bus.onEvents(1, (_seq, events) => {
          const r = received[i] as { events: number; lastAt: number };
          r.events += events.length;
          r.lastAt = performance.now();
        }),
      ),
    );
    const started = performance.now();
    const until = started + seconds * 1000;
    let stored = 0;
    await Promise.all(
      buses.map(async (bus, i) => {
        for (let seq = 0; performance.now() < until; seq += 1) {
          await bus.publishEvents(eventBatch(NODES[i] as string, seq));
          stored += BATCH;
        }
      }),
    );
    const publishedAt = performance.now();
    const wait = publishedAt + 30_000;
    while (received.some((r) => r.events < stored) && performance.now() < wait) await sleep(10);
    for (const stop of stops) stop();
    return {
      published: stored / ((publishedAt - started) / 1000),
      delivered: median(received.map((r) => r.events / ((Math.max(r.lastAt, publishedAt) - started) / 1000))),
    };
  } finally {
    await buses[0]?.deleteStreams();
    await Promise.all(buses.map((bus) => bus.close()));
  }
}

/** The same with the bare client: `js.publish` of the same JSON, ordered consumers reading it back. */
async function streamRoundRaw(seconds: number): Promise<StreamRound> {
  const id = randomUUID().replace(/-/g, '').slice(0, 16);
  const stream = `TL_BENCHRAW_${id}`;
  const subject = `tlbench.${id}.ev`;
  const conns = await Promise.all(NODES.map(() => connect({ servers: TEST_NATS })));
  const jsm = await jetstreamManager(conns[0] as never);
  await jsm.streams.add({ name: stream, subjects: [`${subject}.>`], max_age: 3_600_000_000_000, max_msgs: 1_000_000 });
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  try {
    const clients = conns.map((nc) => jetstream(nc));
    const received = clients.map(() => ({ events: 0, lastAt: 0 }));
    const iterators = await Promise.all(
      clients.map(async (js, i) => {
        const consumer = await js.consumers.get(stream, {});
        const messages = await consumer.consume();
        void (async () => {
          for await (const message of messages) {
            const r = received[i] as { events: number; lastAt: number };
            r.events += (JSON.parse(decoder.decode(message.data)) as unknown[]).length;
            r.lastAt = performance.now();
          }
        })();
        return messages;
      }),
    );
    const started = performance.now();
    const until = started + seconds * 1000;
    let stored = 0;
    await Promise.all(
      clients.map(async (js, i) => {
        for (let seq = 0; performance.now() < until; seq += 1) {
          await js.publish(`${subject}.${NODES[i]}`, encoder.encode(JSON.stringify(eventBatch(NODES[i] as string, seq))));
          stored += BATCH;
        }
      }),
    );
    const publishedAt = performance.now();
    const wait = publishedAt + 30_000;
    while (received.some((r) => r.events < stored) && performance.now() < wait) await sleep(10);
    for (const messages of iterators) void messages.close();
    return {
      published: stored / ((publishedAt - started) / 1000),
      delivered: median(received.map((r) => r.events / ((Math.max(r.lastAt, publishedAt) - started) / 1000))),
    };
  } finally {
    await jsm.streams.delete(stream).catch(() => false);
    await Promise.all(conns.map((nc) => nc.drain().catch(() => nc.close())));
  }
}

async function eventStream(): Promise<{
  ours: StreamRound;
  raw: StreamRound;
  rounds: number;
  oursAll: StreamRound[];
  rawAll: StreamRound[];
}> {
  log(`event stream: 3 publishers × batches of ${BATCH}, 3 readers, ${STREAM_SECONDS} s rounds`);
  await streamRoundOurs(1); // warm-up
  await streamRoundRaw(1);
  const ours: StreamRound[] = [];
  const raw: StreamRound[] = [];
  const rounds = 5;
  for (let i = 0; i < rounds; i += 1) {
    ours.push(await streamRoundOurs(STREAM_SECONDS));
    raw.push(await streamRoundRaw(STREAM_SECONDS));
    log(`  round ${i + 1}: ours ${int(ours.at(-1)?.published ?? 0)}/s stored, raw ${int(raw.at(-1)?.published ?? 0)}/s`);
  }
  const med = (rs: StreamRound[]): StreamRound => ({
    published: median(rs.map((r) => r.published)),
    delivered: median(rs.map((r) => r.delivered)),
  });
  return { ours: med(ours), raw: med(raw), rounds, oursAll: ours, rawAll: raw };
}

// --- The run ---------------------------------------------------------------------------------

function load(): string {
  return os
    .loadavg()
    .map((value) => fmt(value, 2))
    .join(' / ');
}

/** Scenarios to run (`CLUSTER_BENCH_ONLY=failover,leave,leader,fanout,first,stream`); default all. */
const ONLY = new Set((process.env.CLUSTER_BENCH_ONLY ?? 'failover,leave,leader,fanout,first,stream').split(','));

/** Runs every scenario (or those of `CLUSTER_BENCH_ONLY`) and returns the markdown report. */
export async function run(): Promise<string> {
  const began = performance.now();
  const loads: string[] = [`start ${load()}`];
  const targets: string[] = [];
  const notes: string[] = [];
  if (ONLY.has('failover')) {
    const f = await failover();
    log(`  moved ${f.moved}: p50 ${s(f.failover.p50)} s, p99 ${s(f.failover.p99)} s, max ${s(f.failover.max)} s, lost ${f.lost}`);
    targets.push(
      `| failover after \`kill -9\` of the node holding the most domains (${f.moved} of ${int(DOMAINS)}${f.wasLeader ? ', also the tick leader' : ''}) | p50 ${s(f.failover.p50)} s, p99 ${s(f.failover.p99)} s, max ${s(f.failover.max)} s; lost ${f.lost} | ≤ 9 s; 0 lost | ${verdict(f.failover.max <= 9000 && f.lost === 0)} |`,
    );
    notes.push(
      `**Failover** (${int(DOMAINS)} domains, 3 nodes, lease TTL 6 s, tick 1 s): kill -9 of ${f.victim}${f.wasLeader ? ' (the tick leader)' : ''}; survivors' first row for a moved domain after p50 ${s(f.takenOver.p50)} s (max ${s(f.takenOver.max)} s); first \`activated\` p50 ${s(f.failover.p50)} / p99 ${s(f.failover.p99)} / max ${s(f.failover.max)} s (min ${s(f.failover.min)} s); all seen in PostgreSQL by the bench's poll after ${f.allSeenMs === undefined ? '—' : s(f.allSeenMs)} s; ledger invariant violations: ${f.violations}.`,
    );
  }
  if (ONLY.has('leave')) {
    const g = await gracefulLeave();
    log(`  all active elsewhere after ${s(g.allActiveMs)} s, lost ${g.lost}`);
    targets.push(
      `| graceful leave (SIGTERM), ${g.moved} domains | all active elsewhere after ${s(g.allActiveMs)} s; lost ${g.lost} | ≤ 2 s | ${verdict(g.allActiveMs <= 2000 && g.lost === 0)} |`,
    );
    notes.push(
      `**Graceful leave**: SIGTERM of ${g.victim} (not the tick leader); its \`runtime.stop()\` resolved after ${g.stopMs === undefined ? '—' : s(g.stopMs)} s (exit ${String(g.exit)}); last moved domain active elsewhere after ${s(g.allActiveMs)} s, all seen by the poll after ${g.allSeenMs === undefined ? '—' : s(g.allSeenMs)} s; violations: ${g.violations}.`,
    );
  }
  if (ONLY.has('leader')) {
    const l = await leaderFailover();
    log(`  gap ${s(l.gapMs)} s, duplicates ${l.duplicateRows}/${l.duplicateDeliveries}`);
    targets.push(
      `| tick-leader failover | gap ${s(l.gapMs)} s (${l.skippedDeadlines} deadlines skipped); ${l.duplicateRows} duplicate numbers in \`cluster_ticks\`, ${l.duplicateDeliveries} delivered twice | ≤ 7 s; 0 duplicates | ${verdict(l.gapMs <= 7000 && l.duplicateRows === 0 && l.duplicateDeliveries === 0)} |`,
    );
    notes.push(
      `**Tick leader**: kill -9 of ${l.victim}; ${l.newLeader} ticked next after ${s(l.gapMs)} s (\`recorded_at\` to \`recorded_at\`); ${l.ticks} ticks, ${l.offSchedule} off the origin's grid, ${l.deadlinesNotRising} with a deadline not after the previous one.`,
    );
  }
  loads.push(`after the failovers ${load()}`);
  const fanRows: string[] = [];
  for (const n of FANOUT_SIZES) {
    if (ONLY.has('fanout')) {
      const fan = await fanout(n);
      const ratio = fan.endToEnd.p99 / fan.single.p99;
      log(
        `  e2e p50 ${fmt(fan.endToEnd.p50, 2)} ms p99 ${fmt(fan.endToEnd.p99, 2)} ms; single p50 ${fmt(fan.single.p50, 2)} p99 ${fmt(fan.single.p99, 2)} ms`,
      );
      targets.push(
        `| tick fan-out, 3 nodes × ${int(fan.n)} domains | p99 ${fmt(fan.endToEnd.p99, 2)} ms (p50 ${fmt(fan.endToEnd.p50, 2)} ms) vs single node p99 ${fmt(fan.single.p99, 2)} ms: ${fmt(ratio, 1)}× | p99 ≤ ${FANOUT_P99_MS} ms; ≤ 1.5× | ${verdict(fan.endToEnd.p99 <= FANOUT_P99_MS)} (60 ms); ${verdict(ratio <= 1.5)} (1.5×) |`,
      );
      notes.push(`**Fan-out**, 3 × ${int(fan.n)}, per node: ${fan.nodes}.`);
      fanRows.push(
        `| ${int(fan.n)} | ${Object.values(fan.perNode).join(' / ')} | ${fan.ticks} | ${fmt(fan.endToEnd.p50, 2)} | ${fmt(fan.endToEnd.p99, 2)} | ${fmt(fan.transport.p50, 2)} / ${fmt(fan.transport.p99, 2)} | ${fmt(fan.nodeFanout.p50, 2)} / ${fmt(fan.nodeFanout.p99, 2)} | ${fmt(fan.single.p50, 2)} / ${fmt(fan.single.p99, 2)} (medians of the two runs ${fan.singleRuns.map((v) => fmt(v, 2)).join(', ')}) | ${fmt(fan.endToEnd.p50 / fan.single.p50, 1)}× | ${fmt(ratio, 1)}× |`,
      );
    }
    if (ONLY.has('first')) {
      const first = await firstTick(n);
      log(
        `  ${first.activatedRows}/${first.total} activated rows; last occurred_at +${first.lastOccurredMs} ms, seen +${first.seenInPgMs} ms`,
      );
      targets.push(
        `| first tick activating 3 × ${int(first.n)} waiting domains | every row ${first.activatedRows === first.total ? 'in PostgreSQL' : `**${first.activatedRows} of ${first.total}**`}: last \`occurred_at\` +${s(first.lastOccurredMs)} s, all seen by a poll +${first.seenInPgMs === undefined ? '—' : s(first.seenInPgMs)} s | ≤ 1.5 s | ${verdict(first.activatedRows === first.total && (first.seenInPgMs ?? Number.POSITIVE_INFINITY) <= 1500)} |`,
      );
      notes.push(
        `**First tick**, 3 × ${int(first.n)}: active per node ${Object.values(first.perNode).join(' / ')}; tick interval ${FIRST_TICK_INTERVAL / 1000} s, so every node holds its shards (domains waiting) before the first deadline.`,
      );
    }
  }
  loads.push(`after the ticks ${load()}`);
  const streamRows: string[] = [];
  if (ONLY.has('stream')) {
    const ev = await eventStream();
    targets.push(
      `| cluster event stream (3 nodes publishing, batches of ${BATCH}) | ${int(ev.ours.published)} events/s stored, ${int(ev.ours.delivered)} events/s read back per node; bare JetStream ${int(ev.raw.published)} / ${int(ev.raw.delivered)} (${fmt(ev.ours.published / ev.raw.published, 2)}×) | events/s (no figure) | — |`,
    );
    for (const [i, ours] of ev.oursAll.entries()) {
      streamRows.push(
        `| ${i + 1} | ${int(ours.published)} | ${int(ours.delivered)} | ${int(ev.rawAll[i]?.published ?? 0)} | ${int(ev.rawAll[i]?.delivered ?? 0)} |`,
      );
    }
  }
  loads.push(`end ${load()}`);
  const totalS = (performance.now() - began) / 1000;
  return [
    `Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}; PostgreSQL and NATS on the same machine; bench time ${fmt(totalS, 0)} s; load average (1/5/15 min) ${loads.join('; ')}.`,
    '',
    '| target | measured | target value | |',
    '| --- | --- | --- | --- |',
    ...targets,
    '',
    ...notes.flatMap((note) => [note, '']),
    '**Tick fan-out** (ms; `recorded_at` of the leader → the last of the 3 nodes idle after its local tick event):',
    '',
    '| N per node | active per node | ticks | end to end p50 | p99 | transport p50 / p99 | node fan-out p50 / p99 | single node, N, p50 / p99 | p50 ratio | p99 ratio |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...fanRows,
    '',
    `**Event stream** (events/s; ${STREAM_SECONDS} s rounds, ours and bare interleaved):`,
    '',
    '| round | ClusterBus stored | ClusterBus read back per reader | bare JetStream stored | bare read back |',
    '| ---: | ---: | ---: | ---: | ---: |',
    ...streamRows,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await run());
}
