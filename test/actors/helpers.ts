/**
 * Shared helpers of the domain tests: a manual-tick runtime on a ManualClock and `:memory:`,
 * an event log, and `ticks(n)`.
 *
 * @example
 * const runtime = await manualRuntime([thunderboltDomain()]);
 * await ticks(runtime, 3);
 */

import { startRuntime } from '../../index.ts';
import { ManualClock } from '../../src/clock.ts';
import type { DomainDefinition } from '../../src/domain/define-domain.ts';
import type { ThunderlineEvent } from '../../src/events.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';

/** Starts a runtime with `domains`, manual ticks, a ManualClock and an in-memory database. */
export function manualRuntime(domains: DomainDefinition[]): Promise<Runtime> {
  return startRuntime({ tickInterval: 'manual', database: ':memory:', clock: new ManualClock(), domains });
}

/** Emits `n` ticks, one after the other. */
export async function ticks(runtime: Runtime, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) await runtime.tick();
}

/** Records every event of `runtime` in publish order. */
export function recordEvents(runtime: Runtime): ThunderlineEvent[] {
  const events: ThunderlineEvent[] = [];
  runtime.subscribe('*', (event) => events.push(event));
  return events;
}
