/**
 * Property tests (fast-check): random sequences of operations against a supervision tree and a
 * runtime, with the invariants checked after every step once the system has settled (model.ts
 * builds both systems and settles them deterministically; `within` only turns a hang into a
 * failure). A failure prints fast-check's seed and the shrunk sequence; `FC_SEED=<seed>` replays it.
 */
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type ActorRef,
  type ChildInfo,
  type ChildSpec,
  type DomainEvent,
  defineDomain,
  ManualClock,
  type SupervisorRef,
  spawnActor,
  startRuntime,
} from '../../index.ts';
import { SLICE_MS } from '../../src/actor/run-queue.ts';
import { gate } from '../support/gate.ts';
import {
  backoffOf,
  bounded,
  codeOf,
  domainRef,
  domainsOf,
  idle,
  innerOf,
  inspect,
  outcome,
  type Run,
  type RuntimeOp,
  runtimeOp,
  seed,
  settleRuntime,
  settleTree,
  startTree,
  type Tree,
  type TreeConfig,
  type TreeOp,
  treeConfig,
  treeOp,
} from './model.ts';
import { applyTreeOp, treeExamples } from './ops.ts';

// ---------------------------------------------------------------- property 1: supervision tree

type Snapshot = Map<SupervisorRef, ChildInfo[]>;
const liveSupervisors = (tree: Tree): SupervisorRef[] =>
  tree.over ? [] : [tree.root, innerOf(tree)].filter((sup): sup is SupervisorRef => sup !== undefined);
const snapshot = (tree: Tree): Snapshot => new Map(liveSupervisors(tree).map((sup) => [sup, sup.whichChildren()]));

/** The invariants of a settled tree. */
function checkTree(tree: Tree): void {
  assert.equal(tree.violations, [], 'with backoff, no child is restarted sooner than minMs after its exit');
  const created = [...tree.workers, ...tree.supervisors] as ActorRef<never>[];
  if (tree.over) {
    for (const ref of created) assert.not.ok(ref.alive, `${ref.id} is dead: the root was killed`);
    return;
  }
  const owners = new Map<unknown, number>();
  const restarts = new Map<string, number>();
  const now = tree.clock.now();
  for (const sup of liveSupervisors(tree)) {
    assert.ok(sup.alive, `supervisor ${sup.id} is alive`);
    const backoff = backoffOf(tree, sup.name);
    for (const row of sup.whichChildren()) {
      const where = `${sup.name}/${row.id}`;
      if (row.status === 'running') {
        assert.ok(row.ref?.alive, `${where} is running with an alive ref`);
        owners.set(row.ref, (owners.get(row.ref) ?? 0) + 1);
      } else assert.not.ok(row.ref?.alive, `${where} is ${row.status} with an alive ref`);
      if (row.restart === 'temporary') assert.is(row.status, 'running', `${where}: a temporary child's spec goes when it exits`);
      if (row.status === 'restarting') {
        // Every delay is at most maxMs: one that fell due has been handled by now.
        const waited = now - (tree.lastExit.get(`${sup.name}/${row.id}`) ?? Number.NEGATIVE_INFINITY);
        assert.ok(
          backoff && waited < backoff.maxMs,
          `${where} is restarting ${waited} ms after its exit (backoff ${JSON.stringify(backoff)})`,
        );
      }
      const key = `${sup.id}/${row.id}`;
      assert.ok(row.restarts >= (tree.restarts.get(key) ?? 0), `${where}: restart count decreased`);
      restarts.set(key, row.restarts);
    }
  }
  tree.restarts = restarts;
  for (const ref of owners.keys()) assert.ok(created.includes(ref as ActorRef<never>), 'a running row holds a ref the test started');
  // No orphans: children of a killed supervisor, and children whose start finished after it died, are dead.
  for (const ref of created) if (ref.alive) assert.is(owners.get(ref) ?? 0, 1, `alive ${ref.id} is the ref of exactly one running row`);
  checkExited(tree);
  checkEscalation(tree);
}

/**
 * The child a crash or kill took down: removed if temporary, left terminated if transient and the
 * exit clean, else waiting for its backoff delay, or running again under a new ref (with exactly
 * one restart more unless some start was set to fail). Unchecked if its supervisor gave up.
 */
function checkExited(tree: Tree): void {
  const { exited } = tree;
  tree.exited = undefined;
  if (!exited?.sup.alive) return;
  const { sup, row: before, clean, failing } = exited;
  const after = sup.whichChildren().find((child) => child.id === before.id);
  const where = `${sup.name}/${before.id} (${before.restart}) after ${clean ? 'a clean' : 'an'} exit`;
  if (before.restart === 'temporary') assert.is(after, undefined, where);
  else if (before.restart === 'transient' && clean) assert.equal([after?.status, after?.restarts], ['terminated', before.restarts], where);
  else if (backoffOf(tree, sup.name))
    assert.equal([after?.status, after?.restarts], ['restarting', before.restarts], `${where}, with backoff`);
  else {
    assert.is(after?.status, 'running', where);
    assert.is.not(after?.ref, before.ref, where);
    if (failing) assert.ok((after?.restarts ?? 0) > before.restarts, where);
    else assert.is(after?.restarts, before.restarts + 1, where);
  }
}

/**
 * The nested supervisor gave up in this step: its parent saw it exit and removed it (temporary),
 * left it terminated (escalation 'shutdown', a clean exit, under a transient slot), or restarted
 * it (with backoff: is waiting to).
 */
function checkEscalation(tree: Tree): void {
  const inner = tree.config.inner;
  const at = tree.events.findLastIndex((event) => event.type === 'supervisor_escalated' && event.supervisor === 'inner');
  if (!inner || at < 0) return;
  const later = tree.events.slice(at + 1).filter((event) => event.supervisor === 'root' && event.child === 'inner');
  const back = later.some((event) => event.type === 'child_restarted' || event.type === 'child_started');
  const status = tree.root.whichChildren().find((child) => child.id === 'inner')?.status;
  const where = `root/inner (${inner.restart}) after inner gave up with escalation '${inner.escalation}'`;
  assert.is(later[0]?.type, 'child_exited', `${where}: its exit is reported`);
  if (inner.restart === 'temporary') assert.is(status, undefined, `${where}: a temporary child's spec goes`);
  else if (inner.escalation === 'shutdown' && inner.restart === 'transient') {
    if (!back) assert.is(status, 'terminated', `${where}: a clean exit is not restarted`);
  } else if (tree.config.backoff) assert.ok(status === 'restarting' || status === 'terminated', `${where}: waits, ${status}`);
  else assert.equal([status, back], ['running', true], `${where}: restarted`);
}

/**
 * A supervisor without backoff finishes every restart within the step: a running child the step
 * did not aim at is running after it (restarted or untouched); with groupRestart 'running' a
 * terminated one stays terminated; with groupRestart 'all' under one_for_all, a restart brings
 * every child back.
 */
function checkStep(tree: Tree, op: TreeOp, before: Snapshot): void {
  const gaveUp = tree.events.some((event) => event.type === 'supervisor_escalated');
  for (const [sup, rows] of before) {
    const options = sup === tree.root ? tree.config : tree.config.inner;
    if (!options || options.backoff || !sup.alive) continue;
    const after = new Map(sup.whichChildren().map((row) => [row.id, row]));
    for (const row of rows) {
      const now = after.get(row.id);
      if (!now || ('id' in op && op.id === row.id) || (row.id === 'inner' && gaveUp)) continue;
      const where = `${sup.name}/${row.id}, ${row.status} before ${op.kind}`;
      if (row.status === 'running') assert.is(now.status, 'running', `${where}: still running`);
      if (row.status === 'terminated' && options.groupRestart === 'running') assert.is(now.status, 'terminated', `${where}: not revived`);
    }
    const restarted = tree.events.some((event) => event.type === 'child_restarted' && event.supervisor === sup.name);
    if (restarted && options.groupRestart === 'all' && options.strategy === 'one_for_all')
      for (const row of after.values()) assert.is(row.status, 'running', `${sup.name}/${row.id}: groupRestart 'all' brought it back`);
  }
}

/** Runs `ops` on a fresh tree, checking it after every settled step; `stepping(index)` runs before each step. */
async function runTree(config: TreeConfig, ops: readonly TreeOp[], stepping: (index: number) => void = () => undefined): Promise<void> {
  const { tree, system } = await startTree(config);
  try {
    checkTree(tree);
    for (const [index, op] of ops.entries()) {
      if (tree.over) break;
      const before = snapshot(tree);
      tree.events = [];
      stepping(index);
      await applyTreeOp(tree, op);
      await settleTree(tree);
      checkTree(tree);
      checkStep(tree, op, before);
    }
    if (!tree.over) await bounded(tree.root.stop(), 'root.stop()');
    await bounded(Promise.allSettled([...tree.inflight]), 'starts in flight');
    for (const ref of [...tree.workers, ...tree.supervisors]) assert.not.ok(ref.alive, `${ref.id} is dead after the root stopped`);
  } finally {
    tree.root.kill('test over');
    system.stop();
  }
}

const property = suite('property');

property('a supervision tree keeps its invariants under random operations', async () => {
  await fc.assert(
    fc.asyncProperty(treeConfig, fc.array(treeOp, { maxLength: 25, size: 'max' }), (config, ops) => runTree(config, ops)),
    { numRuns: 1000, includeErrorInReport: true, examples: treeExamples, ...seed },
  );
});

/**
 * On a loaded machine the run queue ends its slice (src/actor/run-queue.ts, SLICE_MS) wherever
 * the time runs out, and the next drain waits for `setImmediate` while promise callbacks (the
 * test's own) go on. Here `performance.now`, the clock of those slices, stands still except at
 * one look from the last step on, which sees a whole slice pass; the sequence is replayed once
 * with the slice ending at each of those looks in turn. The last step: the nested supervisor
 * (one_for_all, maxRestarts 0) gives up, its first restart fails (i0 refuses to start), and the
 * root's retry of it goes through the root's own mailbox: the tree must not count as settled
 * before that retry has run.
 */
property('a supervision tree keeps its invariants when the run queue ends a slice at any drain', async () => {
  const plainWorker = { restart: 'permanent', brutal: false, slowStop: false } as const;
  const config: TreeConfig = {
    strategy: 'one_for_one',
    groupRestart: 'running',
    backoff: undefined,
    workers: [plainWorker, plainWorker, plainWorker],
    inner: {
      strategy: 'one_for_all',
      restart: 'permanent',
      groupRestart: 'all',
      backoff: undefined,
      escalation: 'error',
      maxRestarts: 0,
      workers: [plainWorker],
    },
  };
  const ops: TreeOp[] = [
    { kind: 'start', id: 'i1', config: { ...plainWorker, restart: 'transient' } },
    { kind: 'failStarts', id: 'i0', n: 1 },
    { kind: 'crash', id: 'i1', mode: 'sync' },
  ];
  const realNow = performance.now;
  let now = 0;
  let looks = -1; // counted from the last step on
  let endAt = 0; // the look that sees the slice end; 0: none
  performance.now = () => {
    if (looks >= 0) looks += 1;
    if (looks === endAt) now += SLICE_MS + 1;
    return now;
  };
  const armLast = (index: number) => {
    if (index === ops.length - 1) looks = 0;
  };
  try {
    await runTree(config, ops, armLast);
    const total = looks;
    assert.ok(total > 0, 'the run queue looked at the clock during the step');
    for (endAt = 1; endAt <= total; endAt += 1) {
      looks = -1;
      try {
        await runTree(config, ops, armLast);
      } catch (error) {
        throw new Error(`with the slice ending at look ${endAt} of ${total}: ${(error as Error).message}`, { cause: error });
      }
    }
  } finally {
    performance.now = realNow;
  }
});

// ---------------------------------------------------------------- property 2: the runtime

async function checkRuntime(run: Run): Promise<void> {
  const { registry } = run.runtime;
  assert.equal(
    registry.statuses().map((status) => status.name),
    [...run.names].sort(),
  );
  for (const row of domainsOf(run).whichChildren()) {
    assert.is(row.status, 'running', `domain ${row.id} runs`);
    const status = registry.domainStatus(row.id);
    const { state } = await bounded(inspect(row.ref), `inspect ${row.id}`);
    assert.is(status?.status, state, `${row.id}: the registry says ${status?.status}, the machine is ${state}`);
    assert.ok(state === 'waiting' || state === 'active', `${row.id} is ${state}`);
    assert.is(status?.restarts, row.restarts, `${row.id}: restarts in the registry and the supervisor`);
  }
  for (const event of run.activated) assert.is(registry.domainStatus(event.domain)?.status, 'active', `${event.domain} activated`);
  run.activated = [];
  if (run.names.includes('gamma')) {
    const expected = registry.domainStatus('gamma')?.status === 'active' ? 1 : 0;
    assert.is(run.helpers.filter((ref) => ref.alive).length, expected, 'gamma has its child exactly while it is active');
  }
}

async function applyRuntimeOp(run: Run, op: RuntimeOp): Promise<void> {
  const { runtime } = run;
  if (op.kind === 'tick') {
    await bounded(runtime.tick(), 'runtime.tick()');
    for (const name of run.names) assert.is(runtime.registry.domainStatus(name)?.status, 'active', `${name} is active after a tick`);
  } else if (op.kind === 'flush') {
    await bounded(runtime.flush(), 'runtime.flush()');
  } else if (op.kind === 'kill') {
    if (run.names.includes(op.domain)) runtime.kill(op.domain);
  } else {
    if ((await bounded(inspect(domainRef(run, 'gated')), 'inspect gated')).state !== 'waiting') {
      runtime.kill('gated'); // a fresh incarnation, waiting for its tick
      await settleRuntime(run);
    }
    const entered = gate();
    run.hold = true;
    run.entered = entered.open;
    const ticked = outcome(runtime.tick());
    await bounded(entered.promise, 'gated activate to be called');
    run.hold = false;
    let answered: unknown = 'pending';
    const probe = inspect(domainRef(run, 'gated')).then(
      ({ state }) => (answered = state),
      (error: unknown) => (answered = codeOf(error)),
    );
    await settleRuntime(run);
    // Activating: the registry still says waiting, and the actor takes no message until activate settles.
    assert.is(runtime.registry.domainStatus('gated')?.status, 'waiting');
    assert.is(answered, 'pending', 'inspect is answered only once activate has settled');
    if (op.kill) {
      runtime.kill('gated');
      assert.is(codeOf(await bounded(ticked, 'the tick')), 'ok');
      const before = run.activated.length;
      for (const open of run.gates.splice(0)) open();
      await settleRuntime(run);
      assert.is(run.activated.slice(before).filter((event) => event.domain === 'gated').length, 0, 'a dead incarnation activated');
      assert.is(await bounded(probe, 'inspect'), 'ERR_ACTOR_STOPPED', 'the killed incarnation answers no inspect');
    } else {
      for (const open of run.gates.splice(0)) open();
      assert.is(codeOf(await bounded(ticked, 'the tick')), 'ok');
      assert.is(await bounded(probe, 'inspect'), 'active', 'inspect is answered once activated');
    }
  }
}

property('the runtime keeps registry and domain machines in step under random ticks and kills', async () => {
  await fc.assert(
    fc.asyncProperty(fc.boolean(), fc.array(runtimeOp, { maxLength: 25, size: 'max' }), async (withGamma, ops) => {
      const run = { hold: false, entered: undefined, gates: [], activated: [], helpers: [] } as unknown as Run;
      const domains = [
        defineDomain({ name: 'alpha', activate: () => undefined }),
        defineDomain({ name: 'beta', activate: () => Promise.resolve() }),
        defineDomain({
          name: 'gated',
          activate: async () => {
            const held = gate();
            if (run.hold) run.gates.push(held.open);
            else held.open();
            run.entered?.();
            run.entered = undefined;
            await held.promise;
          },
        }),
      ];
      if (withGamma) {
        const helper: ChildSpec = {
          id: 'helper',
          start: async ({ system }) => {
            const ref = (await spawnActor(system, idle, undefined)) as unknown as ActorRef<never>;
            run.helpers.push(ref);
            return ref;
          },
        };
        domains.splice(2, 0, defineDomain({ name: 'gamma', children: [helper] }));
      }
      run.names = domains.map((domain) => domain.name);
      run.runtime = await startRuntime({
        domains,
        tickInterval: 'manual',
        database: ':memory:',
        clock: new ManualClock(),
        domainRestarts: { maxRestarts: 1000 },
      });
      const off = run.runtime.subscribe('system:domain_activated', (event) => {
        run.activated.push(event as DomainEvent);
      });
      try {
        await settleRuntime(run);
        await checkRuntime(run);
        for (const op of ops) {
          await applyRuntimeOp(run, op);
          await settleRuntime(run);
          await checkRuntime(run);
        }
        const exit = await bounded(run.runtime.stop(), 'runtime.stop()');
        assert.equal(exit, { reason: 'shutdown', clean: true });
        for (const ref of run.helpers) assert.not.ok(ref.alive, "gamma's child is dead after the stop");
      } finally {
        off();
        for (const open of run.gates) open();
        if (run.runtime) await bounded(run.runtime.stop(), 'runtime.stop() after a failure').catch(() => undefined);
      }
    }),
    { numRuns: 60, includeErrorInReport: true, ...seed },
  );
});

property.run();
