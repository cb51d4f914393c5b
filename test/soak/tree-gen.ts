/**
 * The trees the soak runs, and the gates that hold their callbacks: a generated tree of 100 to
 * 10,000 domains (`defineDomain`, some with children, activate/deactivate through the gates), or
 * the Thunderline application tree (`supervisors/thunderline.ts`, as `thunderline start` builds
 * it) with every domain's activate, deactivate and child starts wrapped in the same gates.
 *
 * A hold catches the next call of one callback (`activate:<domain>`, `deactivate:<domain>`,
 * `start:<domain>/<child>`): the call signals `entered` and waits until the harness opens the
 * gate. Everything a held activate does after its gate (a `meta.publish('late')`) is what a dead
 * incarnation must not be able to do.
 */
import fc from 'fast-check';
import {
  type ActorRef,
  type Behaviour,
  type ChildSpec,
  type DomainActivationMeta,
  type DomainDefinition,
  defineDomain,
  spawnActor,
} from '../../index.ts';
import { type ThunderlineTree, thunderlineTree } from '../../supervisors/thunderline.ts';
import { type Gate, gate } from '../support/gate.ts';

export type TreeKind = 'generated' | 'thunderline';

/** A callback caught by a hold: it has entered and waits for `release`. */
export interface Hold {
  readonly key: string;
  readonly entered: Gate;
  readonly gate: Gate;
  /** The callback has been called and is waiting. */
  caught: boolean;
  /** The callback ran on after the gate opened. */
  finished: boolean;
}

/** Gates over a tree's callbacks, and a log of what dead incarnations tried to do. */
export class Control {
  private readonly holds = new Map<string, Hold>();
  /** Child actors the generated tree's starts spawned. */
  readonly spawned = new Set<ActorRef<never>>();

  /** Catches the next call of `key`; call `release` (or `releaseAll`) to let it go on. */
  hold(key: string): Hold {
    const held: Hold = { key, entered: gate(), gate: gate(), caught: false, finished: false };
    this.holds.set(key, held);
    return held;
  }

  /** Drops a hold that caught nothing (the callback was never called). */
  cancel(held: Hold): void {
    if (this.holds.get(held.key) === held) this.holds.delete(held.key);
    held.gate.open();
  }

  /** Opens a hold's gate. */
  release(held: Hold): void {
    this.cancel(held);
  }

  /** Opens every gate (the end of a step, a failure). */
  releaseAll(): void {
    for (const held of [...this.holds.values()]) this.cancel(held);
  }

  /** @internal the callback `key` is being called: waits on its hold, if any */
  async pass(key: string): Promise<boolean> {
    const held = this.holds.get(key);
    if (!held || held.caught) return false;
    held.caught = true;
    this.holds.delete(key);
    held.entered.open();
    await held.gate.promise;
    held.finished = true;
    return true;
  }

  /** Whether a hold for `key` is set and has not caught a call yet. */
  waiting(key: string): boolean {
    return this.holds.has(key);
  }
}

/** The shape of a generated tree, derived from the session seed. */
export interface GeneratedShape {
  count: number;
  /** Children per domain (0 to 3). */
  children: number[];
  /** Domains whose activate returns a promise even when not held. */
  asyncActivate: boolean[];
  /** Domains with their own, shorter activationTimeout (ms of the manual clock). */
  activationTimeout: Array<number | undefined>;
}

export const domainName = (index: number): string => `d${String(index).padStart(5, '0')}`;

/** The shape of `count` generated domains for `seed`. */
export function generatedShape(seed: number, count: number): GeneratedShape {
  const perDomain = fc.record({
    children: fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.integer({ min: 1, max: 3 }), weight: 1 }),
    asyncActivate: fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 }),
    shortTimeout: fc.oneof({ arbitrary: fc.constant(false), weight: 29 }, { arbitrary: fc.constant(true), weight: 1 }),
  });
  const [rows] = fc.sample(fc.array(perDomain, { minLength: count, maxLength: count }), { seed, numRuns: 1 });
  const list = rows ?? [];
  // The first domain always has two children, so child faults always have a target.
  return {
    count,
    children: list.map((row, index) => (index === 0 ? 2 : row.children)),
    asyncActivate: list.map((row) => row.asyncActivate),
    activationTimeout: list.map((row) => (row.shortTimeout ? 8_000 : undefined)),
  };
}

type IdleMsg = { type: 'noop' };
const idle: Behaviour<null, IdleMsg> = { init: () => null, handle: (state) => state };

/** A generated domain child: an idle actor, its start held through `start:<domain>/<id>`. */
function childSpec(control: Control, domain: string, id: string): ChildSpec {
  return {
    id,
    start: async ({ system }) => {
      await control.pass(`start:${domain}/${id}`);
      const ref = (await spawnActor(system, idle, undefined, { name: `${domain}.${id}` })) as unknown as ActorRef<never>;
      control.spawned.add(ref);
      return ref;
    },
  };
}

/** Activate: synchronous (or one microtask) unless held; a held one publishes `late` once let go. */
function gatedActivate(control: Control, name: string, asyncActivate: boolean) {
  return (_tick: number, meta: DomainActivationMeta): void | Promise<void> => {
    if (!control.waiting(`activate:${name}`)) return asyncActivate ? Promise.resolve() : undefined;
    return control.pass(`activate:${name}`).then(() => meta.publish('late'));
  };
}

function gatedDeactivate(control: Control, name: string) {
  return (): void | Promise<void> => {
    if (!control.waiting(`deactivate:${name}`)) return undefined;
    return control.pass(`deactivate:${name}`).then(() => undefined);
  };
}

/** The generated tree's domain definitions. */
export function generatedDomains(shape: GeneratedShape, control: Control): DomainDefinition[] {
  const domains: DomainDefinition[] = [];
  for (let index = 0; index < shape.count; index += 1) {
    const name = domainName(index);
    const children = Array.from({ length: shape.children[index] ?? 0 }, (_, child) => childSpec(control, name, `c${child}`));
    domains.push(
      defineDomain({
        name,
        children,
        activate: gatedActivate(control, name, shape.asyncActivate[index] ?? false),
        deactivate: gatedDeactivate(control, name),
        ...(shape.activationTimeout[index] === undefined ? {} : { activationTimeout: shape.activationTimeout[index] }),
      }),
    );
  }
  return domains;
}

/** `definition` with its activate (after the original), deactivate (before it) and child starts held through `control`. */
function wrapDomain(definition: DomainDefinition, control: Control): DomainDefinition {
  const { name } = definition;
  return defineDomain({
    name,
    waitForTick: definition.waitForTick,
    ...(definition.activationTimeout === undefined ? {} : { activationTimeout: definition.activationTimeout }),
    ...(definition.activateTimeout === undefined ? {} : { activateTimeout: definition.activateTimeout }),
    children: definition.children.map(
      (spec): ChildSpec => ({
        ...spec,
        start: async (context) => {
          await control.pass(`start:${name}/${spec.id}`);
          return spec.start(context);
        },
      }),
    ),
    activate: async (tick, meta) => {
      await definition.activate?.(tick, meta);
      if (await control.pass(`activate:${name}`)) meta.publish('late');
    },
    deactivate: async (reason) => {
      await control.pass(`deactivate:${name}`);
      await definition.deactivate?.(reason);
    },
  });
}

/** The Thunderline tree for `database`, every domain wrapped in `control`'s gates. */
export function gatedThunderlineTree(
  database: string,
  control: Control,
  beforeStart: (run: { runId: string; system: import('../../index.ts').ActorSystem }) => void,
): ThunderlineTree {
  const tree = thunderlineTree({ database, beforeStart });
  // bootThunderline and tree.extras() read these arrays when the runtime boots.
  tree.domains = tree.domains.map((definition) => wrapDomain(definition, control));
  tree.earlyInfrastructure = tree.earlyInfrastructure.map((definition) => wrapDomain(definition, control));
  tree.lateInfrastructure = tree.lateInfrastructure.map((definition) => wrapDomain(definition, control));
  return tree;
}
