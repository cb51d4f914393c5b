/**
 * The event buffer (`Thunderflow.EventBuffer`; `docs/domains.md`): a bounded ring of the latest events
 * on the runtime pubsub, each stamped with a `seq` and a correlation id — the event's own
 * `correlationId` when it carries one, else a new UUID.
 *
 * @example
 * const ref = await spawnEventBuffer(system, { capacity: 1000 });
 * await ref.call<BufferedEvent[]>({ type: 'latest', limit: 10 });
 * await ref.call<BufferedEvent[]>({ type: 'since', seq: 42 });
 */
import { randomUUID } from 'node:crypto';
import type { ActorRef } from '../../src/actor/actor-ref.ts';
import { spawnActor } from '../../src/actor/actor-ref.ts';
import type { ActorSystem } from '../../src/actor/actor-system.ts';
import type { Behaviour } from '../../src/actor/behaviour.ts';
import type { ThunderlineEvent } from '../../src/events.ts';
import { ALL_TOPICS } from '../../src/pubsub/index.ts';

/** Options of {@link spawnEventBuffer}. */
export interface EventBufferOptions {
  /** Events kept; default 1000. */
  capacity?: number;
}

/** One buffered event. */
export interface BufferedEvent {
  /** 1, 2, 3, ... in arrival order, never reused. */
  seq: number;
  correlationId: string;
  topic: string;
  event: ThunderlineEvent;
}

/** Messages of the event buffer. */
export type EventBufferMsg =
  | { type: 'record'; topic: string; event: ThunderlineEvent }
  | { type: 'latest'; limit?: number }
  | { type: 'since'; seq: number }
  | { type: 'stats' };

/** What `stats` answers. */
export interface EventBufferStats {
  capacity: number;
  size: number;
  /** The last seq given out. */
  lastSeq: number;
  /** Events pushed out of the ring. */
  dropped: number;
}

interface EventBufferState {
  capacity: number;
  /** The ring, oldest first once full: `ring[(start + i) % capacity]`. */
  ring: BufferedEvent[];
  start: number;
  lastSeq: number;
}

function ordered(state: EventBufferState): BufferedEvent[] {
  return [...state.ring.slice(state.start), ...state.ring.slice(0, state.start)];
}

function eventBufferBehaviour(options: EventBufferOptions): Behaviour<EventBufferState, EventBufferMsg, undefined> {
  const capacity = options.capacity ?? 1000;
  return {
    name: 'thunderflow.event_buffer',
    init(_args, ctx) {
      const off = ctx.system.pubsub.subscribe(ALL_TOPICS, (event, topic) => ctx.self.cast({ type: 'record', topic, event }));
      ctx.self.onExit(off);
      return { capacity, ring: [], start: 0, lastSeq: 0 };
    },
    handle(state, message, ctx) {
      switch (message.type) {
        case 'record': {
          const own = (message.event as { correlationId?: unknown }).correlationId;
          state.lastSeq += 1;
          const entry = {
            seq: state.lastSeq,
            correlationId: typeof own === 'string' ? own : randomUUID(),
            topic: message.topic,
            event: message.event,
          };
          if (state.ring.length < state.capacity) state.ring.push(entry);
          else {
            state.ring[state.start] = entry;
            state.start = (state.start + 1) % state.capacity;
          }
          return state;
        }
        case 'latest': {
          const all = ordered(state);
          ctx.reply(all.slice(Math.max(0, all.length - (message.limit ?? all.length))));
          return state;
        }
        case 'since':
          ctx.reply(ordered(state).filter((entry) => entry.seq > message.seq));
          return state;
        case 'stats':
          ctx.reply({
            capacity: state.capacity,
            size: state.ring.length,
            lastSeq: state.lastSeq,
            dropped: state.lastSeq - state.ring.length,
          } satisfies EventBufferStats);
          return state;
        default: {
          const unreachable: never = message;
          throw new Error(`thunderflow.event_buffer: unknown message ${JSON.stringify(unreachable)}`);
        }
      }
    },
  };
}

/** Starts the event buffer. */
export function spawnEventBuffer(system: ActorSystem, options: EventBufferOptions = {}): Promise<ActorRef<EventBufferMsg>> {
  return spawnActor(system, eventBufferBehaviour(options), undefined, { name: 'thunderflow.event_buffer' });
}
