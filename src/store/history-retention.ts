/**
 * Retention of the audit log, `domain_activation_history`, while a runtime runs: a
 * pruner (`pruner.ts`) on a connection of its own to the runtime's file (the store's own connection for
 * `:memory:`), started once the tree is up and stopped before the store closes.
 *
 * @example
 * const stop = startHistoryRetention({ store, rule: parseRetentionRule('30d', 'retainHistory'), clock, runId });
 * // ...
 * stop();
 *
 * @internal Used by the composition root (`supervisors/runtime.ts`).
 */

import type Database from 'better-sqlite3';
import type { Clock } from '../clock.ts';
import { MEMORY_PATH, openWriteConnection } from './connection.ts';
import { startRetention } from './pruner.ts';
import type { RegistryStore } from './registry-store.ts';
import { HISTORY_TABLE, type RetentionRule } from './retention.ts';
import { SqliteRegistryStore } from './sqlite-store.ts';

/** Options of {@link startHistoryRetention}. */
export interface HistoryRetentionOptions {
  store: RegistryStore;
  rule: RetentionRule;
  clock: Clock;
  runId: string;
  /** ms between passes; default the pruner's (10000). */
  intervalMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * Starts pruning the history by `rule`; returns the function that stops it (and closes the
 * connection it opened). A `keep: 'all'` rule, or a store that is not SQLite, starts nothing.
 */
export function startHistoryRetention(options: HistoryRetentionOptions): () => void {
  const { store, rule } = options;
  if (rule.keep === 'all' || !(store instanceof SqliteRegistryStore)) return () => {};
  // Its own connection, without the lock the store holds: the same process, so never a busy answer.
  const own = store.path !== MEMORY_PATH;
  const db: Database.Database = own ? openWriteConnection(store.path, { lock: false }).db : store.connection;
  const stop = startRetention(db, HISTORY_TABLE, options);
  return () => {
    stop();
    // A plain close: the store's connection checkpoints when it closes.
    if (own && db.open) db.close();
  };
}
