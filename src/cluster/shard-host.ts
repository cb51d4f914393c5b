/**
 * The shards a node runs (`docs/cluster.md`, "Handoff"): each held shard is one `one_for_one`
 * supervisor, `shard_<n>`, holding that shard's domains in the order the domain list gives, under
 * the node's `domains` dynamic supervisor. A shard starts with its domains `waiting` (active on the
 * next tick, as at any start); a handoff stops them gracefully, their deactivation saying
 * `'handoff'` (`'shutdown'` when no node is left to take them); a fence kills them at once.
 *
 * @example
 * const host = new ShardHost({ definitions, deps, supervisor: () => domainsRef });
 * await host.start(17);          // shard_17 and its domains, waiting
 * await host.stop(17);           // deactivated with reason 'handoff'
 */

import type { DomainDefinition } from '../domain/define-domain.ts';
import { type DomainDeps, domainChildSpec } from '../domain/domain-actor.ts';
import type { DynamicSupervisorRef } from '../supervisor/dynamic-supervisor.ts';
import type { AnyActorRef } from '../supervisor/spec.ts';
import { SupervisorRef, supervisorSpec } from '../supervisor/supervisor-ref.ts';
import { SHARD_COUNT, shardOf } from './shards.ts';

/** The name of shard `n`'s supervisor. */
export const shardSupervisorName = (shard: number): string => `shard_${shard}`;

/** Every shard supervisor's name (the registry records a domain `failed` when one of them gives up). */
export function shardSupervisorNames(shards = SHARD_COUNT): string[] {
  return Array.from({ length: shards }, (_, shard) => shardSupervisorName(shard));
}

/** Options of {@link ShardHost}. */
export interface ShardHostOptions {
  definitions: readonly DomainDefinition[];
  deps: DomainDeps;
  /** This node's id, carried on its domains' events. */
  nodeId: string;
  /** The `domains` dynamic supervisor, once the tree runs. */
  supervisor(): DynamicSupervisorRef | undefined;
  /** Restart intensity of each shard supervisor. */
  restarts?: { maxRestarts?: number; maxSeconds?: number };
  shards?: number;
}

interface RunningShard {
  ref: SupervisorRef;
  /** What a clean stop tells the domains (`'handoff'`, `'shutdown'`); undefined while running. */
  stopReason: string | undefined;
  /** The lease epoch it was started under. */
  epoch: number;
}

/** The shard host. */
export class ShardHost {
  private readonly byShard = new Map<number, DomainDefinition[]>();
  private readonly running = new Map<number, RunningShard>();
  private readonly shardOfDomain = new Map<string, number>();

  constructor(private readonly options: ShardHostOptions) {
    for (const definition of options.definitions) {
      const shard = shardOf(definition.name, options.shards ?? SHARD_COUNT);
      this.shardOfDomain.set(definition.name, shard);
      const list = this.byShard.get(shard) ?? [];
      list.push(definition);
      this.byShard.set(shard, list);
    }
  }

  /** The shard of a domain (of the domain list or any other name). */
  shardOf(domain: string): number {
    return this.shardOfDomain.get(domain) ?? shardOf(domain, this.options.shards ?? SHARD_COUNT);
  }

  /** The names of a shard's domains, in start order. */
  domainsOf(shard: number): string[] {
    return (this.byShard.get(shard) ?? []).map((definition) => definition.name);
  }

  /** Every domain of the list. */
  allDomains(): string[] {
    return this.options.definitions.map((definition) => definition.name);
  }

  /** Shards running here, sorted. */
  runningShards(): number[] {
    return [...this.running.keys()].sort((a, b) => a - b);
  }

  /**
   * Starts a shard's supervisor with its domains at lease `epoch` (nothing for a shard without
   * domains). `valid` is asked once the start is done: a lease lost meanwhile (a fence while the
   * supervisor started, which could not kill what was not running yet) kills the shard at once.
   * A shard still running under an older epoch is a stale incarnation: it is killed first.
   * Answers whether the shard runs now.
   */
  async start(shard: number, epoch: number, valid: () => boolean = () => true): Promise<boolean> {
    const definitions = this.byShard.get(shard);
    const supervisor = this.options.supervisor();
    if (!definitions || !supervisor) return false;
    const before = this.running.get(shard);
    if (before?.epoch === epoch) return true;
    if (before) this.kill([shard], 'fenced');
    const entry: { stopReason: string | undefined; epoch: number } = { stopReason: undefined, epoch };
    const deps: DomainDeps = {
      ...this.options.deps,
      stopReason: () => entry.stopReason,
      placement: { node: this.options.nodeId, shard, epoch },
    };
    const ref = await supervisor.startChild({
      ...supervisorSpec(shardSupervisorName(shard), {
        strategy: 'one_for_one',
        ...this.options.restarts,
        children: definitions.map((definition) => domainChildSpec(definition, deps)),
      }),
      // Not restarted by `domains`: a shard whose domains gave up stays down until it moves.
      restart: 'temporary',
    });
    if (!(ref instanceof SupervisorRef)) return false;
    this.running.set(shard, Object.assign(entry, { ref }));
    if (valid()) return true;
    this.kill([shard], 'fenced');
    return false;
  }

  /** Stops a shard: its domains stop gracefully, in reverse order, their deactivation saying `reason`. */
  async stop(shard: number, reason: 'handoff' | 'shutdown' = 'handoff'): Promise<void> {
    const entry = this.running.get(shard);
    if (!entry) return;
    entry.stopReason = reason;
    this.running.delete(shard);
    const supervisor = this.options.supervisor();
    try {
      if (!supervisor) throw new Error('the domains supervisor is not running');
      await supervisor.terminateChild(entry.ref as never);
    } catch {
      // Whatever kept the graceful stop from happening, the shard's domains must not outlive the
      // lease the caller is about to release.
      entry.ref.kill('killed');
    }
  }

  /** Kills shards' domains at once (their leases can no longer be trusted). */
  kill(shards: readonly number[], reason: string): void {
    for (const shard of shards) {
      const entry = this.running.get(shard);
      if (!entry) continue;
      this.running.delete(shard);
      entry.ref.kill(reason);
    }
  }

  /** True while the domain's shard runs on this node (O(1): no search of the tree). */
  runsHere(domain: string): boolean {
    const shard = this.shardOfDomain.get(domain);
    return shard !== undefined && this.running.has(shard);
  }

  /** A running domain's actor on this node. */
  find(domain: string): AnyActorRef | undefined {
    const entry = this.running.get(this.shardOf(domain));
    return entry?.ref.whichChildren().find((child) => child.id === domain)?.ref;
  }
}
