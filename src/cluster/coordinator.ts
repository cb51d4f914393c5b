/**
 * A node's side of shard ownership (`docs/cluster.md`, "Ownership"). A *cycle*, every renew
 * interval at a fixed rate, is a few short statements: renew the leases and the heartbeat in one,
 * read the members and the lease table, take the free shards rendezvous hashing gives this node.
 * The slow work — starting a shard's domains, handing a shard off (stop its domains, write their
 * rows, release its lease) — runs beside the cycles on one work queue, in batches, so a node busy
 * moving thousands of domains still renews on time. It never trusts a lease longer than
 * `ttl − margin` after the last renew it *sent* (monotonic time): past that it fences itself —
 * stops every shard's domains — before any other node can take them over (PostgreSQL lets them
 * only after `ttl`).
 *
 * The store and the hooks are interfaces, so the same state machine runs against PostgreSQL in
 * a node and on the manual clock in `test/cluster/coordinator.test.ts`.
 *
 * @example
 * const coordinator = new Coordinator({ nodeId: 'node-a', store: ledger, clock, hooks });
 * coordinator.start();            // first cycle now, then every renewIntervalMs
 * coordinator.owns(17);           // epoch of shard 17 if held and not fenced, else undefined
 * await coordinator.leave();      // hands every shard off, then leaves the members table
 */
import type { Clock, TimerHandle } from '../clock.ts';
import type { ClusterView, HeldLease } from './ledger.ts';
import { assignShards, SHARD_COUNT } from './shards.ts';

/** What the coordinator needs from the ledger. */
export interface LeaseStore {
  renew(ttlMs: number): Promise<HeldLease[]>;
  view(memberTtlMs: number): Promise<ClusterView>;
  acquire(names: readonly string[], ttlMs: number): Promise<Array<HeldLease & { previous: string | null }>>;
  release(leases: readonly HeldLease[]): Promise<void>;
  leaving(): Promise<void>;
  leave(): Promise<void>;
}

/** A shard taken: its new epoch, and the node that held it before (null: none, or this one). */
export interface AcquiredShard {
  shard: number;
  epoch: number;
  previous: string | null;
}

/** What the node does when ownership changes. */
export interface CoordinatorHooks {
  /** Start these shards' domains; answers the shards whose start failed (their leases are given back). */
  acquired(shards: readonly AcquiredShard[]): Promise<number[]>;
  /** Hand these shards off: stop their domains and write their rows; their leases are released after. */
  handoff(shards: readonly HeldLease[]): Promise<void>;
  /** Stop these shards' domains now: their leases can no longer be trusted. */
  fenced(shards: readonly number[], why: string): void;
  /** The tick lease was taken (epoch) or lost (undefined). */
  tickLease(epoch: number | undefined): void;
  /** A cycle read the cluster (for membership events and `hello`). */
  changed(view: ClusterView): void;
  /** A statement or a hook failed (e.g. PostgreSQL unreachable); the node keeps its leases until the fence. */
  failed(error: unknown): void;
}

/** Timings and sizes; defaults in brackets are `docs/cluster.md`'s. */
export interface CoordinatorOptions {
  nodeId: string;
  store: LeaseStore;
  clock: Clock;
  hooks: CoordinatorHooks;
  /** Lease time to live, ms [6000]. */
  leaseTtlMs?: number;
  /** Renew and rebalance every, ms [2000] (TTL / 3). */
  renewIntervalMs?: number;
  /** A member is live while its heartbeat is younger than this, ms [5/6 of the TTL: 5000]. */
  memberTtlMs?: number;
  /** Fence this long before the lease could expire, ms [TTL / 3: 2000]. */
  fenceMarginMs?: number;
  /** Shards handed off per cycle at most [32]; with more to go, cycles come every second (≤ 32 shards/s). A leaving node hands off all at once. */
  rebalancePerCycle?: number;
  shards?: number;
}

/** Shard `n`'s lease name. */
export const shardLease = (shard: number): string => `shard:${shard}`;

/** The coordinator. */
export class Coordinator {
  readonly nodeId: string;
  private readonly store: LeaseStore;
  private readonly clock: Clock;
  private readonly hooks: CoordinatorHooks;
  readonly leaseTtlMs: number;
  readonly renewIntervalMs: number;
  readonly memberTtlMs: number;
  readonly fenceMarginMs: number;
  private readonly perCycle: number;
  private readonly shards: number;
  /** Shards held: shard → epoch. */
  private readonly held = new Map<number, number>();
  /** Shards with work queued or running (a start or a handoff). */
  private readonly busy = new Set<number>();
  private tickEpoch: number | undefined;
  /** Monotonic ms until which the leases are trusted. */
  private validUntil = Number.NEGATIVE_INFINITY;
  private timer: TimerHandle | undefined;
  private fenceTimer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  /** The work queue: starts and handoffs, one batch after another. */
  private work: Promise<void> = Promise.resolve();
  private again = false;
  private stopped = false;
  private leaving = false;
  private lastView: ClusterView | undefined;
  private paced = false;
  /** A handoff batch is queued or running. */
  private handoffQueued = false;

  constructor(options: CoordinatorOptions) {
    this.nodeId = options.nodeId;
    this.store = options.store;
    this.clock = options.clock;
    this.hooks = options.hooks;
    this.leaseTtlMs = options.leaseTtlMs ?? 6000;
    this.renewIntervalMs = options.renewIntervalMs ?? Math.floor(this.leaseTtlMs / 3);
    this.memberTtlMs = options.memberTtlMs ?? Math.round((this.leaseTtlMs * 5) / 6);
    this.fenceMarginMs = options.fenceMarginMs ?? Math.floor(this.leaseTtlMs / 3);
    this.perCycle = options.rebalancePerCycle ?? 32;
    this.shards = options.shards ?? SHARD_COUNT;
  }

  /** Runs the first cycle now (resolving once the shards it took have started) and one every `renewIntervalMs` after. */
  async start(): Promise<void> {
    await this.cycle();
    await this.settled();
  }

  /** Runs a cycle now, or right after the running one (a peer announced a change); resolves when it has run. */
  poke(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return this.cycle();
  }

  /** Resolves once the work queued so far (starts and handoffs) is done. */
  async settled(): Promise<void> {
    let seen: Promise<void> | undefined;
    while (seen !== this.work) {
      seen = this.work;
      await seen;
    }
  }

  /** The epoch shard `shard` is held at, while the leases are trusted; else undefined. */
  owns(shard: number): number | undefined {
    return this.trusted() ? this.held.get(shard) : undefined;
  }

  /** The tick lease's epoch while held and trusted. */
  tickLeaseEpoch(): number | undefined {
    return this.trusted() ? this.tickEpoch : undefined;
  }

  /** True while the last renew is recent enough to trust the leases. */
  trusted(): boolean {
    return this.clock.now() < this.validUntil;
  }

  /** Shards held now, sorted. */
  heldShards(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  /** The last view of the cluster read from the ledger. */
  view(): ClusterView | undefined {
    return this.lastView;
  }

  /**
   * Leaves: marks this node `leaving` (peers stop counting it), gives the tick lease up, hands
   * every shard off — the cycles go on renewing meanwhile — then leaves the members table. Shards
   * it could not hand off while its leases were trusted are stopped without a handoff.
   */
  async leave(): Promise<void> {
    this.leaving = true;
    await this.store.leaving().catch((error: unknown) => this.hooks.failed(error));
    if (this.tickEpoch !== undefined) {
      const epoch = this.tickEpoch;
      this.tickEpoch = undefined;
      this.hooks.tickLease(undefined);
      await this.store.release([{ name: 'tick', epoch }]).catch((error: unknown) => this.hooks.failed(error));
    }
    while (this.held.size > 0 && this.trusted() && !this.stopped) {
      await this.cycle();
      await this.settled();
    }
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    while (this.running) await this.running;
    this.fence('leaving');
    this.clock.clearTimeout(this.fenceTimer);
    await this.store.leave().catch((error: unknown) => this.hooks.failed(error));
  }

  /** Stops the cycles without handing off (the node is going down hard, or in tests). */
  halt(): void {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    this.clock.clearTimeout(this.fenceTimer);
  }

  private cycle(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.clock.clearTimeout(this.timer);
    this.running = this.runCycle()
      .catch((error: unknown) => this.hooks.failed(error))
      .finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          void this.cycle();
          return;
        }
        this.timer = this.clock.setTimeout(
          () => void this.cycle(),
          this.paced ? Math.min(1000, this.renewIntervalMs) : this.renewIntervalMs,
        );
      });
    return this.running;
  }

  private async runCycle(): Promise<void> {
    const sentAt = this.clock.now();
    const renewed = await this.store.renew(this.leaseTtlMs);
    if (this.stopped) return;
    this.trustUntil(sentAt + this.leaseTtlMs - this.fenceMarginMs);
    // A lease held since before this renew and not renewed has expired or was taken: its domains
    // stop now. (One the work queue released meanwhile is no longer in `held`.)
    const still = new Map(renewed.map((lease) => [lease.name, lease.epoch]));
    const lost = this.heldShards().filter((shard) => still.get(shardLease(shard)) !== this.held.get(shard));
    if (lost.length > 0) {
      for (const shard of lost) this.held.delete(shard);
      this.hooks.fenced(lost, 'lease lost');
    }
    if (this.tickEpoch !== undefined && still.get('tick') !== this.tickEpoch) {
      this.tickEpoch = undefined;
      this.hooks.tickLease(undefined);
    }
    const view = await this.store.view(this.memberTtlMs);
    if (this.stopped) return;
    this.lastView = view;
    const members = view.members.includes(this.nodeId) || this.leaving ? view.members : [...view.members, this.nodeId].sort();
    const wanted = new Set(this.leaving ? [] : (assignShards(members, this.shards).get(this.nodeId) ?? []));
    // Hand off (their new owner is waiting for them): a few per cycle, all of them when leaving.
    // One handoff batch in the queue at a time: a slow one is not followed by a pile of others.
    const surplus = this.heldShards().filter((shard) => !wanted.has(shard) && !this.busy.has(shard));
    const handing = this.handoffQueued ? [] : this.leaving ? surplus : surplus.slice(0, this.perCycle);
    if (handing.length > 0 && this.trusted())
      this.enqueueHandoff(handing.map((shard) => ({ name: shardLease(shard), epoch: this.held.get(shard) as number })));
    // Take what is ours and free: never a lease another node still validly holds.
    const leases = new Map(view.leases.map((lease) => [lease.name, lease]));
    const free = (name: string): boolean => {
      const lease = leases.get(name);
      return lease === undefined || !lease.valid || lease.owner === this.nodeId;
    };
    // Free shards are taken all at once (a start, a failover); only handoffs are paced.
    const missing = [...wanted].filter((shard) => !this.held.has(shard) && !this.busy.has(shard) && free(shardLease(shard)));
    const names = missing.map(shardLease);
    if (this.tickEpoch === undefined && !this.leaving && free('tick')) names.push('tick');
    if (names.length > 0 && this.trusted()) {
      const taken = await this.store.acquire(names, this.leaseTtlMs);
      if (this.stopped) return;
      const started: AcquiredShard[] = [];
      for (const lease of taken) {
        if (lease.name === 'tick') {
          this.tickEpoch = lease.epoch;
          this.hooks.tickLease(lease.epoch);
          continue;
        }
        const shard = Number(lease.name.slice('shard:'.length));
        this.held.set(shard, lease.epoch);
        started.push({ shard, epoch: lease.epoch, previous: lease.previous });
      }
      if (started.length > 0) this.enqueueStart(started);
    }
    // More to hand off than one cycle may: the next cycle comes after a second, not a full interval.
    this.paced = surplus.length > handing.length;
    this.hooks.changed(view);
  }

  /** Queues a batch of work on shards; each runs only if its shard is still held at that epoch. */
  private enqueue(shards: readonly number[], run: () => Promise<void>): void {
    for (const shard of shards) this.busy.add(shard);
    this.work = this.work
      .then(run)
      .catch((error: unknown) => this.hooks.failed(error))
      .finally(() => {
        for (const shard of shards) this.busy.delete(shard);
      });
  }

  private stillHeld<T extends { epoch: number }>(items: readonly T[], shardOf: (item: T) => number): T[] {
    return items.filter((item) => this.held.get(shardOf(item)) === item.epoch);
  }

  private enqueueStart(shards: AcquiredShard[]): void {
    this.enqueue(
      shards.map((entry) => entry.shard),
      async () => {
        const current = this.stillHeld(shards, (entry) => entry.shard);
        if (current.length === 0 || !this.trusted()) return;
        const failed = await this.hooks.acquired(current);
        if (failed.length === 0) return;
        // Their domains did not start: give the leases back, so this node (or another) takes the
        // shards again on a later cycle instead of holding them with nothing running.
        const back = current.filter((entry) => failed.includes(entry.shard));
        for (const entry of back) this.held.delete(entry.shard);
        this.hooks.fenced(failed, 'start failed');
        await this.store.release(back.map((entry) => ({ name: shardLease(entry.shard), epoch: entry.epoch })));
      },
    );
  }

  private enqueueHandoff(leases: HeldLease[]): void {
    const shardOf = (lease: HeldLease): number => Number(lease.name.slice('shard:'.length));
    this.handoffQueued = true;
    this.enqueue(leases.map(shardOf), async () => {
      try {
        const current = this.stillHeld(leases, shardOf);
        if (current.length === 0 || !this.trusted()) return;
        await this.hooks.handoff(current);
        for (const lease of current) this.held.delete(shardOf(lease));
        await this.store.release(current);
      } finally {
        this.handoffQueued = false;
      }
    });
  }

  /** Trusts the leases until `until` (monotonic), and arms the fence for that moment. */
  private trustUntil(until: number): void {
    this.validUntil = until;
    this.clock.clearTimeout(this.fenceTimer);
    this.fenceTimer = this.clock.setTimeout(() => this.fence('no renew within the lease margin'), Math.max(0, until - this.clock.now()));
  }

  /** Stops every shard now; leases must be acquired again through the normal path. */
  private fence(why: string): void {
    const shards = this.heldShards();
    this.held.clear();
    this.validUntil = Number.NEGATIVE_INFINITY;
    if (this.tickEpoch !== undefined) {
      this.tickEpoch = undefined;
      this.hooks.tickLease(undefined);
    }
    if (shards.length > 0) this.hooks.fenced(shards, why);
  }
}
