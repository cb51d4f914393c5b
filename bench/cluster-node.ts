/**
 * One node process for `bench/cluster.bench.ts`: an embedding of `startRuntime` with `D` plain
 * domains (`d0` … `d<D-1>`, the same list on every node), in cluster mode (PostgreSQL + NATS) or
 * as a single-node runtime on SQLite `:memory:` (the baseline). It is a real process of its own,
 * so the bench can `kill -9` it.
 *
 * It prints JSON lines on stdout:
 * - `{"ready":"<node>","at":<wall ms>}` once `startRuntime` has resolved (joined, first cycle run);
 * - `{"tick":n,"emitWall":<Date.now() at the local tick event>,"fanoutMs":<ms>,"lateMs":<ms>}` per
 *   tick this process emits: `emitWall` is taken in the `system:domain_tick` listener (the local
 *   generator's emission, before the tick bus offers it to the domains), `fanoutMs` is
 *   `performance.now()` from there until `runtime.system.idle` holds when looked at from a
 *   `setImmediate` (no actor has a message waiting or a handler running: every domain has handled
 *   the tick and the registry has flushed; `src/actor/actor-system.ts`, `idle`);
 * - `{"stopped":<wall ms>,"tookMs":<ms>}` after a SIGTERM, once `runtime.stop()` has resolved.
 *
 * @example
 * node --import tsx bench/cluster-node.ts --mode cluster --domains 3000 --node-id n1 \
 *   --postgres postgres://postgres@127.0.0.1:5432/x --nats nats://127.0.0.1:4222
 * node --import tsx bench/cluster-node.ts --mode single --domains 1000
 */
import { parseArgs } from 'node:util';
import { defineDomain, startRuntime } from '../index.ts';
import type { TickEvent } from '../src/events.ts';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'cluster' },
    domains: { type: 'string', default: '1000' },
    'node-id': { type: 'string', default: 'n1' },
    postgres: { type: 'string' },
    nats: { type: 'string' },
    'tick-interval': { type: 'string', default: '1000' },
    'lease-ttl': { type: 'string' },
    'activation-timeout': { type: 'string', default: '30000' },
    /** Print this node's own membership, lease and storage events to stderr (for diagnosis). */
    'log-cluster': { type: 'boolean', default: false },
  },
});

const out = (line: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(line)}\n`);
const count = Number(values.domains);
const nodeId = values['node-id'] as string;
const domains = Array.from({ length: count }, (_, index) => defineDomain({ name: `d${index}` }));

const runtime = await startRuntime({
  domains,
  tickInterval: Number(values['tick-interval']),
  activationTimeout: Number(values['activation-timeout']),
  database: ':memory:',
  ...(values.mode === 'cluster'
    ? {
        cluster: {
          postgres: values.postgres as string,
          nats: values.nats as string,
          nodeId,
          ...(values['lease-ttl'] ? { leaseTtlMs: Number(values['lease-ttl']) } : {}),
        },
      }
    : {}),
});

runtime.subscribe('system:domain_tick', (event) => {
  const tick = event as TickEvent;
  const emitWall = Date.now();
  const emitHr = performance.now();
  const look = (): void => {
    if (runtime.system.idle) out({ tick: tick.tick, emitWall, fanoutMs: performance.now() - emitHr, lateMs: tick.lateMs });
    else setImmediate(look);
  };
  setImmediate(look);
});

if (values['log-cluster']) {
  const own = new Set(['member_dead', 'shard_fenced', 'lease_storage_failed', 'leader_changed', 'tick_gap']);
  runtime.subscribe('*', (event) => {
    if (own.has(event.type) && (event as { node?: string }).node === nodeId) process.stderr.write(`${JSON.stringify(event)}\n`);
  });
}

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  const began = performance.now();
  void runtime.stop('SIGTERM').then(
    () => {
      out({ stopped: Date.now(), tookMs: performance.now() - began });
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`stop failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

out({ ready: nodeId, at: Date.now() });
