/**
 * One readable line per event, shared by `thunderline watch` (every event, with its `seq`) and
 * `thunderline start`'s log (lifecycle events, no `seq`).
 *
 * @example
 * formatEvent({ type: 'domain_activated', domain: 'billing', tick: 1, time: '2026-01-01T00:00:00.000Z' });
 * // '2026-01-01T00:00:00.000Z  domain_activated billing  tick=1'
 */
import type { ThunderlineEvent } from '../events.ts';

/** One readable line per event: time, seq, type, then the fields that matter for its kind. */
export function formatEvent(event: ThunderlineEvent & { seq?: number }): string {
  const head = event.seq === undefined ? `${event.time}  ${event.type}` : `${event.time}  #${event.seq}  ${event.type}`;
  switch (event.type) {
    case 'tick':
      return `${head} ${event.tick}  active=${event.activeDomains} late=${event.lateMs}ms`;
    case 'domain_waiting':
    case 'domain_activated':
    case 'domain_deactivated':
    case 'domain_crashed':
    case 'domain_restarting':
    case 'domain_failed':
      return `${head} ${event.domain}  tick=${event.tick}${event.reason ? `  reason: ${event.reason}` : ''}`;
    case 'child_started':
    case 'child_exited':
    case 'child_restarted':
    case 'supervisor_escalated':
      return `${head} ${event.supervisor}/${event.child}  restarts=${event.restarts}${event.reason ? `  reason: ${event.reason}` : ''}`;
    case 'dead_letter':
      return `${head} ${event.actor}  message=${event.messageType} count=${event.count}`;
    case 'subscriber_failed':
      return `${head} ${event.topic}  reason: ${event.reason}`;
    case 'operation_failed':
      return `${head} ${event.actor}  ${event.operation}  reason: ${event.reason}`;
    case 'member_joined':
    case 'member_left':
    case 'member_dead':
    case 'leader_changed':
    case 'shard_acquired':
    case 'shard_released':
    case 'shard_fenced':
    case 'tick_gap':
    case 'lease_storage_failed': {
      const shards = event.shards
        ? `  shards=${event.shards.length > 8 ? `${event.shards.slice(0, 8).join(',')},… (${event.shards.length})` : event.shards.join(',')}`
        : '';
      const epochs = event.epochs && event.epochs.length === 1 ? `  epoch=${event.epochs[0]}` : '';
      const missed = event.missedTicks === undefined ? '' : `  missed=${event.missedTicks}`;
      return `${head} node=${event.node}${shards}${epochs}${missed}${event.reason ? `  reason: ${event.reason}` : ''}`;
    }
    default: {
      const {
        seq: _seq,
        type: _type,
        time: _time,
        ...rest
      } = event as { seq?: number; type: string; time: string } & Record<string, unknown>;
      const text = JSON.stringify(rest);
      return `${head} ${text.length > 200 ? `${text.slice(0, 197)}...` : text}`;
    }
  }
}
