/**
 * The health monitor (`Thundergate.ServiceRegistry.HealthMonitor`; `docs/domains.md`): on each tick it
 * reads the registry and finds domains stuck in `waiting` for more than `stuckAfterTicks`
 * ticks, a tick later than `lateThresholdMs`, and crash loops (`crashLoop.crashes` crashes of
 * one domain within `crashLoop.windowTicks` ticks). Health is `ok` without findings, else
 * `degraded` with one reason each; a change of health is published as
 * `custom:thundergate.health`.
 *
 * @example
 * const ref = await spawnHealthMonitor(system, { registry: runtime.registry });
 * await ref.call<HealthReport>({ type: 'health' }); // { status: 'ok', reasons: [], ... }
 */
import type { ActorRef } from '../../src/actor/actor-ref.ts';
import { spawnActor } from '../../src/actor/actor-ref.ts';
import type { ActorSystem } from '../../src/actor/actor-system.ts';
import type { Behaviour } from '../../src/actor/behaviour.ts';
import { TICK_TOPIC, type TickEvent, topicOf } from '../../src/events.ts';
import type { RegistryView } from '../../src/runtime/registry-view.ts';

/** The event type of a health change. */
export const HEALTH = 'custom:thundergate.health';

/** Options of {@link spawnHealthMonitor}. */
export interface HealthMonitorOptions {
  /** The registry to read. */
  registry: RegistryView;
  /** A domain `waiting` for more than this many ticks is stuck; default 3. */
  stuckAfterTicks?: number;
  /** A tick later than this is late, ms; default 250. */
  lateThresholdMs?: number;
  /** A crash loop: at least `crashes` crashes within `windowTicks` ticks; default 3 in 10. */
  crashLoop?: { crashes?: number; windowTicks?: number };
}

/** Overall health. */
export type HealthStatus = 'ok' | 'degraded';

/** The monitor's latest finding. */
export interface HealthReport {
  status: HealthStatus;
  /** The tick evaluated, 0 before the first. */
  tick: number;
  /** One line per finding, empty when `ok`. */
  reasons: string[];
  stuck: string[];
  crashLoops: string[];
  /** How late the evaluated tick was, ms. */
  lateMs: number;
}

/** Messages of the health monitor. */
export type HealthMonitorMsg = { type: 'tick'; event: TickEvent } | { type: 'health' };

/** Evaluates the registry at `event`; pure, so it can be tested alone. */
export function evaluateHealth(options: HealthMonitorOptions, event: Pick<TickEvent, 'tick' | 'lateMs'>): HealthReport {
  const stuckAfter = options.stuckAfterTicks ?? 3;
  const lateThreshold = options.lateThresholdMs ?? 250;
  const crashes = options.crashLoop?.crashes ?? 3;
  const windowTicks = options.crashLoop?.windowTicks ?? 10;
  const reasons: string[] = [];
  const stuck: string[] = [];
  const crashLoops: string[] = [];
  for (const status of options.registry.statuses()) {
    if (status.status === 'waiting' && event.tick - status.tick > stuckAfter) {
      stuck.push(status.name);
      reasons.push(`${status.name} stuck in waiting for more than ${stuckAfter} ticks (since tick ${status.tick})`);
    }
    const recent = options.registry
      .history({ domain: status.name })
      .filter((entry) => entry.event === 'crashed' && entry.tick > event.tick - windowTicks).length;
    if (recent >= crashes) {
      crashLoops.push(status.name);
      reasons.push(`${status.name} crash loop: ${crashes} or more crashes within ${windowTicks} ticks`);
    }
  }
  if (event.lateMs > lateThreshold) reasons.push(`tick ${event.tick} late by ${event.lateMs} ms (threshold ${lateThreshold} ms)`);
  return { status: reasons.length === 0 ? 'ok' : 'degraded', tick: event.tick, reasons, stuck, crashLoops, lateMs: event.lateMs };
}

function healthBehaviour(options: HealthMonitorOptions): Behaviour<HealthReport, HealthMonitorMsg, undefined> {
  return {
    name: 'thundergate.health_monitor',
    init(_args, ctx) {
      const off = ctx.system.pubsub.subscribe(TICK_TOPIC, (event) => {
        if (event.type === 'tick') ctx.self.cast({ type: 'tick', event });
      });
      ctx.self.onExit(off);
      return { status: 'ok', tick: 0, reasons: [], stuck: [], crashLoops: [], lateMs: 0 };
    },
    handle(state, message, ctx) {
      switch (message.type) {
        case 'tick': {
          const report = evaluateHealth(options, message.event);
          // The first evaluation is always published, then only changes.
          if (state.tick === 0 || report.status !== state.status || report.reasons.join('\n') !== state.reasons.join('\n')) {
            const event = { type: HEALTH, time: ctx.system.isoNow(), ...report } as const;
            ctx.system.pubsub.publish(topicOf(event), event);
          }
          return report;
        }
        case 'health':
          ctx.reply(state);
          return state;
        default: {
          const unreachable: never = message;
          throw new Error(`thundergate.health_monitor: unknown message ${JSON.stringify(unreachable)}`);
        }
      }
    },
  };
}

/** Starts the health monitor. */
export function spawnHealthMonitor(system: ActorSystem, options: HealthMonitorOptions): Promise<ActorRef<HealthMonitorMsg>> {
  return spawnActor(system, healthBehaviour(options), undefined, { name: 'thundergate.health_monitor' });
}
