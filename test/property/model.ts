/**
 * The systems the property tests (tree.property.test.ts) drive: generators of configurations and
 * operations, the supervision tree and the runtime as the tests build them, and deterministic
 * settling (round trips through mailboxes until nothing changes; `within` only guards hangs).
 */
import fc from 'fast-check';
import * as assert from 'uvu/assert';
import {
  type ActorRef,
  type Behaviour,
  type ChildInfo,
  type ChildSpec,
  type DomainEvent,
  type DomainSnapshot,
  type RestartType,
  type Runtime,
  type StartContext,
  type Strategy,
  SupervisorRef,
  spawnActor,
} from '../../index.ts';
import { within } from '../support/within.ts';

export const seed = process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {};
export const bounded = <T>(promise: Promise<T>, what: string): Promise<T> => within(promise, what, 2000);
export const outcome = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'ok',
    (error: unknown) => error,
  );
export function codeOf(result: unknown): string {
  return result === 'ok' ? 'ok' : ((result as { code?: string }).code ?? String(result));
}
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

// ---------------------------------------------------------------- the supervision tree

export type WorkerMsg = { type: 'ping' } | { type: 'bump' } | { type: 'crash'; mode: 'sync' | 'async' | 'normal' };
const worker: Behaviour<number, WorkerMsg> = {
  async init() {
    await Promise.resolve();
    return 0;
  },
  handle(count, message, ctx) {
    if (message.type === 'ping') ctx.reply(count);
    if (message.type === 'bump') return count + 1;
    if (message.type !== 'crash') return count;
    if (message.mode === 'normal') void ctx.self.stop('normal');
    else if (message.mode === 'sync') throw new Error('sync crash');
    else return Promise.resolve().then(() => Promise.reject(new Error('async crash')));
    return count;
  },
  async terminate() {
    await Promise.resolve();
  },
};

const INNER_IDS = new Set(['i0', 'i1', 'y0']);
const ID = fc.constantFrom('w0', 'w1', 'w2', 'w3', 'w4', 'x0', 'inner', 'i0', 'i1', 'y0');
const RESTART = fc.constantFrom<RestartType>('permanent', 'transient', 'temporary');
const STRATEGY = fc.constantFrom<Strategy>('one_for_one', 'one_for_all', 'rest_for_one');
const WORKER_CONFIG = fc.record({ restart: RESTART, brutal: fc.boolean() });
type WorkerConfig = { restart: RestartType; brutal: boolean };

export const treeConfig = fc.record({
  strategy: STRATEGY,
  workers: fc.array(WORKER_CONFIG, { minLength: 3, maxLength: 5 }),
  inner: fc.option(fc.record({ strategy: STRATEGY, restart: RESTART, workers: fc.array(WORKER_CONFIG, { minLength: 1, maxLength: 2 }) }), {
    nil: undefined,
  }),
});
export const treeOp = fc.oneof(
  fc.record({ kind: fc.constant('cast' as const), id: ID }),
  fc.record({ kind: fc.constant('call' as const), id: ID }),
  fc.record({ kind: fc.constant('crash' as const), id: ID, mode: fc.constantFrom('sync' as const, 'async' as const, 'normal' as const) }),
  fc.record({ kind: fc.constant('kill' as const), id: ID }),
  { arbitrary: fc.record({ kind: fc.constantFrom('terminate' as const, 'restart' as const, 'delete' as const), id: ID }), weight: 3 },
  fc.record({ kind: fc.constant('start' as const), id: ID, config: WORKER_CONFIG }),
  // startChild on the nested supervisor, killed while the child's start is in progress
  fc.record({ kind: fc.constant('interrupt' as const), id: fc.constantFrom('i0', 'i1', 'y0') }),
);
export type TreeOp = typeof treeOp extends fc.Arbitrary<infer T> ? T : never;

export interface Tree {
  root: SupervisorRef;
  workers: ActorRef<WorkerMsg>[];
  supervisors: SupervisorRef[];
  bumps: Map<unknown, number>;
  inflight: Set<Promise<unknown>>;
  startGate: { entered: () => void; promise: Promise<void> } | undefined;
  restarts: Map<string, number>;
  /** The child the last step crashed or killed, as it was before: checked once the tree has settled. */
  exited: { sup: SupervisorRef; row: ChildInfo; clean: boolean } | undefined;
}

export function workerSpec(tree: Tree, id: string, config: WorkerConfig): ChildSpec {
  const start = async ({ system }: StartContext) => {
    const held = tree.startGate;
    tree.startGate = undefined;
    if (held) {
      held.entered();
      await held.promise;
    }
    const ref = await spawnActor(system, worker, undefined, { name: id });
    tree.workers.push(ref);
    return ref as unknown as ActorRef<never>;
  };
  return {
    id,
    restart: config.restart,
    shutdown: config.brutal ? 'brutal_kill' : 5000,
    start: (context) => {
      const work = start(context);
      tree.inflight.add(work);
      void work.then(
        () => tree.inflight.delete(work),
        () => tree.inflight.delete(work),
      );
      return work;
    },
  };
}

export function innerOf(tree: Tree): SupervisorRef | undefined {
  const row = tree.root.whichChildren().find((child) => child.id === 'inner');
  return row?.status === 'running' && row.ref instanceof SupervisorRef ? row.ref : undefined;
}
export const supervisorOf = (tree: Tree, id: string): SupervisorRef | undefined => (INNER_IDS.has(id) ? innerOf(tree) : tree.root);
export function runningRef(tree: Tree, id: string) {
  const row = supervisorOf(tree, id)
    ?.whichChildren()
    .find((child) => child.id === id);
  return row?.status === 'running' ? row.ref : undefined;
}

/** Round trips through every live supervisor's mailbox until the tree and every ref's liveness stop changing. */
export async function settleTree(tree: Tree): Promise<void> {
  let previous = '';
  for (let round = 0; round < 30; round += 1) {
    await bounded(Promise.allSettled([...tree.inflight]), 'starts in flight');
    for (const sup of [tree.root, innerOf(tree)]) if (sup) await bounded(outcome(sup.deleteChild('__barrier__')), 'a barrier');
    const alive = [...tree.workers, ...tree.supervisors].map((ref) => (ref.alive ? 1 : 0)).join('');
    const now = `${JSON.stringify(tree.root.tree())}|${alive}|${tree.inflight.size}`;
    if (round > 0 && now === previous) return;
    previous = now;
  }
  assert.unreachable('the tree did not settle');
}

// ---------------------------------------------------------------- the runtime

const DOMAINS = ['alpha', 'beta', 'gamma', 'gated'] as const;
export const runtimeOp = fc.oneof(
  fc.record({ kind: fc.constant('tick' as const) }),
  fc.record({ kind: fc.constant('flush' as const) }),
  fc.record({ kind: fc.constant('kill' as const), domain: fc.constantFrom(...DOMAINS) }),
  // a tick whose `gated` activation waits on a gate; `kill`: the domain is killed meanwhile, the gate opened after
  fc.record({ kind: fc.constant('gated' as const), kill: fc.boolean() }),
);
export type RuntimeOp = typeof runtimeOp extends fc.Arbitrary<infer T> ? T : never;

export interface Run {
  runtime: Runtime;
  names: string[];
  hold: boolean;
  entered: (() => void) | undefined;
  gates: Array<() => void>;
  /** `domain_activated` events of the current step. */
  activated: DomainEvent[];
  /** Workers started under `gamma`'s own supervisor. */
  helpers: ActorRef<never>[];
}

export const idle: Behaviour<null, { type: 'noop' }> = { init: () => null, handle: (state) => state };

export function domainsOf(run: Run): SupervisorRef {
  const ref = run.runtime.supervisor.whichChildren().find((child) => child.id === 'domains')?.ref;
  if (!(ref instanceof SupervisorRef)) throw new Error('the domains supervisor is not running');
  return ref;
}
export const domainRef = (run: Run, name: string) =>
  domainsOf(run)
    .whichChildren()
    .find((child) => child.id === name)?.ref;
export const inspect = (ref: ActorRef<never> | undefined) =>
  (ref as unknown as ActorRef<{ type: 'inspect' }>).call<DomainSnapshot>({ type: 'inspect' });

export async function settleRuntime(run: Run): Promise<void> {
  let previous = '';
  for (let round = 0; round < 30; round += 1) {
    await bounded(outcome(domainsOf(run).deleteChild('__barrier__')), 'a barrier');
    await bounded(run.runtime.flush(), 'runtime.flush()');
    const now = JSON.stringify([run.runtime.registry.statuses(), run.runtime.tree(), run.helpers.map((ref) => ref.alive)]);
    if (round > 0 && now === previous) return;
    previous = now;
  }
  assert.unreachable('the runtime did not settle');
}
