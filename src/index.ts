/**
 * The Thunderline kernel: actors, supervisors, domains, pubsub, clock, store types and the
 * runtime handle. It knows nothing of the actors and trees built on it; the package entry
 * (`index.ts` at the root) adds `startRuntime`, the composition root in `supervisors/runtime.ts`.
 *
 * @example
 * import { startRuntime, defineDomain } from 'thunderline';
 * const billing = defineDomain({ name: 'billing', async activate(tick) {} });
 * const runtime = await startRuntime({ domains: [billing], tickInterval: 'manual', database: ':memory:' });
 * await runtime.tick();
 * await runtime.stop();
 * @module
 */

export * from './actor/index.ts';
export { type Clock, ManualClock, SystemClock, systemClock, type TimerHandle } from './clock.ts';
export * from './domain/index.ts';
export { type ErrorCode, formatReason, hasCode, ThunderlineError } from './errors.ts';
export * from './events.ts';
export { ALL_TOPICS, type Listener, PubSub } from './pubsub/index.ts';
export * from './registry/index.ts';
export { RUNTIME_DEFAULTS, type RuntimeOptions, type ServerOptions, validateRuntimeOptions } from './runtime/options.ts';
export type { DomainStatus, HistoryEntry, HistoryOptions, RegistryView } from './runtime/registry-view.ts';
export { Runtime, type RuntimeExit } from './runtime/runtime.ts';
export type { EventServerOptions, HelloFrame, SequencedEvent, ServerFrame } from './server/index.ts';
export {
  DatabaseLockedError,
  type DomainRow,
  type DomainStatusName,
  type HistoryEvent,
  type HistoryRow,
  type LockHolder,
  type RunRow,
} from './store/index.ts';
export * from './supervisor/index.ts';
export { emitTelemetry, telemetryChannel } from './telemetry/index.ts';
export { VERSION } from './version.ts';
