/**
 * The zone map (thundergrid, spatial zones; `docs/domains.md`): each domain is assigned a zone by a
 * stable hash of its name (FNV-1a mod `zones`), and on each tick the occupancy of every zone
 * is recomputed from the registry: its domains and how many of them are active.
 *
 * @example
 * zoneOf('thunderbolt', 4); // 0..3, the same on every run
 * const ref = await spawnZoneMap(system, { registry, zones: 4 });
 * await ref.call<ZoneOccupancy[]>({ type: 'occupancy' });
 */
import type { ActorRef } from '../../src/actor/actor-ref.ts';
import { spawnActor } from '../../src/actor/actor-ref.ts';
import type { ActorSystem } from '../../src/actor/actor-system.ts';
import type { Behaviour } from '../../src/actor/behaviour.ts';
import { TICK_TOPIC, topicOf } from '../../src/events.ts';
import type { RegistryView } from '../../src/runtime/registry-view.ts';

/** The event type of an occupancy change. */
export const OCCUPANCY = 'custom:thundergrid.occupancy';

/** Options of {@link spawnZoneMap}. */
export interface ZoneMapOptions {
  registry: RegistryView;
  /** Number of zones; default 4. */
  zones?: number;
}

/** One zone's occupancy. */
export interface ZoneOccupancy {
  zone: number;
  /** Every known domain assigned here, by name. */
  domains: string[];
  /** How many of them are active. */
  active: number;
}

/** Messages of the zone map. */
export type ZoneMapMsg = { type: 'tick'; tick: number } | { type: 'occupancy' };

/** The zone of `domain`: FNV-1a of its name, mod `zones`. */
export function zoneOf(domain: string, zones: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < domain.length; i += 1) {
    hash ^= domain.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % zones;
}

/** Occupancy of every zone, read from the registry now. */
export function computeOccupancy(registry: RegistryView, zones: number): ZoneOccupancy[] {
  const table = Array.from({ length: zones }, (_, zone): ZoneOccupancy => ({ zone, domains: [], active: 0 }));
  for (const status of [...registry.statuses()].sort((a, b) => a.name.localeCompare(b.name))) {
    const zone = table[zoneOf(status.name, zones)] as ZoneOccupancy;
    zone.domains.push(status.name);
    if (status.status === 'active') zone.active += 1;
  }
  return table;
}

function zoneMapBehaviour(options: ZoneMapOptions): Behaviour<ZoneOccupancy[], ZoneMapMsg, undefined> {
  const zones = options.zones ?? 4;
  return {
    name: 'thundergrid.zone_map',
    init(_args, ctx) {
      const off = ctx.system.pubsub.subscribe(TICK_TOPIC, (event) => {
        if (event.type === 'tick') ctx.self.cast({ type: 'tick', tick: event.tick });
      });
      ctx.self.onExit(off);
      return computeOccupancy(options.registry, zones);
    },
    handle(state, message, ctx) {
      switch (message.type) {
        case 'tick': {
          const next = computeOccupancy(options.registry, zones);
          if (JSON.stringify(next) !== JSON.stringify(state)) {
            const event = { type: OCCUPANCY, time: ctx.system.isoNow(), tick: message.tick, zones: next } as const;
            ctx.system.pubsub.publish(topicOf(event), event);
          }
          return next;
        }
        case 'occupancy':
          ctx.reply(computeOccupancy(options.registry, zones));
          return state;
        default: {
          const unreachable: never = message;
          throw new Error(`thundergrid.zone_map: unknown message ${JSON.stringify(unreachable)}`);
        }
      }
    },
  };
}

/** Starts the zone map. */
export function spawnZoneMap(system: ActorSystem, options: ZoneMapOptions): Promise<ActorRef<ZoneMapMsg>> {
  return spawnActor(system, zoneMapBehaviour(options), undefined, { name: 'thundergrid.zone_map' });
}
