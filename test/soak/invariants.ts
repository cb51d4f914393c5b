/**
 * The soak's invariants. Each check counts itself (`world.check`) and fails with a
 * {@link SoakFailure} naming it. The comparisons are pure functions (exported for
 * soak.test.ts, which feeds them broken inputs); the `check*` functions gather what they compare
 * from the runtime and from the SQLite file, read-only.
 */

import { type ActorRef, isCleanExit, type Runtime, type SupervisorTree } from '../../index.ts';
import { nactName } from '../../src/actor/nact-actor.ts';
import type { HistoryEvent } from '../../src/store/status-names.ts';
import { type Recorded, STATUS_AFTER } from './boot.ts';
import { domainRows, historyRows, integrity, isCorruption, type LedgerRow, type LedgerRun, runRows, withLedger } from './ledger.ts';
import { fail, ownSupervisorOf, type RunRecord, type World } from './world.ts';

// ------------------------------------------------------------------ pure comparisons

const show = (entry: Recorded | LedgerRow | undefined): string =>
  entry === undefined
    ? 'nothing'
    : `${entry.domain} ${entry.event} @${entry.tick}${entry.reason === undefined ? '' : ` (${entry.reason})`}`;

/**
 * Every status change is exactly one row, in order: `rows` must be `events` one for one (domain,
 * event, tick, reason). Returns what differs first, or undefined.
 */
export function diffHistory(events: readonly Recorded[], rows: readonly LedgerRow[]): string | undefined {
  const length = Math.max(events.length, rows.length);
  for (let index = 0; index < length; index += 1) {
    const event = events[index];
    const row = rows[index];
    if (
      !event ||
      !row ||
      event.domain !== row.domain ||
      event.event !== row.event ||
      event.tick !== row.tick ||
      event.reason !== row.reason
    ) {
      return `status change ${index + 1} of ${events.length}: published ${show(event)}, row ${row ? `#${row.id} ` : ''}${show(row)} (${rows.length} rows)`;
    }
  }
  return undefined;
}

/** The ledger's runs against what the harness knows of each; returns the violations. */
export function diffRuns(records: readonly RunRecord[], rows: readonly LedgerRun[]): string[] {
  const problems: string[] = [];
  const byId = new Map(rows.map((row) => [row.runId, row]));
  if (rows.length !== records.length) problems.push(`${rows.length} runs on file, ${records.length} started`);
  for (const record of records) {
    const row = byId.get(record.runId);
    if (!row) {
      problems.push(`run ${record.runId} (${record.where}) is not on file`);
      continue;
    }
    const where = `run ${record.runId} (${record.where}, ${record.end})`;
    if (record.end === 'live') {
      if (row.stoppedAt !== null) problems.push(`${where} is live but closed: ${row.stopReason}`);
      continue;
    }
    if (row.stoppedAt === null) {
      // A killed run stays open until the next runtime takes the file: only then is it an open run after a restart.
      if (record.end !== 'killed' || record.closeChecked) problems.push(`${where} is still open`);
      continue;
    }
    if (record.end === 'shutdown' && row.stopReason !== 'shutdown') problems.push(`${where} closed with ${row.stopReason}`);
    if (record.end === 'escalated' && row.stopReason !== record.reason)
      problems.push(`${where} closed with ${row.stopReason}, exit ${record.reason}`);
    if (record.end === 'killed' && !row.stopReason?.startsWith('unclean')) problems.push(`${where} closed with ${row.stopReason}`);
  }
  const open = rows.filter((row) => row.stoppedAt === null);
  const live = records.filter((record) => record.end === 'live');
  const killedOpen = records.filter((record) => record.end === 'killed' && !record.closeChecked);
  if (open.length > live.length + killedOpen.length) problems.push(`${open.length} runs open: ${open.map((row) => row.runId).join(', ')}`);
  return problems;
}

const RUNNING = new Set(['waiting', 'active', 'crashed', 'restarting']);

/**
 * A SIGKILLed run's rows: a prefix of what it published, at least what it acknowledged, then one
 * `deactivated` row with the unclean reason for each domain that was still running at the end of
 * that prefix (docs/operations.md, "After a crash or kill -9").
 */
export function diffUncleanClose(
  events: readonly Recorded[],
  acked: number,
  rows: readonly LedgerRow[],
  reason: string,
): string | undefined {
  let prefix = rows.length;
  while (prefix > 0 && rows[prefix - 1]?.event === 'deactivated' && rows[prefix - 1]?.reason === reason) prefix -= 1;
  if (prefix < acked) return `${prefix} rows before the close, but ${acked} status changes were acknowledged before the kill`;
  if (prefix > events.length) return `${prefix} rows before the close, but the process published only ${events.length}`;
  const differs = diffHistory(events.slice(0, prefix), rows.slice(0, prefix));
  if (differs) return `the rows are not a prefix of what the process published: ${differs}`;
  const last = new Map<string, string>();
  for (const event of events.slice(0, prefix)) last.set(event.domain, STATUS_AFTER[event.event as HistoryEvent] ?? event.event);
  const expected = [...last].filter(([, status]) => RUNNING.has(status)).map(([domain, status]) => `${domain}:${status}`);
  const closing = rows.slice(prefix).map((row) => `${row.domain}:${row.previousStatus}`);
  expected.sort();
  closing.sort();
  if (JSON.stringify(expected) !== JSON.stringify(closing))
    return `closing rows ${JSON.stringify(closing)}, but the domains still running were ${JSON.stringify(expected)}`;
  return undefined;
}

/** Every actor id in a supervision tree (the supervisors' own ids are their parents' rows). */
export function treeActors(tree: SupervisorTree, into: Set<string> = new Set()): Set<string> {
  for (const child of tree.children) {
    if (child.actor !== undefined && child.status === 'running') into.add(child.actor);
    if (child.tree) treeActors(child.tree, into);
  }
  return into;
}

/** Live cells no supervisor holds, and running rows whose cell is gone. */
export function diffCells(live: readonly string[], supervised: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const expected = new Set([...supervised].map(nactName));
  const alive = new Set(live);
  for (const cell of live) if (!expected.has(cell)) problems.push(`cell ${cell} lives without a supervisor`);
  for (const cell of expected) if (!alive.has(cell)) problems.push(`the tree shows ${cell} running, but its cell is gone`);
  return problems;
}

/** Counts per resource type in `now` above `baseline`. */
export function diffResources(baseline: readonly string[], now: readonly string[]): string[] {
  const count = (list: readonly string[]) => {
    const counts = new Map<string, number>();
    for (const type of list) counts.set(type, (counts.get(type) ?? 0) + 1);
    return counts;
  };
  const before = count(baseline);
  const problems: string[] = [];
  for (const [type, n] of count(now)) if (n > (before.get(type) ?? 0)) problems.push(`${type}: ${n}, baseline ${before.get(type) ?? 0}`);
  return problems;
}

// ------------------------------------------------------------------ checks on a live runtime

/** The registry equals every domain's machine state (and its restart count the supervisor's). */
export async function checkRegistry(world: World): Promise<void> {
  world.check('registry=machines');
  const { registry } = world.live;
  const known = registry
    .statuses()
    .map((status) => status.name)
    .sort();
  const names = [...world.names].sort();
  if (JSON.stringify(known) !== JSON.stringify(names))
    fail('registry=machines', `the registry knows ${known.length} domains, the tree runs ${names.length}`);
  const rows = world.domainRows();
  const states = await Promise.all(world.names.map(async (name) => [name, await world.machine(name, rows)] as const));
  for (const [name, state] of states) {
    const status = registry.domainStatus(name);
    if (status?.status !== state) fail('registry=machines', `${name}: the registry says ${status?.status}, its machine is ${state}`);
    const row = rows.get(name)?.row;
    if (row && row.restarts !== status.restarts)
      fail('registry=machines', `${name}: ${status.restarts} restarts in the registry, ${row.restarts} in its supervisor`);
  }
}

/** The live run's new rows are its new status changes; each domain's registry row is its status. */
export function checkLedger(world: World): void {
  const run = world.current;
  if (!run) return;
  world.check('history=events');
  world.check('integrity');
  let read: { rows: LedgerRow[]; domains: ReturnType<typeof domainRows>; check: string };
  try {
    read = withLedger(world.file, (db) => ({
      check: integrity(db),
      rows: historyRows(db, run.lastRowId, run.runId),
      domains: domainRows(db),
    }));
  } catch (error) {
    if (isCorruption(error)) fail('integrity', `the file cannot be read: ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  }
  const { rows, domains, check } = read;
  if (check !== 'ok') fail('integrity', `PRAGMA integrity_check: ${check}`);
  const differs = diffHistory(run.events, rows);
  if (differs) fail('history=events', `run ${run.runId}, after ${run.matched} matched: ${differs}`);
  // Matched events are on file: only the count is kept, so a long session's memory is the runtime's.
  run.matched += run.events.length;
  run.events.length = 0;
  run.lastRowId = rows.at(-1)?.id ?? run.lastRowId;
  if (!world.runtime) return;
  world.check('registry=ledger');
  const byName = new Map(domains.map((row) => [row.domain, row]));
  for (const status of world.runtime.registry.statuses()) {
    const row = byName.get(status.name);
    if (row?.status !== status.status || row.tick !== status.tick || row.runId !== run.runId)
      fail(
        'registry=ledger',
        `${status.name}: registry ${status.status} @${status.tick}, file ${row?.status} @${row?.tick} (run ${row?.runId})`,
      );
  }
}

/** Only the live run is open; every ended run is closed as it ended. */
export function checkRuns(world: World): void {
  world.check('runs');
  const rows = withLedger(world.file, runRows);
  const problems = diffRuns(world.runs, rows);
  if (problems.length > 0) fail('runs', problems.join('; '));
}

/** Every live actor cell is held by a supervisor of the tree (or by a live domain's own), and every running row's cell lives. */
export function checkCells(world: World): void {
  world.check('no-orphans');
  const runtime = world.live;
  const supervised = treeActors(runtime.tree());
  supervised.add(runtime.supervisor.id);
  for (const holder of world.holders()) {
    for (const row of holder.whichChildren()) {
      if (row.status !== 'running') continue;
      const own = ownSupervisorOf(row.ref as ActorRef<never>);
      if (!own) continue;
      supervised.add(own.id);
      treeActors(own.tree(), supervised);
    }
  }
  const problems = diffCells(world.liveCells(), supervised);
  if (problems.length > 0) fail('no-orphans', problems.slice(0, 5).join('; '));
}

/** Every invariant of a settled, running runtime. */
export async function checkLive(world: World): Promise<void> {
  await checkRegistry(world);
  checkLedger(world);
  checkRuns(world);
  checkCells(world);
}

// ------------------------------------------------------------------ checks once a runtime has ended

/**
 * A runtime that ended (stopped, or gave up): every status change on file, its run closed as it
 * ended, every domain in an end state, no cell alive, no timer left on its clock.
 */
export function checkEnded(world: World, runtime: Runtime, how: 'shutdown' | 'escalated'): void {
  checkLedger(world);
  checkRuns(world);
  world.check('end-states');
  const allowed = how === 'shutdown' ? ['inactive'] : ['inactive', 'failed'];
  const stuck = runtime.registry.statuses().filter((status) => !allowed.includes(status.status));
  if (stuck.length > 0)
    fail(
      'end-states',
      `after ${how === 'shutdown' ? 'a clean stop' : 'the runtime gave up'}: ${stuck
        .slice(0, 5)
        .map((status) => `${status.name} is ${status.status}`)
        .join(', ')}`,
    );
  if (how === 'escalated' && !runtime.registry.statuses().some((status) => status.status === 'failed'))
    fail('end-states', 'the runtime gave up, but no domain is failed');
  world.check('cells-after-stop');
  const cells = world.cellsAtRootExit.get(runtime.runId);
  if (!cells) fail('cells-after-stop', `the runtime of run ${runtime.runId} ended, but its root supervisor never exited`);
  if (cells.length > 0)
    fail('cells-after-stop', `${cells.length} cells alive when the root supervisor had exited: ${cells.slice(0, 5).join(', ')}`);
  world.check('timers-after-stop');
  if (world.clock.pendingTimers() > 0)
    fail('timers-after-stop', `${world.clock.pendingTimers()} timers left on the clock of a runtime that ended`);
}

/** The restart budget: a runtime that gave up had a supervisor past its budget in this step. */
export function checkEscalation(world: World, exit: { reason: string; clean: boolean }): void {
  world.check('escalation');
  if (exit.clean) fail('escalation', `the runtime stopped on its own with a clean exit: ${exit.reason}`);
  if (!exit.reason.includes('ERR_RESTART_INTENSITY'))
    fail('escalation', `the runtime stopped on its own, not by a restart budget: ${exit.reason}`);
  const abnormal = new Map<string, number>();
  for (const exited of world.step.childExited)
    if (!isCleanExit(exited.reason) && !exited.reason.startsWith('shutdown'))
      abnormal.set(exited.supervisor, (abnormal.get(exited.supervisor) ?? 0) + 1);
  const over = [...world.budgetsBefore].filter(([name, budget]) => budget.restarts + (abnormal.get(name) ?? 0) > budget.maxRestarts);
  if (over.length === 0)
    fail(
      'escalation',
      `the runtime gave up, but no supervisor went past its budget in this step: ${JSON.stringify([...world.budgetsBefore])}, exits ${JSON.stringify([...abnormal])}`,
    );
}
