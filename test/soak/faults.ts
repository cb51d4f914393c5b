/**
 * The faults: one function per step kind (steps.ts). Each drives its race with gates (tree-gen.ts)
 * and checks what that fault promises — a killed incarnation's late completion has no effect, a
 * throwing subscriber is detached and reported, a slow activate crashes with
 * ERR_ACTIVATE_TIMEOUT, a storm exhausts exactly its budget — and returns 'applied' or why it
 * could not apply (`skip: ...`). The harness then settles and checks every invariant.
 */
import type { ActorRef, SupervisorRef } from '../../index.ts';
import { ACTIVATE_TIMEOUT_MS } from './boot.ts';
import { processKill } from './process-kill.ts';
import type { Step } from './steps.ts';
import type { Hold } from './tree-gen.ts';
import { codeOf, fail, outcome, ownSupervisorOf, type World } from './world.ts';

/** What a step did: 'applied', or `skip: <why>`. */
export type StepResult = 'applied' | `skip: ${string}`;

/** Ends the current runtime with a clean stop and checks what a clean stop leaves. */
export type EndRuntime = (world: World) => Promise<void>;

export async function applyStep(world: World, step: Step, endRuntime: EndRuntime): Promise<StepResult> {
  switch (step.kind) {
    case 'tick':
      await tick(world);
      return 'applied';
    case 'advance':
      world.clock.advance(step.ms);
      return 'applied';
    case 'flush': {
      const result = await world.bound(outcome(world.live.flush()), 'runtime.flush()');
      if (result !== 'ok' && !(await world.stoppedOnItsOwn())) fail('flush', `runtime.flush() rejected: ${codeOf(result)}`);
      return 'applied';
    }
    case 'kill': {
      const name = world.pick(world.names, step.domain) as string;
      if (!world.domainRef(name)) return `skip: ${name} is not running`;
      world.live.kill(name, 'chaos: kill');
      return 'applied';
    }
    case 'killChild':
      return killChild(world, step.domain, step.child);
    case 'killMidActivate':
      return killMidActivate(world, step.domain, step.target);
    case 'killMidDeactivate':
      return killMidDeactivate(world, step.domain, step.via);
    case 'killMidRestart':
      return killMidRestart(world, step.domain, step.target);
    case 'childStorm':
      return childStorm(world, step.domain);
    case 'domainStorm':
      return domainStorm(world, step.holder, step.domain);
    case 'throwingSubscriber':
      return throwingSubscriber(world, step);
    case 'slowActivate':
      return slowActivate(world, step.domain);
    case 'processKill':
      await processKill(world, step, endRuntime);
      return 'applied';
    case 'overlappingTicks':
      return overlappingTicks(world, step.domain, step.count, step.kill);
    case 'killTickSystem': {
      const tickSystem = world.live.supervisor.whichChildren().find((row) => row.id === 'tick_system')?.ref as SupervisorRef | undefined;
      const row = running(tickSystem).find((child) => child.id === step.target);
      if (!row) return `skip: ${step.target} is not running`;
      (row.ref as ActorRef<never>).kill(`chaos: kill ${step.target}`);
      return 'applied';
    }
    case 'stopMidActivate':
      return stopMidActivate(world, step.domain, step.target, endRuntime);
    case 'restart':
      await endRuntime(world);
      await world.boot();
      return 'applied';
    default: {
      const unknown: never = step;
      fail('harness', `unknown step ${JSON.stringify(unknown)}`);
    }
  }
}

async function tick(world: World): Promise<void> {
  const result = await world.bound(outcome(world.live.tick()), 'runtime.tick()');
  if (result !== 'ok' && !(await world.stoppedOnItsOwn())) fail('tick', `runtime.tick() rejected: ${codeOf(result)}`);
}

const running = (sup: SupervisorRef | undefined) => sup?.whichChildren().filter((row) => row.status === 'running' && row.ref?.alive) ?? [];

/** A fresh, waiting incarnation of `name` (killed first if it was active). False if none could be had. */
async function prepareWaiting(world: World, name: string): Promise<boolean> {
  const state = await world.machine(name);
  if (state === 'waiting') return true;
  if (state === 'not running') return false;
  world.live.kill(name, 'chaos: a fresh incarnation');
  await world.settle();
  return !world.goingDown && (await world.machine(name)) === 'waiting';
}

/** `name` active (a tick first if it was waiting). False if it could not be. */
async function prepareActive(world: World, name: string): Promise<boolean> {
  const state = await world.machine(name);
  if (state === 'active') return true;
  if (state !== 'waiting') return false;
  await tick(world);
  await world.settle();
  return !world.goingDown && (await world.machine(name)) === 'active';
}

/** Where the step's own events begin: what happened after this mark is what the fault caused. */
function mark(world: World) {
  return { domain: world.step.domain.length, late: world.step.late.length, spawned: world.control.spawned.size };
}

/**
 * The killed incarnation's late completion had no effect: after `from`, `name` published no
 * `activated`/`deactivated` and no custom event, the dead cell stays dead, and (while the runtime
 * runs) the domain is a fresh incarnation, `waiting`.
 */
async function checkDead(world: World, name: string, dead: ActorRef<never> | undefined, from: ReturnType<typeof mark>, what: string) {
  world.check('late-completion');
  const events = world.step.domain.slice(from.domain).filter((event) => event.domain === name);
  // A runtime that gave up in this step deactivated every domain as it shut down: those rows are its, not the dead incarnation's.
  const gaveUp = await world.stoppedOnItsOwn();
  const effects = events.filter((event) => event.event === 'activated' || (event.event === 'deactivated' && !gaveUp));
  if (effects.length > 0)
    fail('late-completion', `${what}: ${name} published ${effects.map((event) => event.event).join(', ')} after it was killed`);
  if (world.step.late.slice(from.late).includes(name))
    fail('late-completion', `${what}: a dead incarnation of ${name} published a custom event`);
  if (dead?.alive) fail('late-completion', `${what}: the killed incarnation ${dead.id} is alive`);
  const late = [...world.control.spawned].slice(from.spawned).filter((ref) => ref.alive && ref.name.startsWith(`${name}.`));
  if (late.length > 0) fail('late-completion', `${what}: a child started after the kill lives on: ${late.map((ref) => ref.id).join(', ')}`);
  if (!gaveUp) {
    const state = await world.machine(name);
    if (state !== 'waiting') fail('late-completion', `${what}: the fresh incarnation of ${name} is ${state}, not waiting`);
  }
}

/** Waits until `held` catches its call or `also` settles; false (hold dropped) if the call never came. */
async function caught(world: World, held: Hold, also: Promise<unknown>, what: string): Promise<boolean> {
  await world.bound(Promise.race([held.entered.promise, also]), what);
  if (held.caught) return true;
  world.control.cancel(held);
  return false;
}

/**
 * Picks a domain among `candidates`, makes it waiting, holds its `activate` (or, with
 * `startingChild`, its first child's start) at a gate and sends a tick; a skip when no call came.
 */
async function holdActivation(
  world: World,
  candidates: readonly string[],
  index: number,
  startingChild: boolean,
): Promise<{ name: string; held: Hold; ticked: Promise<unknown> } | StepResult> {
  const name = world.pick(candidates, index);
  if (!name) return 'skip: no domain with children';
  if (!(await prepareWaiting(world, name))) return `skip: ${name} could not be made waiting`;
  const key = startingChild ? `start:${name}/${world.children.get(name)?.[0]}` : `activate:${name}`;
  const held = world.control.hold(key);
  const ticked = outcome(world.live.tick());
  if (!(await caught(world, held, ticked, `${key} to be called`))) {
    await world.bound(ticked, 'the tick');
    return `skip: ${key} was not called (activation refused)`;
  }
  return { name, held, ticked };
}

async function killChild(world: World, index: number, childIndex: number): Promise<StepResult> {
  const rows = world.domainRows();
  const candidates = world.withChildren().filter((name) => running(ownSupervisorOf(world.domainRef(name, rows))).length > 0);
  const name = world.pick(candidates, index);
  if (!name) return 'skip: no domain has a running child';
  const row = world.pick(running(ownSupervisorOf(world.domainRef(name, rows))), childIndex);
  if (!row?.ref) return `skip: ${name} has no running child`;
  (row.ref as ActorRef<never>).kill('chaos: kill child');
  return 'applied';
}

async function killMidActivate(world: World, index: number, target: 'domain' | 'child' | 'startingChild'): Promise<StepResult> {
  const holding = await holdActivation(world, target === 'domain' ? world.names : world.withChildren(), index, target === 'startingChild');
  if (typeof holding === 'string') return holding;
  const { name, held, ticked } = holding;
  const ref = world.domainRef(name);
  if (target === 'child') {
    const own = ownSupervisorOf(ref);
    const row = running(own)[0];
    if (!own || !row) fail('mid-activate', `${name} is activating but has no running child (children start before activate)`);
    (row.ref as ActorRef<never>).kill('chaos: kill child mid-activate');
    await world.bound(outcome(own.deleteChild('__barrier__')), 'a barrier');
    world.control.release(held);
    await settleTick(world, ticked);
    await world.settle();
    world.check('mid-activate');
    if (!(await world.stoppedOnItsOwn())) {
      const state = await world.machine(name);
      if (state !== 'active') fail('mid-activate', `${name} is ${state} after its child was killed while it activated`);
      if (running(ownSupervisorOf(world.domainRef(name))).length !== world.children.get(name)?.length)
        fail('mid-activate', `${name} is active without all its children running`);
    }
    return 'applied';
  }
  const from = mark(world);
  world.live.kill(name, `chaos: kill mid-activate (${target})`);
  await settleTick(world, ticked);
  world.control.release(held);
  await world.settle();
  await checkDead(world, name, ref, from, `killed while ${target === 'domain' ? 'activate' : 'a child start'} was held`);
  return 'applied';
}

/** The tick in flight resolves (the killed domain left its round), or the runtime stopped. */
async function settleTick(world: World, ticked: Promise<unknown>): Promise<void> {
  const result = await world.bound(ticked, 'the tick in flight');
  if (result !== 'ok' && !(await world.stoppedOnItsOwn())) fail('tick', `the tick in flight rejected: ${codeOf(result)}`);
}

async function killMidDeactivate(world: World, index: number, via: 'terminate' | 'timeout' | 'crash'): Promise<StepResult> {
  const name = world.pick(via === 'crash' ? world.withChildren() : world.names, index);
  if (!name) return 'skip: no domain with children';
  if (!(await prepareActive(world, name))) return `skip: ${name} could not be made active`;
  const found = world.domainRow(name);
  const ref = found?.row.ref as ActorRef<never>;
  if (!found) fail('harness', `${name} has no row`);
  const held = world.control.hold(`deactivate:${name}`);
  const from = mark(world);
  if (via === 'crash') {
    // Its children's supervisor gives up (3 restarts in 5 s): the domain crashes in a handler, so
    // its terminate runs deactivate(reason), held here.
    const own = ownSupervisorOf(ref);
    for (let kill = 0; kill < 12 && own?.alive && !held.caught; kill += 1) {
      const row = running(own)[0];
      if (!row) break;
      (row.ref as ActorRef<never>).kill('chaos: child storm');
      await world.bound(outcome(own.deleteChild('__barrier__')), 'a barrier');
    }
    await world.bound(held.entered.promise, `deactivate of ${name} after its children's supervisor gave up`);
    ref.kill('chaos: kill mid-deactivate');
    world.control.release(held);
    await world.settle();
    world.check('mid-deactivate');
    const crashes = world.step.domain.slice(from.domain).filter((event) => event.domain === name && event.event === 'crashed');
    if (crashes.length !== 1) fail('mid-deactivate', `${name} crashed ${crashes.length} times, killed once while deactivating`);
    await checkDead(world, name, ref, from, 'killed while its deactivate (after a crash) was held');
    return 'applied';
  }
  const stopping = outcome(found.holder.terminateChild(name));
  if (!(await caught(world, held, stopping, `deactivate of ${name}`)))
    fail('mid-deactivate', `terminateChild(${name}) stopped an active domain without calling its deactivate`);
  if (via === 'terminate') ref.kill('chaos: kill mid-deactivate');
  // Else the supervisor's shutdown timer (5000 ms, domainChildSpec) falls due and it kills the domain.
  else world.clock.advance(5_000);
  const stopped = await world.bound(stopping, `terminateChild(${name})`);
  world.control.release(held);
  if (stopped !== 'ok' && !(await world.stoppedOnItsOwn())) fail('mid-deactivate', `terminateChild(${name}) rejected: ${codeOf(stopped)}`);
  if (!world.goingDown) {
    const restarted = await world.bound(outcome(found.holder.restartChild(name)), `restartChild(${name})`);
    if (restarted !== 'ok' && !(await world.stoppedOnItsOwn()))
      fail('mid-deactivate', `restartChild(${name}) rejected: ${codeOf(restarted)}`);
  }
  await world.settle();
  await checkDead(
    world,
    name,
    ref,
    from,
    via === 'terminate' ? 'killed while deactivate was held' : 'shutdown timeout while deactivate was held',
  );
  return 'applied';
}

async function killMidRestart(world: World, index: number, target: 'domain' | 'supervisor'): Promise<StepResult> {
  const name = world.pick(world.withChildren(), index);
  if (!name) return 'skip: no domain with children';
  if (!(await prepareActive(world, name))) return `skip: ${name} could not be made active`;
  const ref = world.domainRef(name);
  const own = ownSupervisorOf(ref);
  const row = running(own)[0];
  if (!own || !row) fail('mid-restart', `${name} is active without a running child`);
  const held = world.control.hold(`start:${name}/${row.id}`);
  (row.ref as ActorRef<never>).kill('chaos: kill child, its restart held');
  await world.bound(held.entered.promise, `the restart of ${name}/${row.id}`);
  const from = mark(world);
  if (target === 'domain') world.live.kill(name, 'chaos: kill mid-restart');
  else own.kill('chaos: kill its supervisor mid-restart');
  world.control.release(held);
  await world.settle();
  await checkDead(world, name, ref, from, `${target} killed while a child restart was held`);
  return 'applied';
}

async function childStorm(world: World, index: number): Promise<StepResult> {
  const name = world.pick(world.withChildren(), index);
  if (!name) return 'skip: no domain with children';
  if (!(await prepareActive(world, name))) return `skip: ${name} could not be made active`;
  const ref = world.domainRef(name);
  const own = ownSupervisorOf(ref);
  const from = mark(world);
  let kills = 0;
  while (own?.alive && kills < 12) {
    const row = running(own)[0];
    if (!row) break;
    (row.ref as ActorRef<never>).kill('chaos: child storm');
    kills += 1;
    await world.bound(outcome(own.deleteChild('__barrier__')), 'a barrier');
  }
  world.check('child-storm');
  if (own?.alive) fail('child-storm', `${name}'s own supervisor is alive after ${kills} kills of its children (budget 3 in 5 s)`);
  await world.settle();
  const crashes = world.step.domain.slice(from.domain).filter((event) => event.domain === name && event.event === 'crashed');
  if (crashes.length !== 1) fail('child-storm', `${name} crashed ${crashes.length} times when its children's supervisor gave up once`);
  await checkDead(world, name, ref, from, "its children's supervisor gave up");
  return 'applied';
}

async function domainStorm(world: World, holderIndex: number, index: number): Promise<StepResult> {
  const holder = world.pick(world.holders(), holderIndex);
  if (!holder) return 'skip: no domain supervisor';
  const budget = holder.restartBudget();
  const need = budget.maxRestarts - budget.restarts + 1;
  world.check('escalation');
  for (let kill = 0; kill < need; kill += 1) {
    const row = world.pick(running(holder), index + kill);
    if (!row) fail('escalation', `${holder.name} has no running domain after ${kill} of ${need} kills`);
    (row.ref as ActorRef<never>).kill('chaos: domain storm');
    if (kill === need - 1) break;
    await world.settle();
    if (world.goingDown)
      fail(
        'escalation',
        `${holder.name} gave up on kill ${kill + 1}; with ${budget.restarts} of ${budget.maxRestarts} restarts in its ${budget.maxSeconds} s window used, it should give up on kill ${need}`,
      );
  }
  const exit = await world.bound(world.live.stopped, `the runtime to stop once ${holder.name} gave up`);
  if (exit.clean || !exit.reason.includes('ERR_RESTART_INTENSITY') || !exit.reason.includes(`"${holder.name}"`))
    fail('escalation', `the runtime's exit does not name ${holder.name} giving up: ${JSON.stringify(exit)}`);
  world.exit = exit;
  return 'applied';
}

async function throwingSubscriber(world: World, step: Extract<Step, { kind: 'throwingSubscriber' }>): Promise<StepResult> {
  let calls = 0;
  const off = world.live.subscribe(step.topic, () => {
    calls += 1;
    throw new Error('chaos: a subscriber throws');
  });
  const reports = world.step.subscriberFailed.length;
  if (step.after === 'tick') await tick(world);
  else {
    const name = world.pick(world.names, step.domain) as string;
    if (world.domainRef(name)) world.live.kill(name, 'chaos: kill');
  }
  await world.settle();
  off();
  world.check('subscriber');
  if (calls > 1) fail('subscriber', `a subscriber that threw was called ${calls} times: it was not detached`);
  const reported = world.step.subscriberFailed.slice(reports).filter((report) => report.reason.includes('chaos: a subscriber throws'));
  if (reported.length !== calls) fail('subscriber', `a subscriber threw ${calls} times, ${reported.length} subscriber_failed reports`);
  return calls === 0 ? `skip: no event on ${step.topic}` : 'applied';
}

async function slowActivate(world: World, index: number): Promise<StepResult> {
  const name = world.pick(world.names, index) as string;
  if (!(await prepareWaiting(world, name))) return `skip: ${name} could not be made waiting`;
  const held = world.control.hold(`activate:${name}`);
  const from = mark(world);
  const ticked = outcome(world.live.tick());
  if (!(await caught(world, held, ticked, `activate of ${name}`))) {
    await world.bound(ticked, 'the tick');
    return `skip: activate of ${name} was not called (activation refused)`;
  }
  const ref = world.domainRef(name);
  // Every other domain has finished activating (a domain answers inspect only then): the clock
  // jump below times out only the held activate.
  const rows = world.domainRows();
  await Promise.all(world.names.filter((other) => other !== name).map((other) => world.machine(other, rows)));
  world.clock.advance(ACTIVATE_TIMEOUT_MS);
  await settleTick(world, ticked);
  world.control.release(held);
  await world.settle();
  world.check('activate-timeout');
  const crashed = world.step.domain.slice(from.domain).find((event) => event.domain === name && event.event === 'crashed');
  if (!crashed?.reason?.includes('ERR_ACTIVATE_TIMEOUT'))
    fail('activate-timeout', `${name}'s activate was held past activateTimeout: crash ${crashed ? `"${crashed.reason}"` : 'none'}`);
  await checkDead(world, name, ref, from, 'activate held past activateTimeout');
  return 'applied';
}

async function overlappingTicks(world: World, index: number, count: number, kill: boolean): Promise<StepResult> {
  const name = world.pick(world.names, index) as string;
  if (!(await prepareWaiting(world, name))) return `skip: ${name} could not be made waiting`;
  const held = world.control.hold(`activate:${name}`);
  const first = world.live.currentTick();
  const skipped = world.live.skippedTicks();
  const ticks = [outcome(world.live.tick())];
  if (!(await caught(world, held, ticks[0] as Promise<unknown>, `activate of ${name}`))) {
    await world.bound(ticks[0] as Promise<unknown>, 'the tick');
    return `skip: activate of ${name} was not called (activation refused)`;
  }
  const ref = world.domainRef(name);
  // The domain is busy activating: each later tick waits in its one slot, replacing the one before.
  for (let tick = 1; tick < count; tick += 1) ticks.push(outcome(world.live.tick()));
  const from = mark(world);
  if (kill) world.live.kill(name, 'chaos: kill under overlapping ticks');
  world.control.release(held);
  const results = await world.bound(Promise.all(ticks), `${count} overlapping ticks`);
  if (results.some((result) => result !== 'ok') && !(await world.stoppedOnItsOwn()))
    fail('ticks', `overlapping ticks rejected: ${results.map(codeOf).join(', ')}`);
  await world.settle();
  if (world.goingDown) return 'applied';
  world.check('ticks');
  const now = world.live.currentTick();
  if (now !== first + count) fail('ticks', `${count} ticks from tick ${first}, the current tick is ${now}`);
  // The busy domain took the first and handles the last: ticks 2..count-1 waited in its one slot
  // and were replaced (other domains may skip some too, when ticks come faster than their turns).
  const dropped = world.live.skippedTicks() - skipped;
  if (!kill && dropped < count - 2)
    fail('ticks', `${count} ticks while ${name} was busy: ${dropped} skipped, at least ${count - 2} expected`);
  if (kill) await checkDead(world, name, ref, from, 'killed under overlapping ticks');
  else if ((await world.machine(name)) !== 'active') fail('ticks', `${name} is not active after its held activate was let go`);
  return 'applied';
}

async function stopMidActivate(
  world: World,
  index: number,
  target: 'activate' | 'startingChild',
  endRuntime: EndRuntime,
): Promise<StepResult> {
  const holding = await holdActivation(
    world,
    target === 'activate' ? world.names : world.withChildren(),
    index,
    target === 'startingChild',
  );
  if (typeof holding === 'string') return holding;
  const { held, ticked } = holding;
  const stopping = world.live.stop();
  world.control.release(held);
  // endRuntime's stop() is the same stop (stop may be called more than once); it checks the end states.
  await endRuntime(world);
  await world.bound(stopping, 'the stop');
  world.check('ticks');
  const result = await world.bound(ticked, 'the tick in flight when the runtime stopped');
  if (result !== 'ok' && codeOf(result) !== 'ERR_RUNTIME_STOPPED')
    fail('ticks', `a tick in flight when the runtime stopped rejected with ${codeOf(result)}, not ERR_RUNTIME_STOPPED`);
  await world.boot();
  return 'applied';
}
