import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assignShards, ownersOf, SHARD_COUNT, shardOf } from '../../src/cluster/shards.ts';

const test = suite('cluster shards (rendezvous with bounded load)');

const nodes = (n: number, salt: string): string[] => Array.from({ length: n }, (_, i) => `node-${salt}-${i}`);
const moved = (a: Array<string | undefined>, b: Array<string | undefined>): number => a.filter((owner, shard) => owner !== b[shard]).length;

test('a domain always hashes to the same shard, within range', () => {
  for (const name of ['billing', 'thunderbolt', 'x', '']) {
    const shard = shardOf(name);
    assert.ok(shard >= 0 && shard < SHARD_COUNT, `${name}: ${shard}`);
    assert.is(shardOf(name), shard);
  }
  // Names spread: 10,000 names fill every shard.
  const used = new Set(Array.from({ length: 10_000 }, (_, i) => shardOf(`domain-${i}`)));
  assert.is(used.size, SHARD_COUNT);
});

test('every node computes the same map, whatever order it lists the members in', () => {
  const members = nodes(5, 'order');
  assert.equal(ownersOf(members), ownersOf([...members].reverse()));
});

test('every member holds its share within ±10 % (bounded load), for 2 to 12 members', () => {
  for (let n = 2; n <= 12; n += 1) {
    for (const salt of ['a', 'b', 'c']) {
      const map = assignShards(nodes(n, salt));
      const share = SHARD_COUNT / n;
      let total = 0;
      for (const [node, shards] of map) {
        total += shards.length;
        assert.ok(
          Math.abs(shards.length - share) <= Math.max(1, share * 0.1),
          `${n} members: ${node} holds ${shards.length}, share ${share}`,
        );
      }
      assert.is(total, SHARD_COUNT, 'every shard has one owner');
    }
  }
});

test('a join moves about 1/(N+1) of the shards and a leave about 1/N (at most 8 points over)', () => {
  for (let n = 2; n <= 8; n += 1) {
    for (const salt of ['a', 'b', 'c', 'd']) {
      const members = nodes(n, salt);
      const before = ownersOf(members);
      const joined = ownersOf([...members, `joiner-${salt}`]);
      const left = ownersOf(members.slice(1));
      assert.ok(moved(before, joined) / SHARD_COUNT <= 1 / (n + 1) + 0.08, `${n} + 1: moved ${moved(before, joined)}`);
      assert.ok(moved(before, left) / SHARD_COUNT <= 1 / n + 0.08, `${n} - 1: moved ${moved(before, left)}`);
      // Only the leaver's shards must move to keep a shard owned; a shard that stays put keeps its owner.
      const leaverShards = before.filter((owner) => owner === members[0]).length;
      assert.ok(moved(before, left) >= leaverShards);
    }
  }
});

test('no members: no owners', () => {
  assert.equal(assignShards([]).size, 0);
  assert.ok(ownersOf([]).every((owner) => owner === undefined));
});

test.run();
