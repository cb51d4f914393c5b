/**
 * Domains: long-lived actors that each own an XState machine, wait for the first tick, then
 * activate. See `defineDomain` and `domainChildSpec`.
 *
 * @example
 * const billing = defineDomain({ name: 'billing', async activate(tick) { console.log('active at', tick); } });
 */
export { type DomainActivationMeta, type DomainDefinition, type DomainOptions, defineDomain } from './define-domain.ts';
export {
  DEFAULT_ACTIVATE_TIMEOUT_MS,
  type DomainChildSpecOptions,
  type DomainDeps,
  type DomainMsg,
  type DomainSnapshot,
  domainChildSpec,
  publishDomainEvent,
} from './domain-actor.ts';
export {
  type DomainMachineContext,
  type DomainMachineEvent,
  type DomainMachineSnapshot,
  type DomainMachineState,
  domainMachine,
  initialDomainSnapshot,
  stepDomainMachine,
} from './domain-machine.ts';
export type { BarsView, DagView, DomainPanel, FactsView, GridView, PanelView, SeriesView, TableView } from './domain-panel.ts';
export { TickBus, type TickReceiver, TickRound } from './tick-bus.ts';
export { type TrackedChild, trackedChild } from './tracked-child.ts';
