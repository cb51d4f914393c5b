/**
 * A cluster node (`docs/cluster.md`): what `startRuntime({ cluster })` adds to a runtime. It
 * opens the ledger (PostgreSQL) and the bus (NATS JetStream), joins the members table, and runs
 * the coordinator, whose hooks start and stop shards on this node's `domains` dynamic supervisor;
 * the tick leader, while this node holds the `tick` lease; and the tick relay, which hands each
 * cluster tick to the local tick generator once, in order, only while this node's leases are
 * trusted.
 *
 * @example
 * const node = await ClusterNode.open({ postgres, nats, nodeId: 'node-a' }, { intervalMs: 1000, clock, runId });
 * node.attach({ host, store, system, deliverTick, flushRegistry });
 * await node.start();       // joins; first cycle takes this node's shards
 * await node.leave();       // hands every shard off, leaves
 * await node.close();
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { ActorSystem } from '../actor/actor-system.ts';
import type { Clock } from '../clock.ts';
import { ThunderlineError } from '../errors.ts';
import type { ClusterEvent, ClusterEventType, ThunderlineEvent } from '../events.ts';
import { topicOf } from '../events.ts';
import type { PubSub } from '../pubsub/index.ts';
import { ClusterBus, type NodeCommand } from './bus.ts';
import type { ClusterRegistry } from './cluster-registry.ts';
import type { ClusterStore } from './cluster-store.ts';
import { type AcquiredShard, Coordinator } from './coordinator.ts';
import { EventRelay } from './event-relay.ts';
import { type ClusterView, type FencedChange, PgLedger } from './ledger.ts';
import type { ShardHost } from './shard-host.ts';
import { TickLeader } from './tick-leader.ts';

/** `startRuntime`'s `cluster` option. */
export interface ClusterOptions {
  /** PostgreSQL URL of the cluster ledger, e.g. `postgres://127.0.0.1:5432/thunderline`. */
  postgres: string;
  /** NATS URL (JetStream enabled), e.g. `nats://127.0.0.1:4222`. */
  nats: string;
  /** This node's id; default `<hostname>-<pid>-<random>`. Letters, digits, `.`, `_`, `-`; at most 64. */
  nodeId?: string;
  /** Lease time to live, ms; default 6000. */
  leaseTtlMs?: number;
  /** Renew interval, ms; default leaseTtlMs / 3. */
  renewIntervalMs?: number;
  /** A member without a heartbeat this long is dead, ms; default 5/6 of leaseTtlMs (5000). */
  memberTtlMs?: number;
  /** Fence this long before a lease could expire, ms; default leaseTtlMs / 3 (2000). */
  fenceMarginMs?: number;
}

const NODE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Checks the `cluster` option; throws `ERR_INVALID_OPTION` naming the value. */
export function validateClusterOptions(cluster: unknown): ClusterOptions {
  const fail = (rule: string, got: unknown): never => {
    throw new ThunderlineError('ERR_INVALID_OPTION', `cluster${rule}, got ${JSON.stringify(got) ?? String(got)}`);
  };
  if (typeof cluster !== 'object' || cluster === null) fail(' must be { postgres, nats, nodeId? }', cluster);
  const options = cluster as Record<string, unknown>;
  const allowed = ['postgres', 'nats', 'nodeId', 'leaseTtlMs', 'renewIntervalMs', 'memberTtlMs', 'fenceMarginMs'];
  for (const key of Object.keys(options))
    if (!allowed.includes(key)) fail(`: unknown option "${key}"; allowed: ${allowed.join(', ')}`, key);
  const url = (key: 'postgres' | 'nats', protocols: string[]): string => {
    const value = options[key];
    let parsed: URL | undefined;
    try {
      parsed = typeof value === 'string' ? new URL(value) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!parsed || !protocols.includes(parsed.protocol))
      fail(`.${key} must be a ${protocols.map((p) => `${p}//…`).join(' or ')} URL`, value);
    return value as string;
  };
  const result: ClusterOptions = { postgres: url('postgres', ['postgres:', 'postgresql:']), nats: url('nats', ['nats:']) };
  if (options.nodeId !== undefined) {
    if (typeof options.nodeId !== 'string' || !NODE_ID.test(options.nodeId)) {
      fail('.nodeId must be 1 to 64 letters, digits, ".", "_" or "-"', options.nodeId);
    }
    result.nodeId = options.nodeId as string;
  }
  for (const key of ['leaseTtlMs', 'renewIntervalMs', 'memberTtlMs', 'fenceMarginMs'] as const) {
    const value = options[key];
    if (value === undefined) continue;
    if (!(Number.isInteger(value) && (value as number) >= 1)) fail(`.${key} must be an integer number of ms >= 1`, value);
    result[key] = value as number;
  }
  const ttl = result.leaseTtlMs ?? 6000;
  const margin = result.fenceMarginMs ?? Math.floor(ttl / 3);
  if (margin >= ttl) fail('.fenceMarginMs must be below leaseTtlMs', result.fenceMarginMs);
  if ((result.renewIntervalMs ?? Math.floor(ttl / 3)) >= ttl - margin) {
    fail(
      '.renewIntervalMs must be below leaseTtlMs - fenceMarginMs (else the node fences itself between renewals)',
      result.renewIntervalMs,
    );
  }
  return result;
}

/** A default node id: host, pid and a random suffix. */
export function defaultNodeId(): string {
  const host = os
    .hostname()
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 40);
  return `${host}-${process.pid}-${randomUUID().slice(0, 6)}`;
}

/** What the node needs from the runtime it runs in. */
export interface NodeAttachment {
  system: ActorSystem;
  host: ShardHost;
  store: ClusterStore;
  runId: string;
  /** The cluster-wide registry the event stream keeps up to date. */
  registry: ClusterRegistry;
  /** Where every node's events go, in the stream's order (the dashboard's stream serves it). */
  feed: PubSub<ThunderlineEvent>;
  /** Hands a cluster tick to the local tick generator. */
  deliverTick(tick: number, lateMs: number): void;
  /** The registry's pending changes, into the store's queue. */
  flushRegistry(): Promise<void>;
  /** This node's dashboard address, if it serves one. */
  httpUrl(): string | null;
}

/** Health of a node, for `/health`. */
export interface ClusterHealth {
  node: string;
  /** the leases are trusted (renewed recently enough) */
  leaseStorage: 'ok' | 'failing';
  /** connected to NATS */
  messagePlane: 'ok' | 'down';
  member: boolean;
  leader: string | null;
  members: string[];
  shards: number[];
  /** ms since the last cluster tick reached this node (null before the first) */
  lastTickAgeMs: number | null;
  /** `starved` when no tick has reached this node for three intervals (cut from NATS, no leader) */
  ticks: 'ok' | 'starved';
}

/** The cluster as this node last read it from PostgreSQL (`GET /api/cluster`). */
export interface ClusterSnapshot extends ClusterHealth {
  /** members whose heartbeat is live and who are leaving (handing their shards off) */
  leaving: string[];
  /** every lease: `tick` and `shard:<n>`, with its holder, epoch and ms left (negative: expired) */
  leases: Array<{ name: string; owner: string; epoch: number; valid: boolean; expiresInMs: number }>;
  /** how many shards each live member holds */
  shardsByNode: Record<string, number>;
  /** every member row: its dashboard URL, status (`up`, `leaving`) and heartbeat age, ms */
  memberDetails: Array<{ nodeId: string; status: string; httpUrl: string | null; heartbeatAgeMs: number }>;
  /** ms since that read (a read every renew interval) */
  viewAgeMs: number | null;
}

/** A running node. */
export class ClusterNode {
  readonly nodeId: string;
  coordinator!: Coordinator;
  private leader!: TickLeader;
  private attachment!: NodeAttachment;
  private stopRelay: (() => void) | undefined;
  private stopFeed: (() => void) | undefined;
  private relay!: EventRelay;
  private lastDelivered = 0;
  private lastTickAt: number | undefined;
  private knownMembers = new Set<string>();
  private startedAt = 0;
  private readonly acquiredNow: AcquiredShard[] = [];
  private readonly releasedNow: number[] = [];
  private viewAt: number | undefined;
  private leaderNode: string | null = null;

  private constructor(
    readonly ledger: PgLedger,
    readonly bus: ClusterBus,
    readonly clusterId: string,
    readonly originMs: number,
    readonly intervalMs: number,
    private readonly options: ClusterOptions & { nodeId: string },
    private readonly clock: Clock,
  ) {
    this.nodeId = options.nodeId;
  }

  /** Opens the ledger (migrating it) and the bus; fixes or checks the cluster's tick schedule. */
  static async open(options: ClusterOptions, context: { intervalMs: number; clock: Clock }): Promise<ClusterNode> {
    const full = { ...options, nodeId: options.nodeId ?? defaultNodeId() };
    const ledger = await PgLedger.open(options.postgres, { nodeId: full.nodeId });
    try {
      const clock = await ledger.clock(context.intervalMs, context.clock.wallNow(), randomUUID());
      const bus = await ClusterBus.connect(options.nats, { nodeId: full.nodeId, clusterId: clock.clusterId });
      return new ClusterNode(ledger, bus, clock.clusterId, clock.originMs, clock.intervalMs, full, context.clock);
    } catch (error) {
      await ledger.close();
      throw error;
    }
  }

  /** Wires the node to its runtime (before {@link start}). */
  attach(attachment: NodeAttachment): void {
    this.attachment = attachment;
    const { host, store, system } = attachment;
    this.relay = new EventRelay({
      bus: this.bus,
      pubsub: system.pubsub,
      nodeId: this.nodeId,
      placement: { shardOf: (domain) => host.shardOf(domain), epochOf: (shard) => this.coordinator?.owns(shard) },
      onError: (error) => this.storageFailed(error),
    });
    this.leader = new TickLeader({
      ledger: this.ledger,
      bus: this.bus,
      clock: this.clock,
      nodeId: this.nodeId,
      originMs: this.originMs,
      intervalMs: this.intervalMs,
      leaseEpoch: () => this.coordinator.tickLeaseEpoch(),
      onGap: (missed) => this.publish('tick_gap', { missedTicks: missed }),
      // The cluster's tick goes into the event stream once, from its leader.
      onTick: (tick) =>
        this.relay.send({
          type: 'tick',
          tick: tick.tick,
          at: tick.dueAt - this.originMs,
          time: new Date(tick.dueAt + tick.lateMs).toISOString(),
          activeDomains: attachment.registry.activeCount(),
          lateMs: tick.lateMs,
        }),
      onError: (error) => this.publish('lease_storage_failed', { reason: describe(error) }),
    });
    this.coordinator = new Coordinator({
      nodeId: this.nodeId,
      store: this.ledger,
      clock: this.clock,
      ...pick(this.options, ['leaseTtlMs', 'renewIntervalMs', 'memberTtlMs', 'fenceMarginMs']),
      hooks: {
        acquired: async (shards) => {
          await this.adoptOrphans(shards);
          const failed: number[] = [];
          for (const entry of shards) {
            // Each start is checked against the lease before and after: a fence mid-batch stops
            // the rest of the batch, and kills a shard that finished starting after it.
            const held = () => this.coordinator.owns(entry.shard) === entry.epoch;
            if (!held()) continue;
            try {
              if (await host.start(entry.shard, entry.epoch, held)) this.acquiredNow.push(entry);
            } catch (error) {
              this.publish('lease_storage_failed', { reason: `shard ${entry.shard} did not start: ${describe(error)}` });
              failed.push(entry.shard);
            }
          }
          // Their `waiting` rows go to the ledger now, not at the next tick.
          await attachment.flushRegistry();
          this.reportShards();
          return failed;
        },
        handoff: async (leases) => {
          // The last node stopping hands off to no one: its domains stop with 'shutdown'.
          const others = (this.coordinator.view()?.members ?? []).some((member) => member !== this.nodeId);
          const shards = leases.map((lease) => Number(lease.name.slice('shard:'.length)));
          await Promise.all(shards.map((shard) => host.stop(shard, others ? 'handoff' : 'shutdown')));
          await attachment.flushRegistry();
          await store.drain();
          // Their domains' last events are stored by JetStream before the leases go: the new
          // owner's events come after them in the stream.
          await this.relay.flush();
          this.releasedNow.push(...shards);
          this.reportShards();
        },
        fenced: (shards, why) => {
          host.kill(shards, 'fenced');
          this.publish('shard_fenced', { shards: [...shards], reason: why });
        },
        tickLease: (epoch) => {
          if (epoch === undefined) this.leader.stop();
          else {
            void this.leader.lead(epoch);
            this.publish('leader_changed', { epochs: [epoch] });
          }
        },
        changed: (view) => {
          this.viewAt = this.clock.now();
          this.membershipChanged(view);
        },
        failed: (error) => this.publish('lease_storage_failed', { reason: describe(error) }),
      },
    });
  }

  /** Joins the members table, follows ticks and peers' nudges, and runs the first cycle. */
  async start(): Promise<void> {
    this.startedAt = this.clock.now();
    await this.ledger.join({ runId: this.attachment.runId, httpUrl: this.attachment.httpUrl() });
    this.stopRelay = await this.bus.onTicks((tick) => {
      // Each tick number once, in order; never while this node's leases are not trusted (a node
      // whose loop stalled past its fence must not act on the tick that woke it).
      if (tick.tick <= this.lastDelivered || !this.coordinator.trusted()) return;
      this.lastDelivered = tick.tick;
      this.lastTickAt = this.clock.now();
      if (tick.node !== this.leaderNode) this.leaderNode = tick.node;
      this.attachment.deliverTick(tick.tick, tick.lateMs);
    });
    const { registry, feed } = this.attachment;
    this.stopFeed = await this.bus.onEvents(1, (_seq, events) => {
      for (const event of events as ThunderlineEvent[]) {
        registry.apply(event);
        feed.publish(topicOf(event), event);
      }
    });
    this.bus.onChange(() => void this.coordinator.poke());
    this.bus.serveCommands((command) => this.command(command));
    await this.coordinator.start();
    this.bus.announceChange();
  }

  /** Hands every shard off and leaves the members table (graceful stop). */
  async leave(): Promise<void> {
    this.leader?.stop();
    if (!this.coordinator) return;
    await this.coordinator.leave();
    this.reportShards();
    this.bus.announceChange();
  }

  /** Closes the bus and the ledger. */
  async close(): Promise<void> {
    this.coordinator?.halt();
    this.leader?.stop();
    this.stopRelay?.();
    await this.relay?.close();
    this.stopFeed?.();
    await this.bus.close();
    await this.ledger.close();
  }

  /** The members and the lease table, as last read (for the dashboard's cluster view). */
  snapshot(): ClusterSnapshot {
    const view = this.coordinator.view();
    const age = this.viewAt === undefined ? null : this.clock.now() - this.viewAt;
    const shardsByNode: Record<string, number> = {};
    for (const lease of view?.leases ?? []) {
      if (lease.valid && lease.name.startsWith('shard:')) shardsByNode[lease.owner] = (shardsByNode[lease.owner] ?? 0) + 1;
    }
    return {
      ...this.health(),
      leaving: view?.leaving ?? [],
      leases: (view?.leases ?? []).map((lease) => ({ ...lease, expiresInMs: Math.round(lease.expiresInMs - (age ?? 0)) })),
      shardsByNode,
      memberDetails: (view?.details ?? []).map((detail) => ({ ...detail, heartbeatAgeMs: detail.heartbeatAgeMs + (age ?? 0) })),
      viewAgeMs: age,
    };
  }

  /** The ledger could not be written (reported as `lease_storage_failed`; the writes are retried). */
  storageFailed(error: unknown): void {
    if (this.attachment) this.publish('lease_storage_failed', { reason: describe(error) });
  }

  /** The node's health, for `/health`. */
  health(): ClusterHealth {
    const view = this.coordinator.view();
    const tick = view?.leases.find((lease) => lease.name === 'tick' && lease.valid);
    return {
      node: this.nodeId,
      leaseStorage: this.coordinator.trusted() ? 'ok' : 'failing',
      messagePlane: this.bus.connected() ? 'ok' : 'down',
      member: view?.members.includes(this.nodeId) ?? false,
      leader: tick?.owner ?? null,
      members: view?.members ?? [],
      shards: this.coordinator.heldShards(),
      lastTickAgeMs: this.lastTickAt === undefined ? null : this.clock.now() - this.lastTickAt,
      ticks: this.clock.now() - (this.lastTickAt ?? this.startedAt) > 3 * this.intervalMs ? 'starved' : 'ok',
    };
  }

  /**
   * Kills a domain on whichever node runs it: the node its latest event came from (the registry
   * replica), else the holder of its shard's lease as last read; here if that is this node.
   */
  async killAnywhere(domain: string, reason: string): Promise<string> {
    if (this.attachment.host.find(domain)) return this.command({ type: 'kill', domain, reason });
    const shard = this.attachment.host.shardOf(domain);
    const byEvents = this.attachment.registry.domainStatus(domain)?.node;
    const byLease = this.coordinator.view()?.leases.find((l) => l.name === `shard:${shard}` && l.valid)?.owner;
    const candidates = [...new Set([byEvents, byLease])].filter((node): node is string => node !== undefined && node !== this.nodeId);
    let failure: unknown;
    for (const node of candidates) {
      try {
        return await this.bus.command(node, { type: 'kill', domain, reason });
      } catch (error) {
        failure = error;
      }
    }
    throw new ThunderlineError(
      'ERR_UNKNOWN_DOMAIN',
      `kill: domain "${domain}" (shard ${shard}) runs on no node now${failure ? ` (${describe(failure)})` : ''}`,
    );
  }

  private async command(command: NodeCommand): Promise<string> {
    if (command.type === 'kill') {
      const ref = this.attachment.host.find(command.domain);
      if (!ref) throw new ThunderlineError('ERR_UNKNOWN_DOMAIN', `kill: no domain "${command.domain}" runs on node ${this.nodeId}`);
      ref.kill(command.reason);
      return this.nodeId;
    }
    throw new ThunderlineError('ERR_INVALID_OPTION', `unknown node command ${JSON.stringify(command)}`);
  }

  /**
   * Before a shard's domains start here: a domain whose current row another node left live lost
   * its owner without a handoff; it gets a `deactivated` row (reason `owner_lost`), written under
   * this node's new lease, so every status change is still one history row.
   */
  private async adoptOrphans(shards: readonly AcquiredShard[]): Promise<void> {
    const { host } = this.attachment;
    const epochOf = new Map(shards.map((entry) => [entry.shard, entry.epoch]));
    const live = await this.ledger.liveRows(shards.flatMap((entry) => host.domainsOf(entry.shard)));
    const now = this.clock.wallNow();
    const rows: FencedChange[] = [];
    for (const row of live) {
      const shard = host.shardOf(row.domain);
      const epoch = epochOf.get(shard) as number;
      // Left live under an older epoch — by another node, or by this one before it was fenced.
      if (row.epoch !== null && row.epoch >= epoch) continue;
      rows.push({
        runId: this.attachment.runId,
        domain: row.domain,
        event: 'deactivated',
        status: 'inactive',
        tick: row.tick,
        occurredAt: now,
        metadata: { reason: 'owner_lost', node: row.nodeId, epoch: row.epoch },
        shard,
        epoch,
      });
    }
    if (rows.length > 0) await this.ledger.writeFenced(rows);
  }

  /** One `shard_released` and one `shard_acquired` per batch of work, for every shard that moved in it. */
  private reportShards(): void {
    if (this.releasedNow.length > 0) this.publish('shard_released', { shards: this.releasedNow.splice(0), reason: 'handoff' });
    if (this.acquiredNow.length === 0) return;
    const acquired = this.acquiredNow.splice(0);
    const from = [...new Set(acquired.map((entry) => entry.previous).filter((node): node is string => node !== null))];
    this.publish('shard_acquired', {
      shards: acquired.map((entry) => entry.shard),
      epochs: acquired.map((entry) => entry.epoch),
      ...(from.length > 0 ? { reason: `from ${from.join(', ')}` } : {}),
    });
  }

  private membershipChanged(view: ClusterView): void {
    const now = new Set(view.alive);
    for (const node of view.alive) if (!this.knownMembers.has(node) && node !== this.nodeId) this.publish('member_joined', {}, node);
    for (const node of this.knownMembers) {
      if (now.has(node)) continue;
      // Its heartbeat stopped while its row stayed (killed, cut off): dead, and its run is closed
      // for it. Its row gone: it left (a graceful stop deletes it at the end of its handoffs).
      if (view.stale.includes(node)) {
        this.publish('member_dead', { reason: 'no heartbeat within the member TTL' }, node);
        this.ledger
          .reap(node, this.coordinator.memberTtlMs, this.clock.wallNow())
          .catch((error: unknown) => this.publish('lease_storage_failed', { reason: describe(error) }));
      } else this.publish('member_left', {}, node);
    }
    this.knownMembers = now;
  }

  private publish(type: ClusterEventType, fields: Partial<ClusterEvent>, node = this.nodeId): void {
    const event: ClusterEvent = { type, node, time: this.attachment.system.isoNow(), ...fields };
    this.attachment.system.pubsub.publish(topicOf(event), event);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function pick<T extends object, K extends keyof T>(object: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (object[key] !== undefined) out[key] = object[key];
  return out;
}
