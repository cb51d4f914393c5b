/**
 * Shared helpers of the runtime, domain, actor and example tests: a fresh runtime per test on a
 * ManualClock with manual ticks, an event log, one bounded wait for a pubsub event, and readers of
 * the SQLite file a runtime writes.
 *
 * @example
 * const test = suite<RuntimeContext>('activation', emptyContext());
 * test.before.each(setUp);
 * test.after.each(tearDown);
 * test('activates on the first tick', async (context) => {
 *   const runtime = await boot(context, { domains: [billing] });
 *   await tick(runtime);
 * });
 */
import diagnostics from 'node:diagnostics_channel';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type Runtime, type RuntimeOptions, startRuntime } from '../../../index.ts';
import { ManualClock } from '../../../src/clock.ts';
import { ThunderlineError } from '../../../src/errors.ts';
import type { DomainEvent, DomainEventType, ThunderlineEvent } from '../../../src/events.ts';
import { within } from '../../support/within.ts';

/** The repository root, where `node --import tsx` finds tsx. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** How long a helper waits (real time) before it fails the test instead of hanging the run. */
export const GUARD_MS = 5000;

/** What every runtime test gets from `before.each`. */
export interface RuntimeContext {
  clock: ManualClock;
  /** The runtime `boot` started; `tearDown` stops it. */
  runtime: Runtime | undefined;
  /** Every event published after `boot` returned, in publish order. */
  events: ThunderlineEvent[];
  /** A temporary directory, made on first use by `tmpDb` and removed by `tearDown`. */
  dir: string | undefined;
}

/** The context's initial value; `setUp` fills it in. */
export function emptyContext(): RuntimeContext {
  return { clock: new ManualClock(), runtime: undefined, events: [], dir: undefined };
}

/** A fresh clock and event log; no runtime yet. */
export function setUp(context: RuntimeContext): void {
  context.clock = new ManualClock();
  context.runtime = undefined;
  context.events = [];
  context.dir = undefined;
}

/** Stops the test's runtime (bounded, so a stuck shutdown fails instead of hanging) and removes its files. */
export async function tearDown(context: RuntimeContext): Promise<void> {
  const { runtime, dir } = context;
  context.runtime = undefined;
  context.dir = undefined;
  try {
    if (runtime) await bounded(runtime.stop(), 'runtime.stop() in after.each');
  } finally {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Starts a runtime on the context's ManualClock with manual ticks and `:memory:` unless the
 * options say otherwise, and records every later event in `context.events`.
 */
export async function boot(context: RuntimeContext, options: RuntimeOptions = {}): Promise<Runtime> {
  const runtime = await startRuntime({ tickInterval: 'manual', database: ':memory:', clock: context.clock, ...options });
  context.runtime = runtime;
  runtime.subscribe('*', (event) => {
    context.events.push(event);
  });
  return runtime;
}

/** A database path in the test's temporary directory. */
export function tmpDb(context: RuntimeContext, name = 'thunderline.db'): string {
  context.dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'thunderline-runtime-'));
  return path.join(context.dir, name);
}

/** Rejects with a clear error if `promise` has not settled within {@link GUARD_MS} of real time. */
export function bounded<T>(promise: Promise<T>, what: string, ms = GUARD_MS): Promise<T> {
  return within(promise, what, ms);
}

/** `runtime.tick()`, bounded. */
export function tick(runtime: Runtime): Promise<number> {
  return bounded(runtime.tick(), 'runtime.tick()');
}

/**
 * Resolves with the first event published after the call that matches `predicate`. Subscribe
 * before triggering what publishes it. The real-time guard only fails a test that would hang;
 * it never paces a passing one.
 */
export function nextEvent<E extends ThunderlineEvent = ThunderlineEvent>(
  runtime: Runtime,
  predicate: (event: ThunderlineEvent) => boolean,
  what = 'event',
): Promise<E> {
  let off: () => void = () => undefined;
  const awaited = new Promise<E>((resolve) => {
    off = runtime.subscribe('*', (event) => {
      if (!predicate(event)) return;
      off();
      resolve(event as E);
    });
  });
  const result = bounded(awaited, `waiting for ${what}`).finally(off);
  // A test that fails before awaiting must not turn the guard into an unhandled rejection.
  result.catch(() => undefined);
  return result;
}

/**
 * Like {@link nextEvent}, but on the telemetry channel `thunderline:<name>`: usable before a
 * runtime exists, for what happens while `startRuntime` is still running.
 */
export function nextTelemetry<T = Record<string, unknown>>(name: string, predicate: (message: T) => boolean, what = name): Promise<T> {
  const channel = `thunderline:${name}`;
  let listener: (message: unknown) => void = () => undefined;
  const awaited = new Promise<T>((resolve) => {
    listener = (message) => {
      if (!predicate(message as T)) return;
      diagnostics.unsubscribe(channel, listener);
      resolve(message as T);
    };
    diagnostics.subscribe(channel, listener);
  });
  const result = bounded(awaited, `waiting for telemetry ${what}`).finally(() => diagnostics.unsubscribe(channel, listener));
  result.catch(() => undefined);
  return result;
}

/** `nextEvent` for a domain lifecycle event of `type` about `domain`. */
export function nextDomainEvent(runtime: Runtime, type: DomainEventType, domain: string): Promise<DomainEvent> {
  return nextEvent<DomainEvent>(
    runtime,
    (event) => event.type === type && (event as DomainEvent).domain === domain,
    `${type} of "${domain}"`,
  );
}

/** The domain lifecycle events of `context.events`, as `type:domain` strings. */
export function domainEvents(events: readonly ThunderlineEvent[], domain?: string): string[] {
  return events
    .filter(
      (event): event is DomainEvent =>
        event.type.startsWith('domain_') && (domain === undefined || (event as DomainEvent).domain === domain),
    )
    .map((event) => `${event.type}:${event.domain}`);
}

/** Returns the ThunderlineError `fn` throws or rejects with; fails on anything else. */
export async function rejection(fn: () => unknown): Promise<ThunderlineError> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof ThunderlineError) return error;
    throw new Error(`expected a ThunderlineError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a ThunderlineError, but nothing was thrown');
}

/** A history row as the tests compare it. */
export interface HistoryRowLite {
  domain: string;
  event: string;
  tick: number;
  reason: string | undefined;
  runId: string | null;
}

/** Opens the file with a separate connection (as another process would) and runs `fn` on it. */
export function withDb<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file, { fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** The activation history on disk, oldest first. */
export function diskHistory(file: string, domain?: string): HistoryRowLite[] {
  return withDb(file, (db) => {
    const rows = db
      .prepare<[], { domain_name: string; event: string; tick_count: number; metadata: string; run_id: string | null }>(
        'SELECT domain_name, event, tick_count, metadata, run_id FROM domain_activation_history ORDER BY id',
      )
      .all();
    return rows
      .filter((row) => domain === undefined || row.domain_name === domain)
      .map((row) => {
        const metadata = JSON.parse(row.metadata) as { reason?: string };
        return { domain: row.domain_name, event: row.event, tick: row.tick_count, reason: metadata.reason, runId: row.run_id };
      });
  });
}

/** `event:tick` strings of the disk history, oldest first: the compact form most tests assert. */
export function diskSteps(file: string, domain?: string): string[] {
  return diskHistory(file, domain).map((row) => `${row.event}@${row.tick}`);
}

/** A row of `active_domain_registry`, as stored. */
export interface DomainRowRaw {
  id: string;
  domain_name: string;
  status: string;
  tick_count: number;
  metadata: string;
  activated_at: number | null;
  updated_at: number;
  run_id: string | null;
}

/** The current row of `domain` on disk. */
export function diskDomain(file: string, domain: string): DomainRowRaw | undefined {
  return withDb(file, (db) => db.prepare<[string], DomainRowRaw>('SELECT * FROM active_domain_registry WHERE domain_name = ?').get(domain));
}

/** A row of `runtime_runs`, as stored. */
export interface RunRowRaw {
  run_id: string;
  started_at: number;
  stopped_at: number | null;
  stop_reason: string | null;
  tick_interval_ms: number | null;
  version: string;
}

/** The `runtime_runs` row of `runId`. */
export function diskRun(file: string, runId: string): RunRowRaw | undefined {
  return withDb(file, (db) => db.prepare<[string], RunRowRaw>('SELECT * FROM runtime_runs WHERE run_id = ?').get(runId));
}
