/**
 * Thunderflow, event processing (`Thunderflow.EventBuffer`; `docs/domains.md`): its event buffer
 * keeps the latest events with correlation ids, for the dashboard to read.
 *
 * @example
 * const thunderflow = thunderflowDomain({ capacity: 1000 });
 * const runtime = await startRuntime({ domains: [thunderflow], tickInterval: 'manual', database: ':memory:' });
 * await runtime.tick(); await runtime.tick();
 * await thunderflow.latest(5); // [{ seq, correlationId, topic, event }, ...]
 */
import type { ActorRef } from '../../src/actor/actor-ref.ts';
import { type DomainDefinition, defineDomain } from '../../src/domain/define-domain.ts';
import { trackedChild } from '../../src/domain/tracked-child.ts';
import { describeValue, ThunderlineError } from '../../src/errors.ts';
import {
  type BufferedEvent,
  type EventBufferMsg,
  type EventBufferOptions,
  type EventBufferStats,
  spawnEventBuffer,
} from './event-buffer.ts';
import { bufferPanel } from './panel.ts';

export type { BufferedEvent, EventBufferOptions, EventBufferStats } from './event-buffer.ts';

/** The thunderflow domain, with queries of its event buffer. */
export interface ThunderflowDomain extends DomainDefinition {
  /** The latest `limit` events (all by default), oldest first. */
  latest(limit?: number): Promise<BufferedEvent[]>;
  /** The buffered events after `seq`, oldest first. */
  since(seq: number): Promise<BufferedEvent[]>;
  stats(): Promise<EventBufferStats>;
}

/**
 * Defines the thunderflow domain.
 * @param options `capacity`, default 1000
 * @throws ThunderlineError `ERR_INVALID_OPTION` when `capacity` is not an integer >= 1
 */
export function thunderflowDomain(options: EventBufferOptions = {}): ThunderflowDomain {
  if (options.capacity !== undefined && !(Number.isInteger(options.capacity) && options.capacity >= 1)) {
    throw new ThunderlineError(
      'ERR_INVALID_OPTION',
      `thunderflow: capacity must be an integer >= 1, got ${describeValue(options.capacity)}`,
    );
  }
  const buffer = trackedChild<EventBufferMsg>('thunderflow', 'event_buffer', 'the event buffer', ({ system }) =>
    spawnEventBuffer(system, options),
  );
  const definition = defineDomain({
    name: 'thunderflow',
    children: [buffer.spec],
    inspect: async () => {
      const ref = buffer.running();
      return bufferPanel(
        await ref.call<EventBufferStats>({ type: 'stats' }),
        await ref.call<BufferedEvent[]>({ type: 'latest', limit: 8 }),
      );
    },
  });
  const running = (): ActorRef<EventBufferMsg> => buffer.running();
  return {
    ...definition,
    latest: async (limit) => running().call<BufferedEvent[]>(limit === undefined ? { type: 'latest' } : { type: 'latest', limit }),
    since: async (seq) => running().call<BufferedEvent[]>({ type: 'since', seq }),
    stats: async () => running().call<EventBufferStats>({ type: 'stats' }),
  };
}
