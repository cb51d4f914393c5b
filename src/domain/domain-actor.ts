/**
 * The domain actor: owns one XState domain machine, waits for the first tick, activates (its
 * children first, then `activate`), and deactivates on shutdown. `domainChildSpec` turns a
 * domain definition into a child spec for the domains supervisor.
 *
 * @example
 * const spec = domainChildSpec(defineDomain({ name: 'billing' }), { tickBus, activationTimeoutMs: 30_000, currentTick });
 * await domainsSupervisor.startChild(spec);
 */
import { type Actor, createActor } from 'xstate';
import type { ActorRef } from '../actor/actor-ref.ts';
import { spawnActor } from '../actor/actor-ref.ts';
import type { ActorSystem } from '../actor/actor-system.ts';
import { type ActorContext, type Behaviour, isCleanExit } from '../actor/behaviour.ts';
import type { TimerHandle } from '../clock.ts';
import { formatReason, ThunderlineError } from '../errors.ts';
import { type DomainEventType, type TickEvent, topicOf } from '../events.ts';
import type { ChildSpec } from '../supervisor/spec.ts';
import { createSupervisor, type SupervisorRef } from '../supervisor/supervisor-ref.ts';
import { emitTelemetry } from '../telemetry/index.ts';
import type { DomainActivationMeta, DomainDefinition } from './define-domain.ts';
import { type DomainMachineState, domainMachine } from './domain-machine.ts';
import type { TickBus, TickDelivery, TickRound } from './tick-bus.ts';

/** What every domain of a runtime shares. */
export interface DomainDeps {
  readonly tickBus: TickBus;
  /** Default activation timeout, ms (a domain's own option wins). */
  readonly activationTimeoutMs: number;
  /** The runtime's current tick, for events outside a tick. */
  currentTick(): number;
  /**
   * Consulted on each tick while a domain is `waiting`; `false` keeps it waiting (its activation
   * timeout still running) until a later tick is allowed. Default: every activation is allowed.
   */
  readonly activationPolicy?: (domain: string, tick: number) => boolean;
}

/** Messages a domain actor handles. */
export type DomainMsg =
  | TickDelivery
  | { type: 'activation_timeout' }
  | { type: 'machine_error'; error: unknown }
  | { type: 'children_exited'; reason: unknown }
  | { type: 'inspect' };

/** A domain's live view, answered to `inspect`. */
export interface DomainSnapshot {
  domain: string;
  state: DomainMachineState;
  lastTick: number;
  activatedAt: number | undefined;
}

interface DomainState {
  system: ActorSystem;
  machine: Actor<typeof domainMachine>;
  lastTick: number;
  activatedAt: number | undefined;
  children: SupervisorRef | undefined;
  timeout: TimerHandle | undefined;
}

/** Publishes a domain lifecycle event on the runtime pubsub (and telemetry). */
export function publishDomainEvent(system: ActorSystem, type: DomainEventType, domain: string, tick: number, reason?: string): void {
  const event =
    reason === undefined ? { type, domain, tick, time: system.isoNow() } : { type, domain, tick, time: system.isoNow(), reason };
  emitTelemetry(type, event);
  system.pubsub.publish(topicOf(event), event);
}

function machineState(state: DomainState): DomainMachineState {
  return state.machine.getSnapshot().value as DomainMachineState;
}

function domainBehaviour(definition: DomainDefinition, deps: DomainDeps): Behaviour<DomainState, DomainMsg, undefined> {
  const { name } = definition;
  const timeoutMs = definition.activationTimeout ?? deps.activationTimeoutMs;
  // Rounds this domain has taken a tick of and not yet handled, oldest first from `openHead` (the
  // mailbox is FIFO); left on exit so tick() never hangs. A head index instead of `shift()` keeps
  // the steady tick free of array moves: the list empties (and resets) once per handled tick.
  const openRounds: TickRound[] = [];
  let openHead = 0;

  async function activate(state: DomainState, tick: number, event: TickEvent | undefined, ctx: ActorContext<DomainMsg>): Promise<void> {
    state.machine.send({ type: 'TICK', tick });
    ctx.system.clock.clearTimeout(state.timeout);
    state.timeout = undefined;
    try {
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
      if (definition.children.length > 0) await superviseChildren().started;
      const meta: DomainActivationMeta = {
        domain: name,
        event,
        get supervisor(): SupervisorRef {
          if (state.children) return state.children;
          if (!ctx.self.alive) throw new ThunderlineError('ERR_ACTOR_STOPPED', `domain "${name}" has exited; its supervisor is gone`);
          const created = superviseChildren();
          // With no children to start, the start cannot fail; an exit still reaches the link above.
          created.started.catch(() => undefined);
          return created.ref;
        },
        system: ctx.system,
        publish: (eventName, fields = {}) => {
          const custom = { ...fields, type: `custom:${name}.${eventName}` as const, time: ctx.system.isoNow() };
          ctx.system.pubsub.publish(topicOf(custom), custom);
        },
      };
      await definition.activate?.(tick, meta);
    } catch (error) {
      state.machine.send({ type: 'ACTIVATION_FAILED', reason: formatReason(error) });
      throw new ThunderlineError('ERR_ACTIVATION_FAILED', `domain "${name}": activate failed at tick ${tick}: ${formatReason(error)}`, {
        cause: error,
      });
    }
    state.machine.send({ type: 'ACTIVATED' });
    state.activatedAt = ctx.system.clock.wallNow();
    publishDomainEvent(ctx.system, 'domain_activated', name, tick);
  }

  function leaveRound(round: TickRound): void {
    openHead += 1;
    if (openHead === openRounds.length) {
      openRounds.length = 0;
      openHead = 0;
    }
    round.leave();
  }

  return {
    name,
    async init(_args, ctx) {
      const machine = createActor(domainMachine, { input: { name } });
      // XState rethrows unobserved errors in a timer; observing them turns them into a crash.
      machine.subscribe({ error: (error) => ctx.self.cast({ type: 'machine_error', error }) });
      machine.start();
      const state: DomainState = {
        system: ctx.system,
        machine,
        lastTick: 0,
        activatedAt: undefined,
        children: undefined,
        timeout: undefined,
      };
      const unsubscribe = deps.tickBus.subscribe({
        deliver(delivery) {
          delivery.round.join();
          openRounds.push(delivery.round);
          ctx.self.cast(delivery);
        },
      });
      ctx.self.onExit(() => {
        unsubscribe();
        ctx.system.clock.clearTimeout(state.timeout);
        const children = state.children;
        state.children = undefined;
        children?.kill('killed');
        machine.stop();
        const owed = openRounds.slice(openHead);
        openRounds.length = 0;
        openHead = 0;
        for (const round of owed) round.leave();
      });
      publishDomainEvent(ctx.system, 'domain_waiting', name, deps.currentTick());
      if (!definition.waitForTick) {
        // Active at start, as the seed's `wait_for_tick: false`: startRuntime resolves with the domain
        // active. A failed activation is still a crash after start (DESIGN §4), not a failed start.
        const tick = deps.currentTick();
        if (deps.activationPolicy?.(name, tick) ?? true) {
          try {
            await activate(state, tick, undefined, ctx);
          } catch (error) {
            ctx.self.cast({ type: 'machine_error', error });
          }
        }
      } else {
        state.timeout = ctx.system.clock.setTimeout(() => ctx.self.cast({ type: 'activation_timeout' }), timeoutMs);
      }
      return state;
    },
    // Synchronous except while activating: a tick to an active domain (every domain, every tick)
    // then costs no promise, which is most of the steady tick's overhead over a bare fan-out.
    handle(state, message, ctx) {
      switch (message.type) {
        case 'tick': {
          const { event, round } = message;
          const tick = event.tick;
          state.lastTick = Math.max(state.lastTick, tick);
          if (machineState(state) === 'waiting' && (deps.activationPolicy?.(name, tick) ?? true)) {
            return activate(state, tick, event, ctx).then(
              () => {
                leaveRound(round);
                return state;
              },
              (error: unknown) => {
                leaveRound(round);
                throw error;
              },
            );
          }
          leaveRound(round);
          return state;
        }
        case 'activation_timeout':
          if (machineState(state) !== 'waiting') return state;
          throw new ThunderlineError(
            'ERR_ACTIVATION_TIMEOUT',
            `domain "${name}": no tick arrived within ${timeoutMs} ms (activationTimeout)`,
          );
        case 'machine_error':
          throw message.error;
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
    async terminate(state, reason) {
      const wasActive = machineState(state) === 'active';
      state.machine.send({ type: 'STOP' });
      const children = state.children;
      state.children = undefined;
      await children?.stop(reason);
      if (wasActive) {
        try {
          await definition.deactivate?.(reason);
        } catch {
          // deactivate is cleanup: a failure must not keep the domain (and the shutdown) from finishing.
        }
        state.machine.send({ type: 'DEACTIVATED' });
      }
      if (isCleanExit(reason))
        publishDomainEvent(state.system, 'domain_deactivated', name, Math.max(state.lastTick, deps.currentTick()), formatReason(reason));
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
    async start({ system }) {
      starts += 1;
      if (starts > 1) publishDomainEvent(system, 'domain_restarting', definition.name, deps.currentTick());
      const ref: ActorRef<DomainMsg> = await spawnActor(system, behaviour, undefined, { name: definition.name });
      ref.onExit((signal) => {
        if (!isCleanExit(signal.reason)) {
          publishDomainEvent(system, 'domain_crashed', definition.name, deps.currentTick(), formatReason(signal.reason));
        }
      });
      return ref as ActorRef<never>;
    },
  };
}
