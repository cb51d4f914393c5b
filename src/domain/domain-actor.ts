/**
 * The domain actor: owns one XState domain machine (as a snapshot it steps), waits for the first
 * tick, activates (its children first, then `activate`, bounded by `activateTimeout`), and
 * deactivates on shutdown. Everything of one incarnation (its rounds, timers, children) lives in
 * that incarnation's state, so a killed domain's late `activate` changes nothing. `domainChildSpec` turns a
 * domain definition into a child spec for the domains supervisor.
 *
 * @example
 * const spec = domainChildSpec(defineDomain({ name: 'billing' }), { tickBus, activationTimeoutMs: 30_000, currentTick });
 * await domainsSupervisor.startChild(spec);
 */
import type { ActorRef } from '../actor/actor-ref.ts';
import { spawnActor } from '../actor/actor-ref.ts';
import type { ActorSystem } from '../actor/actor-system.ts';
import { type ActorContext, type Behaviour, isCleanExit } from '../actor/behaviour.ts';
import type { TimerHandle } from '../clock.ts';
import { formatReason, hasCode, ThunderlineError } from '../errors.ts';
import { type DomainEventType, type TickEvent, topicOf } from '../events.ts';
import type { ChildSpec } from '../supervisor/spec.ts';
import { createSupervisor, type SupervisorRef } from '../supervisor/supervisor-ref.ts';
import { emitTelemetry } from '../telemetry/index.ts';
import type { DomainActivationMeta, DomainDefinition } from './define-domain.ts';
import { type DomainMachineSnapshot, type DomainMachineState, initialDomainSnapshot, stepDomainMachine } from './domain-machine.ts';
import type { TickBus } from './tick-bus.ts';
import { TickSlot, within } from './tick-slot.ts';

/** What every domain of a runtime shares. */
export interface DomainDeps {
  readonly tickBus: TickBus;
  /** Default activation timeout (waiting for the first tick), ms; a domain's own option wins. */
  readonly activationTimeoutMs: number;
  /** Default bound on `activate`, ms; a domain's own `activateTimeout` wins. Default 15 000. */
  readonly activateTimeoutMs?: number;
  /** The runtime's current tick, for events outside a tick. */
  currentTick(): number;
  /**
   * Consulted on each tick while a domain is `waiting`; `false` keeps it waiting (its activation
   * timeout still running) until a later tick is allowed. Default: every activation is allowed.
   */
  readonly activationPolicy?: (domain: string, tick: number) => boolean;
  /**
   * Consulted when a domain stops cleanly: a reason here replaces the exit reason its `deactivate`
   * and its `domain_deactivated` event get (cluster mode says `'handoff'` when a shard moves to
   * another node). Default: the exit reason.
   */
  readonly stopReason?: () => string | undefined;
  /**
   * Cluster mode: where this incarnation runs — its node, shard and the shard lease epoch it was
   * started under — carried on every event it publishes, so its status changes are written (or
   * fenced off) under that epoch, not whichever epoch the node holds when they reach the ledger.
   */
  readonly placement?: DomainPlacement;
}

/** Where a domain incarnation runs in cluster mode (see {@link DomainDeps.placement}). */
export interface DomainPlacement {
  readonly node: string;
  readonly shard: number;
  readonly epoch: number;
}

/** Default `activateTimeout`, ms. */
export const DEFAULT_ACTIVATE_TIMEOUT_MS = 15_000;

/** Messages a domain actor handles. */
export type DomainMsg =
  | TickSlot
  | { type: 'activation_timeout' }
  | { type: 'activation_failed'; reason: unknown }
  | { type: 'children_exited'; reason: unknown }
  | { type: 'inspect' };

/** A domain's live view, answered to `inspect`. */
export interface DomainSnapshot {
  domain: string;
  state: DomainMachineState;
  lastTick: number;
  activatedAt: number | undefined;
}

/** One incarnation's state: everything here dies with it. */
interface DomainState {
  system: ActorSystem;
  machine: DomainMachineSnapshot;
  lastTick: number;
  activatedAt: number | undefined;
  children: SupervisorRef | undefined;
  /** The activation timeout (first tick), while waiting. */
  timeout: TimerHandle | undefined;
  /** The `activateTimeout` timer, while an asynchronous `activate` runs. */
  activateTimer: TimerHandle | undefined;
  slot: TickSlot;
  /** The incarnation has exited (a kill while its terminate awaited): late code changes nothing. */
  exited: boolean;
}

/** Publishes a domain lifecycle event on the runtime pubsub (and telemetry). */
export function publishDomainEvent(
  system: ActorSystem,
  type: DomainEventType,
  domain: string,
  tick: number,
  reason?: string,
  placement?: DomainPlacement,
): void {
  const base = reason === undefined ? { type, domain, tick, time: system.isoNow() } : { type, domain, tick, time: system.isoNow(), reason };
  const event = placement === undefined ? base : { ...base, node: placement.node, shard: placement.shard, epoch: placement.epoch };
  emitTelemetry(type, event);
  system.pubsub.publish(topicOf(event), event);
}

function machineState(state: DomainState): DomainMachineState {
  return state.machine.value as DomainMachineState;
}

function domainBehaviour(definition: DomainDefinition, deps: DomainDeps): Behaviour<DomainState, DomainMsg, undefined> {
  const { name } = definition;
  const timeoutMs = definition.activationTimeout ?? deps.activationTimeoutMs;
  const activateTimeoutMs = definition.activateTimeout ?? deps.activateTimeoutMs ?? DEFAULT_ACTIVATE_TIMEOUT_MS;

  /**
   * Runs the activation: the domain's children, then `activate`, bounded by `activateTimeout`.
   * Every step after an `await` first checks that this incarnation is alive: a domain killed
   * meanwhile publishes nothing and starts nothing.
   */
  function activate(state: DomainState, tick: number, event: TickEvent | undefined, ctx: ActorContext<DomainMsg>): void | Promise<void> {
    state.machine = stepDomainMachine(state.machine, { type: 'TICK', tick });
    ctx.system.clock.clearTimeout(state.timeout);
    state.timeout = undefined;
    if (!definition.activate && definition.children.length === 0) {
      // Nothing to run: active at once, without the closures and the meta object below.
      becomeActive(state, tick);
      return;
    }
    // Not merely "not dead": an incarnation that crashed and is running its terminate is over too.
    const alive = (): boolean => !ctx.exiting;
    // The domain's own supervisor: started now when the domain declares children, else on first
    // use of `meta.supervisor` (a second actor per domain costs ~3 KB and a mailbox round trip).
    const superviseChildren = (): { ref: SupervisorRef; started: Promise<SupervisorRef> } => {
      const created = createSupervisor(ctx.system, { name, strategy: 'one_for_one', children: [...definition.children] });
      const children = created.ref;
      state.children = children;
      // The domain is linked to its supervisor: one that gives up takes the domain down with it,
      // so the domains supervisor restarts both, instead of leaving an `active` domain with no children.
      children.onExit((signal) => {
        if (state.children === children && !isCleanExit(signal.reason)) ctx.self.cast({ type: 'children_exited', reason: signal.reason });
      });
      return created;
    };
    const meta: DomainActivationMeta = {
      domain: name,
      event,
      get supervisor(): SupervisorRef {
        if (state.children) return state.children;
        if (!alive()) throw new ThunderlineError('ERR_ACTOR_STOPPED', `domain "${name}" has exited; its supervisor is gone`);
        const created = superviseChildren();
        // With no children to start, the start fails only when the supervisor is gone first: the
        // link above crashes the domain with that reason, and the failure is reported here too.
        created.started.catch((error: unknown) => {
          if (alive()) ctx.system.reportFailure('supervisor_start', created.ref.id, error);
        });
        return created.ref;
      },
      system: ctx.system,
      get signal(): AbortSignal {
        return ctx.signal;
      },
      publish: (eventName, fields = {}) => {
        if (!alive()) return;
        const custom = { ...fields, type: `custom:${name}.${eventName}` as const, time: ctx.system.isoNow() };
        ctx.system.pubsub.publish(topicOf(custom), custom);
      },
    };
    const failed = (error: unknown): never => {
      if (alive()) state.machine = stepDomainMachine(state.machine, { type: 'ACTIVATION_FAILED', reason: formatReason(error) });
      if (hasCode(error, 'ERR_ACTIVATE_TIMEOUT')) throw error;
      throw new ThunderlineError('ERR_ACTIVATION_FAILED', `domain "${name}": activate failed at tick ${tick}: ${formatReason(error)}`, {
        cause: error,
      });
    };
    const activated = (): void => {
      if (alive()) becomeActive(state, tick);
    };
    const run = async (): Promise<void> => {
      if (definition.children.length > 0) await superviseChildren().started;
      if (!alive()) return;
      await definition.activate?.(tick, meta);
    };
    // A synchronous activate without children costs no promise and no timer.
    if (definition.children.length === 0) {
      let result: void | Promise<void>;
      try {
        result = definition.activate?.(tick, meta);
      } catch (error) {
        return failed(error);
      }
      if (!(result instanceof Promise)) {
        activated();
        return;
      }
      return within(state, result, activateTimeoutMs, () => activateTimeout(tick)).then(activated, failed);
    }
    return within(state, run(), activateTimeoutMs, () => activateTimeout(tick)).then(activated, failed);
  }

  function becomeActive(state: DomainState, tick: number): void {
    state.machine = stepDomainMachine(state.machine, { type: 'ACTIVATED' });
    state.activatedAt = state.system.clock.wallNow();
    publishDomainEvent(state.system, 'domain_activated', name, tick, undefined, deps.placement);
  }

  function activateTimeout(tick: number): ThunderlineError {
    return new ThunderlineError(
      'ERR_ACTIVATE_TIMEOUT',
      `domain "${name}": activate did not settle within ${activateTimeoutMs} ms (activateTimeout) at tick ${tick}`,
    );
  }

  return {
    name,
    init(_args, ctx) {
      const slot = new TickSlot(ctx.self, deps.tickBus);
      const state: DomainState = {
        system: ctx.system,
        machine: initialDomainSnapshot,
        lastTick: 0,
        activatedAt: undefined,
        children: undefined,
        timeout: undefined,
        activateTimer: undefined,
        slot,
        exited: false,
      };
      deps.tickBus.subscribe(slot);
      ctx.self.onExit((signal) => {
        state.exited = true;
        slot.release();
        ctx.system.clock.clearTimeout(state.timeout);
        ctx.system.clock.clearTimeout(state.activateTimer);
        state.timeout = undefined;
        state.activateTimer = undefined;
        const children = state.children;
        state.children = undefined;
        children?.kill('killed');
        if (!isCleanExit(signal.reason))
          publishDomainEvent(ctx.system, 'domain_crashed', name, deps.currentTick(), formatReason(signal.reason), deps.placement);
      });
      publishDomainEvent(ctx.system, 'domain_waiting', name, deps.currentTick(), undefined, deps.placement);
      if (definition.waitForTick) {
        state.timeout = ctx.system.clock.setTimeout(() => ctx.self.cast({ type: 'activation_timeout' }), timeoutMs);
        return state;
      }
      // Active at start (`waitForTick: false`, docs/api.md): startRuntime resolves with the domain
      // active. A failed activation is still a crash after start, not a failed start.
      const tick = deps.currentTick();
      if (!(deps.activationPolicy?.(name, tick) ?? true)) return state;
      const crashLater = (error: unknown): DomainState => {
        ctx.self.cast({ type: 'activation_failed', reason: error });
        return state;
      };
      try {
        const done = activate(state, tick, undefined, ctx);
        return done instanceof Promise ? done.then(() => state, crashLater) : state;
      } catch (error) {
        return crashLater(error);
      }
    },
    // Synchronous except while activating: a tick to an active domain (every domain, every tick)
    // then costs no promise, which is most of the steady tick's overhead over a bare fan-out.
    handle(state, message, ctx) {
      switch (message.type) {
        case 'tick': {
          const delivery = state.slot.take();
          if (!delivery) return state;
          const { event, round } = delivery;
          const tick = event.tick;
          if (tick > state.lastTick) state.lastTick = tick;
          if (machineState(state) !== 'waiting' || !(deps.activationPolicy?.(name, tick) ?? true)) {
            round.leave();
            return state;
          }
          state.slot.handling = round;
          const leave = (): void => {
            // Left once: by this continuation, or by the slot's release at exit.
            if (state.slot.handling !== round) return;
            state.slot.handling = undefined;
            round.leave();
          };
          let done: void | Promise<void>;
          try {
            done = activate(state, tick, event, ctx);
          } catch (error) {
            leave();
            throw error;
          }
          if (!(done instanceof Promise)) {
            leave();
            return state;
          }
          return done.then(
            () => {
              leave();
              return state;
            },
            (error: unknown) => {
              leave();
              throw error;
            },
          );
        }
        case 'activation_timeout':
          if (machineState(state) !== 'waiting') return state;
          throw new ThunderlineError(
            'ERR_ACTIVATION_TIMEOUT',
            `domain "${name}": no tick arrived within ${timeoutMs} ms (activationTimeout)`,
          );
        case 'activation_failed':
        case 'children_exited':
          throw message.reason;
        case 'inspect':
          ctx.reply({
            domain: name,
            state: machineState(state),
            lastTick: state.lastTick,
            activatedAt: state.activatedAt,
          } satisfies DomainSnapshot);
          return state;
        default: {
          const unreachable: never = message;
          throw new Error(`domain "${name}": unknown message ${JSON.stringify(unreachable)}`);
        }
      }
    },
    async terminate(state, exitReason) {
      // What deactivate and the event are told; the exit itself (and the children's) keeps its reason.
      const reason = (isCleanExit(exitReason) ? deps.stopReason?.() : undefined) ?? exitReason;
      // A stopping domain takes no more ticks: the rounds it holds are left now, not at its exit.
      state.slot.release();
      const wasActive = machineState(state) === 'active';
      state.machine = stepDomainMachine(state.machine, { type: 'STOP' });
      const children = state.children;
      state.children = undefined;
      await children?.stop(exitReason);
      // Killed meanwhile (a shutdown timer, a kill): the incarnation is over; it publishes nothing.
      if (state.exited) return;
      if (wasActive) {
        try {
          await definition.deactivate?.(reason);
        } catch (error) {
          if (state.exited) return;
          // deactivate runs in the domain's terminate: as a gen_server whose terminate raised, the
          // domain exits with ERR_TERMINATE_FAILED (reported by its cell) and is recorded crashed.
          throw new ThunderlineError('ERR_DEACTIVATE_FAILED', `domain "${name}": deactivate failed: ${formatReason(error)}`, {
            cause: error,
          });
        }
        if (state.exited) return;
        state.machine = stepDomainMachine(state.machine, { type: 'DEACTIVATED' });
      }
      if (isCleanExit(exitReason))
        publishDomainEvent(
          state.system,
          'domain_deactivated',
          name,
          Math.max(state.lastTick, deps.currentTick()),
          formatReason(reason),
          deps.placement,
        );
    },
  };
}

/** Options of {@link domainChildSpec}. */
export interface DomainChildSpecOptions {
  /** Graceful deactivation budget, ms; default 5000. */
  shutdown?: ChildSpec['shutdown'];
}

/**
 * The child spec that runs a domain under a supervisor. Its id is the domain name. Each start
 * after the first publishes `domain_restarting`; an abnormal exit publishes `domain_crashed`.
 */
export function domainChildSpec(definition: DomainDefinition, deps: DomainDeps, options: DomainChildSpecOptions = {}): ChildSpec {
  let starts = 0;
  const behaviour = domainBehaviour(definition, deps);
  return {
    id: definition.name,
    restart: 'permanent',
    shutdown: options.shutdown ?? 5000,
    type: 'worker',
    start({ system }) {
      starts += 1;
      if (starts > 1) publishDomainEvent(system, 'domain_restarting', definition.name, deps.currentTick(), undefined, deps.placement);
      return spawnActor(system, behaviour, undefined, { name: definition.name }) as Promise<ActorRef<never>>;
    },
  };
}
