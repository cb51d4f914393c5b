/**
 * Where a domain runs in cluster mode (`docs/cluster.md`, "Ownership"): a domain hashes to one of
 * a fixed number of shards, and each shard goes to the live node with the highest rendezvous
 * score. Every node computes the same map from the same member list, with no coordinator; a node
 * that joins takes about 1/(N+1) of the shards, and a node that leaves gives up only its own.
 *
 * @example
 * shardOf('billing');                                  // 0..255, the same on every node
 * ownerOf(17, ['node-a', 'node-b', 'node-c']);         // 'node-b' (say), the same on every node
 * assignShards(['node-a', 'node-b']).get('node-a');    // the shards node-a should hold
 */

/** Shards per cluster: fixed, so a domain's shard never changes. */
export const SHARD_COUNT = 256;

/** FNV-1a, 32 bits, over the UTF-16 code units of `text`. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A 32-bit finaliser (murmur3's): spreads the bits of FNV's output, which are weak for short keys. */
function mix(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The shard a domain belongs to. */
export function shardOf(domain: string, shards = SHARD_COUNT): number {
  return mix(fnv1a(domain)) % shards;
}

/** The rendezvous score of `node` for `shard`; the highest score owns the shard. */
export function score(shard: number, node: string): number {
  return mix(fnv1a(node) ^ Math.imul(shard + 1, 0x9e3779b1));
}

/** The owner of `shard` among `members` (ties go to the smaller node id); undefined when none. */
export function ownerOf(shard: number, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const node of members) {
    const s = score(shard, node);
    if (s > bestScore || (s === bestScore && best !== undefined && node < best)) {
      best = node;
      bestScore = s;
    }
  }
  return best;
}

/**
 * Every member's shards: a map from node id to the sorted shards it should hold. Rendezvous with
 * bounded load: each shard goes to the highest-scoring member that still has room, where room is
 * `floor(shards / members)`, then one more for the remainder. Plain rendezvous leaves a node up
 * to ~25 % off its share at 256 shards; the bound keeps every node within one shard of it, and a change of membership still
 * moves few shards (`test/cluster/shards.test.ts` measures both).
 */
export function assignShards(members: readonly string[], shards = SHARD_COUNT): Map<string, number[]> {
  const nodes = [...new Set(members)].sort();
  const map = new Map<string, number[]>(nodes.map((node) => [node, []]));
  if (nodes.length === 0) return map;
  // Highest scores first across every (shard, node) pair: a shard goes to its best node unless
  // that node filled up with shards that rank it higher still, so few shards cascade on a change.
  // Room is floor(shards / nodes) in the first pass; the remainder goes, one each, in a second.
  const pairs: Array<{ shard: number; node: string; s: number }> = [];
  for (let shard = 0; shard < shards; shard += 1) for (const node of nodes) pairs.push({ shard, node, s: score(shard, node) });
  pairs.sort((x, y) => y.s - x.s || x.shard - y.shard || (x.node < y.node ? -1 : 1));
  const taken = new Array<boolean>(shards).fill(false);
  const fill = (room: number): void => {
    for (const { shard, node } of pairs) {
      const held = map.get(node) as number[];
      if (taken[shard] || held.length >= room) continue;
      taken[shard] = true;
      held.push(shard);
    }
  };
  fill(Math.floor(shards / nodes.length));
  fill(Math.ceil(shards / nodes.length));
  for (const held of map.values()) held.sort((x, y) => x - y);
  return map;
}

/** The owner of each shard under {@link assignShards}: index = shard. */
export function ownersOf(members: readonly string[], shards = SHARD_COUNT): Array<string | undefined> {
  const owners = new Array<string | undefined>(shards).fill(undefined);
  for (const [node, held] of assignShards(members, shards)) for (const shard of held) owners[shard] = node;
  return owners;
}
