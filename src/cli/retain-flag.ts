/**
 * `--retain-history` of `thunderline start`: what the ledger's growing tables keep. A bare rule
 * is the audit log's (`domain_activation_history`); `<table>=<rule>` sets a domain-owned table's.
 *
 * @example
 * parseRetainHistory(['90d', 'cerebros_trials=2d'], ['cerebros_trials']);
 * // { history: '90d', tables: { cerebros_trials: '2d' } }
 */
import { formatRetentionRule, HISTORY_TABLE, parseRetentionRule, type RetainedTable } from '../store/retention.ts';
import { usageError } from './usage-error.ts';

/** Rules as given (each checked), by table. */
export interface RetainHistoryFlags {
  /** The audit log's rule, if given. */
  history: string | undefined;
  /** Domain-owned tables' rules, if given. */
  tables: Record<string, string>;
}

/** The help lines of `--retain-history`, with each table's default. */
export function retainHistoryHelp(tables: readonly RetainedTable[]): string {
  const defaults = [HISTORY_TABLE, ...tables].map((table) => `${table.table}=${formatRetentionRule(table.defaultRule)}`).join(', ');
  return `  --retain-history <rule>     what domain_activation_history keeps: all, <n>d (days) or <n>rows;
                              <table>=<rule> sets another table's (repeatable); defaults: ${defaults}`;
}

/**
 * Checks every `--retain-history` value; a bad rule or an unknown table is a usage error naming the
 * value and what is allowed.
 */
export function parseRetainHistory(values: readonly string[] | undefined, tables: readonly RetainedTable[]): RetainHistoryFlags {
  const flags: RetainHistoryFlags = { history: undefined, tables: {} };
  const known = [HISTORY_TABLE.table, ...tables.map((table) => table.table)];
  for (const value of values ?? []) {
    const equals = value.indexOf('=');
    const table = equals === -1 ? HISTORY_TABLE.table : value.slice(0, equals);
    const rule = equals === -1 ? value : value.slice(equals + 1);
    if (!known.includes(table)) {
      throw usageError(`--retain-history: unknown table ${JSON.stringify(table)} in ${JSON.stringify(value)}; tables: ${known.join(', ')}`);
    }
    try {
      parseRetentionRule(rule, '--retain-history');
    } catch (error) {
      throw usageError(error instanceof Error ? error.message : String(error));
    }
    if (table === HISTORY_TABLE.table) flags.history = rule;
    else flags.tables[table] = rule;
  }
  return flags;
}
