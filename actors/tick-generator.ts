/**
 * The tick generator (Thunderlink.TickGenerator; `docs/architecture.md`, "Tick flow"): emits tick 1, 2, 3, ... every
 * `interval` ms on `system:domain_tick` and offers each tick to every domain. Deadlines come from a
 * fixed origin on the runtime clock, so ticks never drift; a late tick carries `lateMs`, and
 * deadlines missed entirely are skipped and counted, never fired in a burst. With `maxTicks`, the
 * last tick is that one: no timer is set after it and a requested tick is refused.
 *
 * @example
 * const ticks = new TickCounter();
 * const ref = await spawnTickGenerator(system, { interval: 1000, tickBus, ticks, activeCount: () => 0, startedAtMs: 0 });
 * await ref.call({ type: 'current_tick' }); // 0
 */
import type { ActorRef } from '../src/actor/actor-ref.ts';
import { spawnActor } from '../src/actor/actor-ref.ts';
import type { ActorSystem } from '../src/actor/actor-system.ts';
import type { Behaviour } from '../src/actor/behaviour.ts';
import type { TimerHandle } from '../src/clock.ts';
import type { TickBus, TickRound } from '../src/domain/tick-bus.ts';
import { TICK_TOPIC, type TickEvent } from '../src/events.ts';
import type { ChildSpec } from '../src/supervisor/spec.ts';
import { emitTelemetry } from '../src/telemetry/index.ts';

/** The tick count and schedule origin; shared so a restarted generator carries on from them. */
export class TickCounter {
  tick = 0;
  /** Deadline index of the last emitted tick (ahead of `tick` when deadlines were skipped). */
  deadlineIndex = 0;
  /** Monotonic ms of deadline 0; set when the first generator starts. */
  originMs: number | undefined;
  /** Deadlines skipped because the generator was more than one interval late. */
  missedDeadlines = 0;
}

/** Options of {@link spawnTickGenerator}. */
export interface TickGeneratorOptions {
  /** ms between ticks, or `'manual'` for ticks only on request. */
  interval: number | 'manual';
  tickBus: TickBus;
  ticks: TickCounter;
  /** Active domains now, for the tick payload (from the registry). */
  activeCount(): number;
  /** Monotonic ms of runtime start; a tick's `at` is measured from it. */
  startedAtMs: number;
  /** The last tick to emit (`maxTicks`): none after it, timed or requested. Default none. */
  maxTicks?: number | undefined;
  /**
   * Count the first deadline from a `begin` message (or from `ticks.originMs`, once set) instead of
   * from the start: the application tree begins the ticks once every child has started, so no timed
   * tick reaches a half-started tree. Default false.
   */
  awaitBegin?: boolean;
}

/** Messages of the tick generator. */
export type TickGeneratorMsg =
  | { type: 'fire' }
  | { type: 'tick' }
  | { type: 'current_tick' }
  | { type: 'begin' }
  /** A tick numbered elsewhere (cluster mode's tick leader): emitted once, only if newer than the last. */
  | { type: 'deliver'; tick: number; lateMs: number };

/** What a requested tick answers: its number and the round tracking the domains' handling (`undefined` past `maxTicks`). */
export interface TickEmission {
  tick: number;
  round: TickRound;
}

/** The generator's state. */
export interface TickGeneratorState {
  timer: TimerHandle | undefined;
}

function emit(system: ActorSystem, options: TickGeneratorOptions, lateMs: number): TickEmission {
  const { ticks } = options;
  const began = system.clock.now();
  ticks.tick += 1;
  const event: TickEvent = {
    type: 'tick',
    tick: ticks.tick,
    at: Math.round((began - options.startedAtMs) * 1000) / 1000,
    time: system.isoNow(),
    activeDomains: options.activeCount(),
    lateMs: Math.round(lateMs * 1000) / 1000,
  };
  // Observers (registry, stream) first, so the registry knows the tick before domains act on it.
  system.pubsub.publish(TICK_TOPIC, event);
  const round = options.tickBus.publish(event);
  emitTelemetry('tick', {
    count: event.tick,
    latencyMs: system.clock.now() - began,
    activeDomains: event.activeDomains,
    lateMs: event.lateMs,
    missedDeadlines: ticks.missedDeadlines,
  });
  return { tick: event.tick, round };
}

/** True once the last tick (`maxTicks`) has been emitted. */
function exhausted(options: TickGeneratorOptions): boolean {
  return options.maxTicks !== undefined && options.ticks.tick >= options.maxTicks;
}

function schedule(system: ActorSystem, options: TickGeneratorOptions, self: ActorRef<TickGeneratorMsg>): TimerHandle | undefined {
  if (options.interval === 'manual' || exhausted(options)) return undefined;
  const { ticks, interval } = options;
  const dueMs = (ticks.originMs as number) + (ticks.deadlineIndex + 1) * interval;
  return system.clock.setTimeout(() => self.cast({ type: 'fire' }), dueMs - system.clock.now());
}

function tickGeneratorBehaviour(options: TickGeneratorOptions): Behaviour<TickGeneratorState, TickGeneratorMsg, undefined> {
  return {
    name: 'tick_generator',
    init(_args, ctx) {
      if (!options.awaitBegin) options.ticks.originMs ??= ctx.system.clock.now();
      // A restarted generator carries on with the schedule; a first one may wait for `begin`.
      const state: TickGeneratorState = {
        timer: options.ticks.originMs === undefined ? undefined : schedule(ctx.system, options, ctx.self),
      };
      // However the generator exits, no timer outlives it.
      ctx.self.onExit(() => ctx.system.clock.clearTimeout(state.timer));
      return state;
    },
    handle(state, message, ctx) {
      switch (message.type) {
        case 'fire': {
          if (options.interval === 'manual' || exhausted(options)) return state;
          const { ticks, interval } = options;
          const now = ctx.system.clock.now();
          const origin = ticks.originMs as number;
          // The deadline this tick answers: the latest one that has passed.
          const index = Math.max(ticks.deadlineIndex + 1, Math.floor((now - origin) / interval));
          ticks.missedDeadlines += index - (ticks.deadlineIndex + 1);
          ticks.deadlineIndex = index;
          emit(ctx.system, options, now - (origin + index * interval));
          state.timer = schedule(ctx.system, options, ctx.self);
          return state;
        }
        case 'tick':
          // Past `maxTicks` a request gets no tick: `undefined`, which `runtime.tick()` turns into an error.
          ctx.reply(exhausted(options) ? undefined : emit(ctx.system, options, 0));
          return state;
        case 'current_tick':
          ctx.reply(options.ticks.tick);
          return state;
        case 'deliver':
          // Each tick number is applied at most once, in increasing order: a repeat or an older
          // tick (a redelivery after a reconnect) is dropped.
          if (message.tick > options.ticks.tick && !exhausted(options)) {
            options.ticks.tick = message.tick - 1;
            emit(ctx.system, options, message.lateMs);
          }
          return state;
        case 'begin':
          options.ticks.originMs ??= ctx.system.clock.now();
          state.timer ??= schedule(ctx.system, options, ctx.self);
          return state;
        default: {
          const unreachable: never = message;
          throw new Error(`tick_generator: unknown message ${JSON.stringify(unreachable)}`);
        }
      }
    },
  };
}

/** Starts the tick generator. */
export function spawnTickGenerator(system: ActorSystem, options: TickGeneratorOptions): Promise<ActorRef<TickGeneratorMsg>> {
  return spawnActor(system, tickGeneratorBehaviour(options), undefined, { name: 'tick_generator' });
}

/** The generator's child spec (id `tick_generator`); `onStart` receives each new ref. */
export function tickGeneratorSpec(options: TickGeneratorOptions, onStart?: (ref: ActorRef<TickGeneratorMsg>) => void): ChildSpec {
  return {
    id: 'tick_generator',
    start: async ({ system }) => {
      const ref = await spawnTickGenerator(system, options);
      onStart?.(ref);
      return ref as ActorRef<never>;
    },
  };
}
