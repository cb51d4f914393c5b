/**
 * The event union: every event the runtime publishes on its pubsub, and (with `seq` added)
 * over the WebSocket stream. Events are JSON-safe objects discriminated on `type`.
 *
 * @example
 * runtime.subscribe('system:domain_activated', (event) => {
 *   if (event.type === 'domain_activated') console.log(event.domain, 'at tick', event.tick);
 * });
 */

/** A tick from the tick generator, on topic `system:domain_tick`. */
export interface TickEvent {
  type: 'tick';
  tick: number;
  /** ms since runtime start, monotonic */
  at: number;
  /** ISO wall clock */
  time: string;
  activeDomains: number;
  /** how late this tick fired against its fixed-origin deadline, ms */
  lateMs: number;
}

/** The domain lifecycle event types, one per registry status change. */
export type DomainEventType =
  | 'domain_waiting'
  | 'domain_activated'
  | 'domain_deactivated'
  | 'domain_crashed'
  | 'domain_restarting'
  | 'domain_failed';

/** A domain status change. */
export interface DomainEvent {
  type: DomainEventType;
  domain: string;
  tick: number;
  time: string;
  reason?: string;
  /** Cluster mode: the node the domain runs on, its shard, and the lease epoch it runs under. */
  node?: string;
  shard?: number;
  epoch?: number;
}

/** The supervisor event types. */
export type SupervisorEventType = 'child_started' | 'child_exited' | 'child_restarted' | 'supervisor_escalated';

/** A supervisor report (the shape of Erlang's supervisor reports). */
export interface SupervisorEvent {
  type: SupervisorEventType;
  supervisor: string;
  child: string;
  time: string;
  reason: string;
  /** restarts in the supervisor's intensity window after this event */
  restarts: number;
}

/** A message sent to an actor that has stopped. */
export interface DeadLetterEvent {
  type: 'dead_letter';
  actor: string;
  messageType: string;
  time: string;
  count: number;
}

/** A pubsub subscriber threw and was detached. */
export interface SubscriberFailedEvent {
  type: 'subscriber_failed';
  topic: string;
  reason: string;
  time: string;
}

/** What an {@link OperationFailedEvent} reports as failed. */
export type FailedOperation = 'terminate' | 'supervisor_start' | 'stop' | 'retention' | 'checkpoint';

/**
 * A failure with no caller to throw to, reported instead of swallowed: an actor's `terminate`
 * (a domain's `deactivate` runs in it) threw or rejected, a domain's supervisor (`meta.supervisor`)
 * failed to start, the runtime's stop failed to close the run, or a retention pass failed (`retention`).
 */
export interface OperationFailedEvent {
  type: 'operation_failed';
  operation: FailedOperation;
  /** The actor whose operation failed (its id, e.g. `billing#12`), or `runtime` for the stop. */
  actor: string;
  reason: string;
  time: string;
}

/** The cluster event types (cluster mode only; `docs/cluster.md`, "Events"). */
export type ClusterEventType =
  | 'member_joined'
  | 'member_left'
  | 'member_dead'
  | 'leader_changed'
  | 'shard_acquired'
  | 'shard_released'
  | 'shard_fenced'
  | 'tick_gap'
  | 'lease_storage_failed';

/**
 * A change of membership, leadership or shard ownership in cluster mode. `node` is the member the
 * event is about (the reporting node for shard events, the new leader for `leader_changed`).
 */
export interface ClusterEvent {
  type: ClusterEventType;
  node: string;
  time: string;
  /** `shard_*`: the shards concerned */
  shards?: number[];
  /** the lease epoch concerned (`shard_acquired`: per shard, in `shards` order) */
  epochs?: number[];
  /** `shard_fenced`, `lease_storage_failed`, `member_*`: why */
  reason?: string;
  /** `tick_gap`: how many deadlines passed with no tick (a leader was missing) */
  missedTicks?: number;
}

/** An event published by a domain's own code (any `type` not listed above). */
export interface CustomEvent {
  type: `custom:${string}`;
  time: string;
  [key: string]: unknown;
}

/** Every event the runtime publishes. */
export type ThunderlineEvent =
  | TickEvent
  | DomainEvent
  | SupervisorEvent
  | DeadLetterEvent
  | SubscriberFailedEvent
  | OperationFailedEvent
  | ClusterEvent
  | CustomEvent;

/** The pubsub topic that carries the tick. */
export const TICK_TOPIC = 'system:domain_tick';

/** The pubsub topic an event is published on: `system:domain_tick` for ticks, else `system:<type>`. */
export function topicOf(event: { type: string }): string {
  return event.type === 'tick' ? TICK_TOPIC : `system:${event.type}`;
}
