/**
 * The status and history-event vocabularies of the registry store, as runtime lists and unions.
 *
 * @example
 * import { DOMAIN_STATUSES, type DomainStatusName } from './status-names.ts';
 *
 * const status: DomainStatusName = 'active';
 * DOMAIN_STATUSES.includes(status); // true
 */

import type { DomainEventType } from '../events.ts';

/** Every status a domain can have, in lifecycle order (`docs/api.md`, "runtime.registry"). */
export const DOMAIN_STATUSES = ['waiting', 'active', 'inactive', 'crashed', 'restarting', 'failed'] as const;

/** A domain's current status, as stored in `active_domain_registry.status`. */
export type DomainStatusName = (typeof DOMAIN_STATUSES)[number];

/** Every event an activation-history row can record (`docs/api.md`, "runtime.registry"). */
export const HISTORY_EVENTS = ['waiting', 'activated', 'deactivated', 'crashed', 'restarting', 'failed'] as const;

/** One status change, as stored in `domain_activation_history.event`. */
export type HistoryEvent = (typeof HISTORY_EVENTS)[number];

/** The status a domain has after each history event (`activated` → `active`, ...). */
export const STATUS_AFTER: Readonly<Record<HistoryEvent, DomainStatusName>> = {
  waiting: 'waiting',
  activated: 'active',
  deactivated: 'inactive',
  crashed: 'crashed',
  restarting: 'restarting',
  failed: 'failed',
};

/** The history event each domain event is recorded as (`domain_activated` → `activated`, ...). */
export const HISTORY_EVENT_OF: Readonly<Record<DomainEventType, HistoryEvent>> = {
  domain_waiting: 'waiting',
  domain_activated: 'activated',
  domain_deactivated: 'deactivated',
  domain_crashed: 'crashed',
  domain_restarting: 'restarting',
  domain_failed: 'failed',
};
