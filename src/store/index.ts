/**
 * The durable registry store: the current status of every domain, the append-only
 * activation history and the runtime runs, in SQLite (`docs/api.md`, "runtime.registry").
 *
 * @example
 * import { openStore } from './store/index.ts';
 *
 * const store = openStore('./thunderline.db');
 * store.writeBatch([{ runId, domain: 'billing', event: 'waiting', status: 'waiting', tick: 0, occurredAt: Date.now() }]);
 * store.readHistory({ domain: 'billing', limit: 10 }); // newest first
 * store.close();
 */

export { DatabaseLockedError, type LockHolder } from './lock.ts';
export { MEMORY_PATH, type OpenStoreOptions, openStore } from './open-store.ts';
export {
  type DomainRow,
  type HistoryQuery,
  type HistoryRow,
  MAX_DOMAIN_NAME_LENGTH,
  type RegistryStore,
  type RunRow,
  type RunStart,
  type StatusChange,
  type StoreMetadata,
} from './registry-store.ts';
export { DOMAIN_STATUSES, type DomainStatusName, HISTORY_EVENTS, type HistoryEvent } from './status-names.ts';
