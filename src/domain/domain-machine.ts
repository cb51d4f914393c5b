/**
 * The XState v5 machine each domain owns: `waiting` → (first tick) → `activating` → `active` →
 * `deactivating` → `stopped`, and `failed` when activation fails. The machine only sees events
 * that can change its state; later ticks update the domain's last tick without touching it.
 *
 * @example
 * const actor = createActor(domainMachine, { input: { name: 'billing' } }).start();
 * actor.send({ type: 'TICK', tick: 1 });
 * actor.getSnapshot().value; // 'activating'
 */
import { assign, setup } from 'xstate';

/** What the machine remembers. */
export interface DomainMachineContext {
  name: string;
  activatedTick: number | undefined;
  failure: string | undefined;
}

/** Events the domain actor sends its machine. */
export type DomainMachineEvent =
  | { type: 'TICK'; tick: number }
  | { type: 'ACTIVATED' }
  | { type: 'ACTIVATION_FAILED'; reason: string }
  | { type: 'STOP' }
  | { type: 'DEACTIVATED' };

/** The machine's state names. */
export type DomainMachineState = 'waiting' | 'activating' | 'active' | 'deactivating' | 'stopped' | 'failed';

/** The domain lifecycle machine. */
export const domainMachine = setup({
  types: {
    context: {} as DomainMachineContext,
    events: {} as DomainMachineEvent,
    input: {} as { name: string },
  },
}).createMachine({
  id: 'domain',
  initial: 'waiting',
  context: ({ input }) => ({ name: input.name, activatedTick: undefined, failure: undefined }),
  states: {
    waiting: {
      on: {
        TICK: { target: 'activating', actions: assign({ activatedTick: ({ event }) => event.tick }) },
        STOP: 'stopped',
      },
    },
    activating: {
      on: {
        ACTIVATED: 'active',
        ACTIVATION_FAILED: { target: 'failed', actions: assign({ failure: ({ event }) => event.reason }) },
      },
    },
    active: { on: { STOP: 'deactivating' } },
    deactivating: { on: { DEACTIVATED: 'stopped' } },
    stopped: { type: 'final' },
    failed: { type: 'final' },
  },
});
