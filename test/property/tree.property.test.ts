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
  type ChildSpec,
  createActorSystem,
  type DomainEvent,
  defineDomain,
  ManualClock,
  type SupervisorMsg,
  SupervisorRef,
  spawnActor,
  startRuntime,
  startSupervisor,
} from '../../index.ts';
import {
  bounded,
  codeOf,
  domainRef,
  domainsOf,
  gate,
  idle,
  innerOf,
  inspect,
  outcome,
  type Run,
  type RuntimeOp,
  runningRef,
  runtimeOp,
  seed,
  settleRuntime,
  settleTree,
  supervisorOf,
  type Tree,
  type TreeOp,
  treeConfig,
  treeOp,
  type WorkerMsg,
  workerSpec,
} from './model.ts';

// ---------------------------------------------------------------- property 1: supervision tree

function checkTree(tree: Tree): void {
  const owners = new Map<unknown, number>();
  const restarts = new Map<string, number>();
  const live = [tree.root, innerOf(tree)].filter((sup): sup is SupervisorRef => sup !== undefined);
  for (const sup of live) {
    assert.ok(sup.alive, `supervisor ${sup.id} is alive`);
    for (const row of sup.whichChildren()) {
      const where = `${sup.name}/${row.id}`;
      if (row.status === 'running') {
        assert.ok(row.ref?.alive, `${where} is running with an alive ref`);
        owners.set(row.ref, (owners.get(row.ref) ?? 0) + 1);
      }
      if (row.status === 'terminated') assert.not.ok(row.ref?.alive, `${where} is terminated with an alive ref`);
      if (row.restart === 'temporary') assert.is(row.status, 'running', `${where}: a temporary child's spec goes when it exits`);
      assert.is.not(row.status, 'restarting', `${where}: no restart left pending`);
      const key = `${sup.id}/${row.id}`;
      assert.ok(row.restarts >= (tree.restarts.get(key) ?? 0), `${where}: restart count decreased`);
      restarts.set(key, row.restarts);
    }
  }
  tree.restarts = restarts;
  const created = new Set<unknown>([...tree.workers, ...tree.supervisors]);
  for (const ref of owners.keys()) assert.ok(created.has(ref), 'a running row holds a ref the test started');
  for (const ref of created) {
    const actor = ref as ActorRef<never>;
    if (actor.alive) assert.is(owners.get(actor) ?? 0, 1, `alive ${actor.id} is the ref of exactly one running row`);
  }
  // The child a crash or kill took down: removed if temporary, left terminated if transient and
  // the exit clean, else running again under a new ref with one restart more.
  const { exited } = tree;
  tree.exited = undefined;
  if (!exited) return;
  const { sup, row: before, clean } = exited;
  const after = sup.whichChildren().find((child) => child.id === before.id);
  const where = `${sup.name}/${before.id} (${before.restart}) after ${clean ? 'a clean' : 'an'} exit`;
  if (before.restart === 'temporary') assert.is(after, undefined, where);
  else if (before.restart === 'transient' && clean) assert.equal([after?.status, after?.restarts], ['terminated', before.restarts], where);
  else {
    assert.equal([after?.status, after?.restarts], ['running', before.restarts + 1], where);
    assert.is.not(after?.ref, before.ref, where);
  }
}

async function applyTreeOp(tree: Tree, op: TreeOp): Promise<void> {
  const sup = supervisorOf(tree, op.id);
  const ref = runningRef(tree, op.id);
  const isWorker = ref !== undefined && !(ref instanceof SupervisorRef);
  const target = ref as unknown as ActorRef<WorkerMsg>;
  const row = sup?.whichChildren().find((child) => child.id === op.id);
  if (sup && row && ref && (op.kind === 'crash' || op.kind === 'kill'))
    tree.exited = { sup, row, clean: op.kind === 'crash' && op.mode === 'normal' && isWorker };
  switch (op.kind) {
    case 'cast':
      if (!isWorker) return;
      target.cast({ type: 'bump' });
      tree.bumps.set(target, (tree.bumps.get(target) ?? 0) + 1);
      return;
    case 'call':
      if (isWorker) assert.is(await bounded(target.call({ type: 'ping' }), 'ping'), tree.bumps.get(target) ?? 0, 'ping counts the bumps');
      return;
    case 'crash':
      if (isWorker) target.cast({ type: 'crash', mode: op.mode });
      else if (ref instanceof SupervisorRef) ref.cast({ type: 'no_such_message' } as unknown as SupervisorMsg); // a supervisor crash
      return;
    case 'kill':
      ref?.kill('killed');
      return;
    case 'interrupt': {
      if (!sup || sup.whichChildren().some((child) => child.id === op.id)) return;
      const entered = gate();
      const release = gate();
      tree.startGate = { entered: entered.open, promise: release.promise };
      const started = outcome(sup.startChild(workerSpec(tree, op.id, { restart: 'permanent', brutal: false })));
      await bounded(entered.promise, 'the start to begin');
      sup.kill('killed');
      release.open();
      assert.is(codeOf(await bounded(started, 'startChild')), 'ERR_ACTOR_STOPPED');
      return;
    }
    default:
  }
  // The dynamic API: the outcome follows from the row before the call.
  if (!sup || (op.kind === 'start' && op.id === 'inner')) return;
  const before = sup.whichChildren().find((child) => child.id === op.id);
  const status = before?.status ?? 'missing';
  const refused = status === 'missing' ? 'ERR_CHILD_NOT_FOUND' : status === 'running' ? 'ERR_CHILD_RUNNING' : 'ERR_CHILD_RESTARTING';
  let call: Promise<unknown>;
  let expected: string;
  if (op.kind === 'start') {
    call = sup.startChild(workerSpec(tree, op.id, op.config));
    expected = status === 'missing' ? 'ok' : 'ERR_DUPLICATE_CHILD_ID';
  } else if (op.kind === 'terminate') {
    call = sup.terminateChild(op.id);
    expected = status === 'missing' ? 'ERR_CHILD_NOT_FOUND' : 'ok';
  } else {
    call = op.kind === 'restart' ? sup.restartChild(op.id) : sup.deleteChild(op.id);
    expected = status === 'terminated' ? 'ok' : refused;
  }
  const got = codeOf(await bounded(outcome(call), `${op.kind}Child(${op.id})`));
  assert.is(got, expected, `${op.kind}Child(${op.id}) with the child ${status}`);
  const after = sup.whichChildren().find((child) => child.id === op.id);
  const where = `${sup.name}/${op.id} after ${op.kind}Child`;
  if (got !== 'ok') return;
  if (op.kind === 'start' || op.kind === 'restart') assert.is(after?.status, 'running', where);
  if (op.kind === 'delete' || (op.kind === 'terminate' && before?.restart === 'temporary')) assert.is(after, undefined, where);
  else if (op.kind === 'terminate') assert.equal([after?.status, after?.ref], ['terminated', undefined], where);
}

const property = suite('property');

property('a supervision tree keeps its invariants under random operations', async () => {
  await fc.assert(
    fc.asyncProperty(treeConfig, fc.array(treeOp, { maxLength: 25, size: 'max' }), async (config, ops) => {
      const system = createActorSystem({ clock: new ManualClock() });
      const tree = { workers: [], supervisors: [], bumps: new Map(), inflight: new Set(), restarts: new Map() } as unknown as Tree;
      const children = config.workers.map((worker, index) => workerSpec(tree, `w${index}`, worker));
      const { inner } = config;
      if (inner) {
        children.splice(Math.min(2, children.length), 0, {
          id: 'inner',
          type: 'supervisor',
          restart: inner.restart,
          start: async ({ system }) => {
            const innerChildren = inner.workers.map((worker, index) => workerSpec(tree, `i${index}`, worker));
            const ref = await startSupervisor(system, {
              name: 'inner',
              strategy: inner.strategy,
              maxRestarts: 1000,
              children: innerChildren,
            });
            tree.supervisors.push(ref);
            return ref as unknown as ActorRef<never>;
          },
        });
      }
      tree.root = await startSupervisor(system, { name: 'root', strategy: config.strategy, maxRestarts: 1000, children });
      try {
        checkTree(tree);
        for (const op of ops) {
          await applyTreeOp(tree, op);
          await settleTree(tree);
          checkTree(tree);
        }
        await bounded(tree.root.stop(), 'root.stop()');
        await bounded(Promise.allSettled([...tree.inflight]), 'starts in flight');
        for (const ref of [...tree.workers, ...tree.supervisors]) assert.not.ok(ref.alive, `${ref.id} is dead after the root stopped`);
      } finally {
        tree.root.kill('test over');
        system.stop();
      }
    }),
    { numRuns: 100, includeErrorInReport: true, ...seed },
  );
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
