/**
 * Real `thunderline start` node processes for the cluster tests, and waits on the ledger.
 * Real time passes in these tests (leases expire by PostgreSQL's clock), so every wait is for a
 * condition, bounded by a guard; no wait decides a pass.
 *
 * @example
 * const cluster = new TestCluster(db);
 * await cluster.start('n1');
 * await cluster.placedOn(['n1']);
 * await cluster.close();
 */
import { ownersOf, shardOf } from '../../src/cluster/shards.ts';
import { THUNDERLINE_DOMAINS } from '../../supervisors/thunderline.ts';
import { startCli } from '../src/cli/helpers.ts';
import { currentOwners } from './cluster-invariants.ts';
import { type FreshDatabase, TEST_NATS } from './cluster-services.ts';

/** A node process. */
export type NodeProcess = ReturnType<typeof startCli>;

/** The lease TTL the cluster tests run with: fast failover, and a fence margin (a third of it) above the event-loop stalls of a loaded 2-core machine. */
export const TEST_LEASE_TTL = 3000;

/** Polls `probe` until `ready` holds; the guard of `ms` bounds a hang and names what was awaited. */
export async function until<T>(what: string, probe: () => Promise<T>, ready: (value: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T = await probe();
  while (!ready(last)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}; last: ${JSON.stringify(last, replacer)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    last = await probe();
  }
  return last;
}

function replacer(_key: string, value: unknown): unknown {
  return value instanceof Map ? Object.fromEntries(value) : value;
}

/** Node processes on one cluster database. */
export class TestCluster {
  readonly nodes = new Map<string, NodeProcess>();

  constructor(readonly db: FreshDatabase) {}

  /**
   * Starts node `id` (its own PostgreSQL/NATS URLs if given) and waits until it has joined.
   * `leaseTtl` defaults to {@link TEST_LEASE_TTL}; a test that needs no failover passes a long one,
   * so that a loaded machine never makes the node fence itself.
   */
  async start(id: string, urls: { postgres?: string; nats?: string } = {}, leaseTtl = TEST_LEASE_TTL): Promise<NodeProcess> {
    const node = startCli(
      [
        'start',
        '--postgres',
        urls.postgres ?? this.db.url,
        '--nats',
        urls.nats ?? TEST_NATS,
        '--node-id',
        id,
        '--tick-interval',
        '100',
        '--lease-ttl',
        String(leaseTtl),
        '--port',
        '0',
      ],
      { timeoutMs: 180_000 },
    );
    this.nodes.set(id, node);
    await node.waitFor(new RegExp(`node ${id}: member of`));
    return node;
  }

  /** The node's dashboard URL, from its `viewer:` line. */
  async viewer(id: string): Promise<string> {
    const match = /viewer: (http:\/\/\S+)/.exec(await (this.nodes.get(id) as NodeProcess).output());
    if (!match?.[1]) throw new Error(`node ${id} printed no viewer line`);
    return match[1];
  }

  /** Stops a node: `SIGKILL` (and forgets it) or `SIGTERM` (waits for its exit). */
  async stop(id: string, signal: 'SIGKILL' | 'SIGTERM') {
    const node = this.nodes.get(id) as NodeProcess;
    node.child.kill(signal);
    const exit = await node.result;
    this.nodes.delete(id);
    return exit;
  }

  /** Every domain active on the node the shard map of `members` gives it. */
  async placedOn(members: string[], ms = 30_000) {
    const owners = ownersOf(members);
    try {
      return await until(
        `every domain active on its owner among ${members.join(', ')}`,
        () => currentOwners(this.db),
        (current) =>
          THUNDERLINE_DOMAINS.every(
            (domain) => current.get(domain)?.status === 'active' && current.get(domain)?.node === owners[shardOf(domain)],
          ),
        ms,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${await this.notes()}`);
    }
  }

  /** What the nodes said about leases and failures (for a failure's message). */
  async notes(): Promise<string> {
    const notes: string[] = [];
    for (const [id, node] of this.nodes) {
      const lines = (await node.output())
        .split('\n')
        .filter((line) => /fenced|lease_storage|operation_failed|member_|leader|shard_acquired|shard_released/.test(line));
      notes.push(`${id}: ${lines.slice(-20).join(' | ')}`);
    }
    return notes.join('\n');
  }

  /** Kills every node left. */
  async close(): Promise<void> {
    for (const node of this.nodes.values()) node.child.kill('SIGKILL');
    await Promise.all([...this.nodes.values()].map((node) => node.result));
    this.nodes.clear();
  }
}

/** The domains the shard map of `members` gives `node`. */
export function domainsOf(node: string, members: string[]): string[] {
  const owners = ownersOf(members);
  return THUNDERLINE_DOMAINS.filter((domain) => owners[shardOf(domain)] === node);
}
