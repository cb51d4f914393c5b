/**
 * The tick system tree: the domain registry first, then the tick generator, under rest_for_one —
 * a registry restart also restarts the generator that reads it (`docs/architecture.md`, "The
 * supervision tree"). The registry follows the generator's tick bus, to write each round once it
 * completes.
 *
 * @example
 * const spec = tickSystemTree({ table, generator: { interval: 1000, tickBus, ticks, activeCount, startedAtMs } });
 */
import { type DomainRegistryTable, domainRegistrySpec } from '../actors/domain-registry.ts';
import { type TickGeneratorMsg, type TickGeneratorOptions, tickGeneratorSpec } from '../actors/tick-generator.ts';
import type { ActorRef } from '../src/actor/actor-ref.ts';
import type { ChildSpec } from '../src/supervisor/spec.ts';
import { supervisorSpec } from '../src/supervisor/supervisor-ref.ts';

/** What the tick system needs. */
export interface TickSystemOptions {
  table: DomainRegistryTable;
  generator: TickGeneratorOptions;
  /** Receives the generator's ref after each (re)start. */
  onGenerator?: (ref: ActorRef<TickGeneratorMsg>) => void;
}

/** The `tick_system` supervisor spec. */
export function tickSystemTree(options: TickSystemOptions): ChildSpec {
  return supervisorSpec('tick_system', {
    strategy: 'rest_for_one',
    children: [domainRegistrySpec(options.table, options.generator.tickBus), tickGeneratorSpec(options.generator, options.onGenerator)],
  });
}
