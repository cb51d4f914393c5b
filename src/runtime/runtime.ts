/**
 * A running Thunderline runtime: its supervision tree, registry, ticks and event bus, and a
 * graceful stop in reverse start order. Built by `startRuntime` (embedding) and by the CLI.
 *
 * @example
 * const runtime = await startRuntime({ domains: [billing], tickInterval: 'manual', database: ':memory:' });
 * await runtime.tick();
 * runtime.registry.activeDomains(); // ['billing']
 * await runtime.stop();
 */
import type { ActorSystem } from '../actor/actor-system.ts';
import { isCleanExit } from '../actor/behaviour.ts';
import type { ClusterHealth } from '../cluster/node.ts';
import type { DomainPanel } from '../domain/domain-panel.ts';
import type { TickRound } from '../domain/tick-bus.ts';
import { formatReason, ThunderlineError } from '../errors.ts';
import type { ThunderlineEvent } from '../events.ts';
import { ActorObserver, type ActorRow } from '../observer/actor-observer.ts';
import type { Listener } from '../pubsub/index.ts';
import type { RegistryStore } from '../store/registry-store.ts';
import type { AnyActorRef } from '../supervisor/spec.ts';
import type { SupervisorRef, SupervisorTree } from '../supervisor/supervisor-ref.ts';
import type { RegistryView } from './registry-view.ts';

/** How a runtime ended. */
export interface RuntimeExit {
  /** The stop reason as text: `'shutdown'`, or why the root supervisor gave up. */
  reason: string;
  /** True for a requested stop; false when the tree failed. */
  clean: boolean;
}

/** @internal what a composition root hands the runtime */
export interface RuntimeParts {
  system: ActorSystem;
  root: SupervisorRef;
  store: RegistryStore;
  registry: RegistryView & { flush(): number; close?(): void };
  runId: string;
  version: string;
  tickInterval: number | 'manual';
  /** Asks the tick generator for one tick now; `undefined` once `maxTicks` ticks were emitted. */
  requestTick(): Promise<{ tick: number; round: TickRound } | undefined>;
  /** The last tick (`maxTicks` option). */
  maxTicks?: number | undefined;
  /** With `maxTicks`: resolves once every domain has handled the last tick; the runtime then stops. */
  lastRound?: Promise<void>;
  /** Asks the registry actor to write what is pending. */
  flushRegistry(): Promise<void>;
  /** Ticks domains dropped because a newer tick replaced them undelivered (one pending tick each). */
  skippedTicks(): number;
  /** Finds a domain actor by name. */
  findDomain(name: string): AnyActorRef | undefined;
  /** Runs after the tree has stopped, before the store closes (e.g. closing a server). */
  beforeClose?: () => Promise<void>;
  /** The HTTP server's `http://host:port/`, when one runs. */
  serverUrl?: () => string | undefined;
  /** Runs before the tree stops (cluster mode: hand every shard off). */
  beforeStop?: () => Promise<void>;
  /** Runs after the store has closed (cluster mode: close the ledger and the bus). */
  afterClose?: () => Promise<void>;
  /** Kills a domain that runs on another node (cluster mode); rejects when none runs it. */
  killRemote?: (domain: string, reason: string) => Promise<string>;
  /** Cluster mode: this node's view of the cluster. */
  cluster?: () => ClusterHealth;
  /** The token the server's operator actions need, when a server runs. */
  operatorToken?: () => string | undefined;
  /** The domains that have a panel (`defineDomain({ inspect })`), by name, in start order. */
  panels?: ReadonlyMap<string, () => DomainPanel | Promise<DomainPanel>>;
}

/** A running runtime. */
export class Runtime {
  /** Synchronous registry lookups. */
  readonly registry: RegistryView;
  /** This run's id (a `runtime_runs` row). */
  readonly runId: string;
  /** Resolves once the runtime has stopped, by request or because its root supervisor gave up. */
  readonly stopped: Promise<RuntimeExit>;
  private exit: RuntimeExit | undefined;
  private stopping: Promise<RuntimeExit> | undefined;
  private resolveStopped!: (exit: RuntimeExit) => void;

  /** @internal */
  constructor(private readonly parts: RuntimeParts) {
    this.registry = parts.registry;
    this.runId = parts.runId;
    this.stopped = new Promise((resolve) => {
      this.resolveStopped = resolve;
    });
    // Tick `maxTicks` was the last; once every domain has handled it, the run is over.
    parts.lastRound?.then(() => void this.stop('shutdown'));
    parts.root.onExit((signal) => {
      // The root exited: by request (stop) or because it gave up. Either way the run ends here.
      // A requested stop is clean whatever reason it was given; a root that crashed never is.
      const requested = this.stopping !== undefined && signal.phase === 'stop';
      void this.finish({ reason: formatReason(signal.reason), clean: requested || isCleanExit(signal.reason) });
    });
  }

  /** The actor system (clock, pubsub) the runtime runs on. */
  get system(): ActorSystem {
    return this.parts.system;
  }

  /** The root supervisor of the application tree (for `whichChildren`, `tree()`, budgets). */
  get supervisor(): SupervisorRef {
    return this.parts.root;
  }

  /** The package version this runtime runs. */
  get version(): string {
    return this.parts.version;
  }

  /** The tick interval, ms, or `'manual'`. */
  get tickInterval(): number | 'manual' {
    return this.parts.tickInterval;
  }

  /** The dashboard's `http://host:port/` while the server runs (`server` option); else undefined. */
  get serverUrl(): string | undefined {
    return this.parts.serverUrl?.();
  }

  /**
   * The dashboard URL with the operator token (`?token=`), which its kill and restart buttons
   * need; undefined without a server. Print it only where the runtime's owner reads it.
   */
  get operatorUrl(): string | undefined {
    const url = this.serverUrl;
    const token = this.parts.operatorToken?.();
    return url === undefined || token === undefined ? undefined : `${url}?token=${encodeURIComponent(token)}`;
  }

  /** Every live actor (supervisors, workers, domains and their children), as the dashboard's actors view shows it. */
  actors(): ActorRow[] {
    const names = new Set(this.parts.registry.statuses().map((status) => status.name));
    return new ActorObserver(
      this.parts.system,
      () => this.parts.root,
      (name) => names.has(name),
    ).actors();
  }

  /** The domains that have a panel (`defineDomain({ inspect })`), in start order. */
  panelDomains(): string[] {
    return [...(this.parts.panels?.keys() ?? [])];
  }

  /**
   * What a domain's panel shows (its `inspect`). Rejects with `ERR_UNKNOWN_DOMAIN` for a domain
   * without one, and with whatever `inspect` rejects with (a domain not active yet, say).
   */
  async inspectDomain(domain: string): Promise<DomainPanel> {
    const inspect = this.parts.panels?.get(domain);
    if (!inspect) {
      throw new ThunderlineError(
        'ERR_UNKNOWN_DOMAIN',
        `inspectDomain: no domain "${domain}" with a panel; domains with one: ${this.panelDomains().join(', ') || '(none)'}`,
      );
    }
    return inspect();
  }

  /**
   * Ticks dropped so far because a newer tick replaced them before a slow domain took them: a
   * domain's mailbox holds at most one pending tick, so slow rounds never pile up.
   */
  skippedTicks(): number {
    return this.parts.skippedTicks();
  }

  /** The current tick number (0 before the first). */
  currentTick(): number {
    return this.parts.registry.currentTick();
  }

  /**
   * Emits one tick now and resolves with its number once every domain has handled it and the
   * registry has applied and written the resulting status changes. Works in every mode; with
   * `tickInterval: 'manual'` it is the only source of ticks. A tick in flight when the runtime
   * stops resolves, or rejects with `ERR_RUNTIME_STOPPED`; so does a tick asked for after tick
   * `maxTicks`.
   */
  async tick(): Promise<number> {
    this.assertRunning('tick');
    try {
      const emission = await this.parts.requestTick();
      if (!emission) {
        throw new ThunderlineError(
          'ERR_RUNTIME_STOPPED',
          `tick: the runtime stops after tick ${this.parts.maxTicks} (maxTicks); no tick after it`,
        );
      }
      const { tick, round } = emission;
      await round.done;
      await this.parts.flushRegistry();
      return tick;
    } catch (error) {
      throw this.stoppedMeanwhile('tick', error);
    }
  }

  /**
   * Resolves once the registry has applied, and written to the database, every status change
   * published before the call. Status changes reach the registry through its mailbox, so a lookup
   * right after `kill` may not show the crash yet; after `await runtime.flush()` it does.
   */
  async flush(): Promise<void> {
    this.assertRunning('flush');
    try {
      await this.parts.flushRegistry();
    } catch (error) {
      throw this.stoppedMeanwhile('flush', error);
    }
  }

  /** `error` as it is, or `ERR_RUNTIME_STOPPED` when the runtime began stopping meanwhile. */
  private stoppedMeanwhile(what: string, error: unknown): unknown {
    if (!this.exit && !this.stopping) return error;
    return new ThunderlineError(
      'ERR_RUNTIME_STOPPED',
      `${what}: the runtime stopped while it was in flight (${this.exit?.reason ?? 'stopping'})`,
      {
        cause: error,
      },
    );
  }

  /** Subscribes to a pubsub topic (`system:domain_tick`, `system:domain_activated`, ..., or `*`). */
  subscribe(topic: string, listener: Listener<ThunderlineEvent>): () => void {
    return this.parts.system.pubsub.subscribe(topic, listener);
  }

  /** Cluster mode: this node, the members, the leader, the shards it holds, lease and tick health; else undefined. */
  cluster(): ClusterHealth | undefined {
    return this.parts.cluster?.();
  }

  /**
   * Crashes a domain's actor with `reason`, as a fault would; its supervisor decides what follows.
   * In cluster mode a domain on another node is killed there (a failure is reported as
   * `operation_failed`); use {@link killAnywhere} to wait for it.
   */
  kill(domain: string, reason: unknown = 'killed'): void {
    this.assertRunning('kill');
    const ref = this.parts.findDomain(domain);
    if (!ref && this.parts.killRemote) {
      this.killAnywhere(domain, reason).catch((error: unknown) => this.parts.system.reportFailure('terminate', domain, error));
      return;
    }
    if (!ref) {
      const known = this.parts.registry.statuses().map((status) => status.name);
      throw new ThunderlineError(
        'ERR_UNKNOWN_DOMAIN',
        `kill: no running domain "${domain}"; running domains: ${known.length > 0 ? known.join(', ') : '(none)'}`,
      );
    }
    ref.kill(reason);
  }

  /**
   * Kills a domain wherever it runs: here, or (cluster mode) on the node that holds its shard.
   * Resolves with the node id that killed it; rejects with `ERR_UNKNOWN_DOMAIN` when none runs it.
   */
  async killAnywhere(domain: string, reason: unknown = 'killed'): Promise<string> {
    this.assertRunning('kill');
    const ref = this.parts.findDomain(domain);
    if (ref || !this.parts.killRemote) {
      this.kill(domain, reason);
      return this.parts.cluster?.().node ?? 'local';
    }
    return this.parts.killRemote(domain, typeof reason === 'string' ? reason : formatReason(reason));
  }

  /** The supervision tree with each supervisor's restart budget and each child's status. */
  tree(): SupervisorTree {
    return this.parts.root.tree();
  }

  /**
   * Stops the tree in reverse start order, writes the run's end, closes the store. Never rejects:
   * a step that fails is reported (`operation_failed`, operation `stop`) and makes the exit
   * unclean, with a reason that names the failure.
   */
  stop(reason = 'shutdown'): Promise<RuntimeExit> {
    if (!this.exit && !this.stopping) {
      const handOff = this.parts.beforeStop
        ? this.parts.beforeStop().catch((error: unknown) => this.parts.system.reportFailure('stop', 'runtime', error))
        : Promise.resolve();
      this.stopping = handOff
        .then(() => this.parts.root.stop(reason))
        .then(
          () => this.stopped,
          (error: unknown) => {
            // The root's stop has no way to fail today; if it ever does, the run still ends, and says why.
            this.parts.system.reportFailure('stop', 'runtime', error);
            this.parts.root.kill('killed');
            void this.finish({ reason: `${reason}; then stopping failed: ${formatReason(error)}`, clean: false });
            return this.stopped;
          },
        );
    }
    return this.stopping ?? this.stopped;
  }

  private assertRunning(what: string): void {
    if (this.exit || this.stopping) {
      throw new ThunderlineError('ERR_RUNTIME_STOPPED', `${what}: the runtime has stopped (${this.exit?.reason ?? 'stopping'})`);
    }
  }

  /**
   * Ends the run: the close hook, the last flush, the run's row, the store. Each step runs even if
   * one before it failed (the run row is closed whenever the store can write it); every failure is
   * reported as `operation_failed` and named in the exit, which is then unclean. Never rejects.
   */
  private async finish(exit: RuntimeExit): Promise<void> {
    if (this.exit) return;
    this.exit = exit;
    const { store, system } = this.parts;
    let final = exit;
    const attempt = async (step: () => unknown): Promise<void> => {
      try {
        await step();
      } catch (error) {
        // A failure while closing is a failure of the run: say so, never throw it away.
        system.reportFailure('stop', 'runtime', error);
        final = { reason: `${final.reason}; then closing failed: ${formatReason(error)}`, clean: false };
      }
    };
    await attempt(() => this.parts.beforeClose?.());
    await attempt(() => this.parts.registry.flush());
    await attempt(() => this.parts.registry.close?.());
    await attempt(() => store.endRun(this.runId, system.clock.wallNow(), final.reason));
    await attempt(() => store.close());
    await attempt(() => this.parts.afterClose?.());
    system.stop();
    this.exit = final;
    this.resolveStopped(final);
  }
}
