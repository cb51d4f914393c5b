/**
 * The XState v5 machine each domain owns: `waiting` → (first tick) → `activating` → `active` →
 * `deactivating` → `stopped`, and `failed` when activation fails. A domain keeps its machine as
 * a snapshot and steps it with XState's pure `transition` ({@link stepDomainMachine}), not as a
 * started XState actor: the machine's state is plain, immutable data, so domains in the same
 * state share one snapshot object, and a domain costs a pointer instead of an actor
 * (docs/architecture.md, "The domain's machine").
 *
 * @example
 * let snapshot = initialDomainSnapshot;
 * snapshot = stepDomainMachine(snapshot, { type: 'TICK', tick: 1 });
 * snapshot.value; // 'activating'
 */
import { assign, getInitialSnapshot, type SnapshotFrom, setup, transition } from 'xstate';

/** What the machine remembers. */
export interface DomainMachineContext {
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
  },
}).createMachine({
  id: 'domain',
  initial: 'waiting',
  context: { activatedTick: undefined, failure: undefined },
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
        STOP: 'stopped',
      },
    },
    active: { on: { STOP: 'deactivating' } },
    deactivating: { on: { DEACTIVATED: 'stopped' } },
    stopped: { type: 'final' },
    failed: { type: 'final' },
  },
});

/** A state of the domain machine (an XState machine snapshot). */
export type DomainMachineSnapshot = SnapshotFrom<typeof domainMachine>;

/** Every domain starts here: one shared snapshot. */
export const initialDomainSnapshot: DomainMachineSnapshot = getInitialSnapshot(domainMachine);

/** Cached steps from each snapshot, by event key; bounded so a long run keeps few. */
const steps = new WeakMap<DomainMachineSnapshot, Map<string, DomainMachineSnapshot>>();
const STEPS_PER_SNAPSHOT = 16;

/** The last TICK key built: every domain activating on one tick steps with the same key. */
let tickKey = { tick: Number.NaN, key: '' };

function stepKey(event: DomainMachineEvent): string | undefined {
  switch (event.type) {
    case 'TICK':
      if (event.tick !== tickKey.tick) tickKey = { tick: event.tick, key: `TICK:${event.tick}` };
      return tickKey.key;
    case 'ACTIVATION_FAILED':
      return undefined; // carries a reason of its own: never shared
    default:
      return event.type;
  }
}

/**
 * The machine's next snapshot for `event`, from XState's pure `transition`. The machine has no
 * side effects (its only actions are `assign`s, applied in the snapshot), so a step is a pure
 * function of (snapshot, event) and equal steps are computed once and shared.
 */
export function stepDomainMachine(snapshot: DomainMachineSnapshot, event: DomainMachineEvent): DomainMachineSnapshot {
  const key = stepKey(event);
  let known = key === undefined ? undefined : steps.get(snapshot);
  const cached = key === undefined ? undefined : known?.get(key);
  if (cached) return cached;
  const [next] = transition(domainMachine, snapshot, event);
  if (key !== undefined) {
    if (!known) {
      known = new Map();
      steps.set(snapshot, known);
    }
    if (known.size >= STEPS_PER_SNAPSHOT) known.delete(known.keys().next().value as string);
    known.set(key, next);
  }
  return next;
}
