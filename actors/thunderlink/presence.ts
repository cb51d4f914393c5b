/**
 * Node presence (Thunderlink's node registry and heartbeat; `docs/domains.md`): this node's id, start
 * time, uptime and the ticks it has seen, counted from `system:domain_tick`.
 *
 * @example
 * const ref = await spawnPresence(system, { nodeId: 'node-a' });
 * await ref.call<PresenceSnapshot>({ type: 'presence' }); // { nodeId: 'node-a', ticksSeen: 0, ... }
 */
import { hostname } from 'node:os';
import type { ActorRef } from '../../src/actor/actor-ref.ts';
import { spawnActor } from '../../src/actor/actor-ref.ts';
import type { ActorSystem } from '../../src/actor/actor-system.ts';
import type { Behaviour } from '../../src/actor/behaviour.ts';
import { TICK_TOPIC } from '../../src/events.ts';

/** Options of {@link spawnPresence}. */
export interface PresenceOptions {
  /** This node's id; default `<hostname>:<pid>`. */
  nodeId?: string;
}

/** Messages of the presence actor. */
export type PresenceMsg = { type: 'tick'; tick: number } | { type: 'presence' };

/** What the presence query answers. */
export interface PresenceSnapshot {
  nodeId: string;
  /** Wall ms when presence started (the domain's activation). */
  startedAt: number;
  /** Monotonic ms since then. */
  uptimeMs: number;
  /** Ticks seen since activation. */
  ticksSeen: number;
  /** The latest tick seen, 0 before the first. */
  lastTick: number;
}

interface PresenceState {
  nodeId: string;
  startedAt: number;
  startedAtMs: number;
  ticksSeen: number;
  lastTick: number;
}

function presenceBehaviour(options: PresenceOptions): Behaviour<PresenceState, PresenceMsg, undefined> {
  return {
    name: 'thunderlink.presence',
    init(_args, ctx) {
      const off = ctx.system.pubsub.subscribe(TICK_TOPIC, (event) => {
        if (event.type === 'tick') ctx.self.cast({ type: 'tick', tick: event.tick });
      });
      ctx.self.onExit(off);
      return {
        nodeId: options.nodeId ?? `${hostname()}:${process.pid}`,
        startedAt: ctx.system.clock.wallNow(),
        startedAtMs: ctx.system.clock.now(),
        ticksSeen: 0,
        lastTick: 0,
      };
    },
    handle(state, message, ctx) {
      switch (message.type) {
        case 'tick':
          state.ticksSeen += 1;
          state.lastTick = message.tick;
          return state;
        case 'presence':
          ctx.reply({
            nodeId: state.nodeId,
            startedAt: state.startedAt,
            uptimeMs: ctx.system.clock.now() - state.startedAtMs,
            ticksSeen: state.ticksSeen,
            lastTick: state.lastTick,
          } satisfies PresenceSnapshot);
          return state;
        default: {
          const unreachable: never = message;
          throw new Error(`thunderlink.presence: unknown message ${JSON.stringify(unreachable)}`);
        }
      }
    },
  };
}

/** Starts the presence actor. */
export function spawnPresence(system: ActorSystem, options: PresenceOptions = {}): Promise<ActorRef<PresenceMsg>> {
  return spawnActor(system, presenceBehaviour(options), undefined, { name: 'thunderlink.presence' });
}
