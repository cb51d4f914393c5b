/**
 * The cluster ledger's invariants, checked in SQL after every scenario (`docs/cluster.md`,
 * "Guarantees"): no domain is ever active for two owners at once, no row was written under a
 * stale epoch, tick numbers are unique with deadlines and leader epochs that never go back.
 *
 * @example
 * assert.equal(await ledgerViolations(db), []);
 */
import type { FreshDatabase } from './cluster-services.ts';

interface Row {
  id: string;
  domain_name: string;
  event: string;
  node_id: string;
  shard: number;
  epoch: string;
  metadata: string;
}

/** Every violation found, as readable lines (empty when the ledger is sound). */
export async function ledgerViolations(db: FreshDatabase): Promise<string[]> {
  const violations: string[] = [];
  const rows = await db.query<Row>(
    'select id, domain_name, event, node_id, shard, epoch, metadata from domain_activation_history order by id',
  );
  // 1. One owner at a time: while a domain is active under (node, epoch), no other owner writes
  //    anything for it until a row ends that activation.
  const holder = new Map<string, string | undefined>();
  for (const row of rows) {
    const owner = `${row.node_id}@${row.epoch}`;
    const current = holder.get(row.domain_name);
    const endsIt = row.event === 'deactivated' || row.event === 'crashed' || row.event === 'failed';
    if (current !== undefined && current !== owner && !(endsIt && JSON.parse(row.metadata).reason === 'owner_lost')) {
      violations.push(`#${row.id} ${row.domain_name}: ${row.event} by ${owner} while active under ${current}`);
    }
    if (row.event === 'activated') holder.set(row.domain_name, owner);
    else if (endsIt) holder.set(row.domain_name, undefined);
  }
  // 2. No stale epoch: in write order, a shard's rows never go back to an older epoch.
  const newest = new Map<number, number>();
  for (const row of rows) {
    const epoch = Number(row.epoch);
    const seen = newest.get(row.shard) ?? 0;
    if (epoch < seen) violations.push(`#${row.id} ${row.domain_name}: written at epoch ${epoch} after epoch ${seen} of shard ${row.shard}`);
    newest.set(row.shard, Math.max(seen, epoch));
  }
  // 3. Ticks: one row per number (the primary key); deadlines rise with the number; leader epochs never go back.
  const ticks = await db.query<{ n: string; epoch: string; due_at: string }>('select n, epoch, due_at from cluster_ticks order by n');
  for (let i = 1; i < ticks.length; i += 1) {
    const before = ticks[i - 1] as { n: string; epoch: string; due_at: string };
    const tick = ticks[i] as { n: string; epoch: string; due_at: string };
    if (Number(tick.due_at) <= Number(before.due_at))
      violations.push(`tick ${tick.n}: deadline ${tick.due_at} not after tick ${before.n}'s`);
    if (Number(tick.epoch) < Number(before.epoch)) violations.push(`tick ${tick.n}: leader epoch ${tick.epoch} after ${before.epoch}`);
  }
  return violations;
}

/** Each domain's current row: status, node and epoch. */
export async function currentOwners(db: FreshDatabase): Promise<Map<string, { status: string; node: string; epoch: number }>> {
  const rows = await db.query<{ domain_name: string; status: string; node_id: string; epoch: string }>(
    'select domain_name, status, node_id, epoch from active_domain_registry',
  );
  return new Map(rows.map((row) => [row.domain_name, { status: row.status, node: row.node_id, epoch: Number(row.epoch) }]));
}
