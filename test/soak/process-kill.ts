/**
 * `kill -9` of a whole runtime process: the harness stops its runtime (the file's lock is
 * released), a runtime process takes the file — child-runtime.ts running the session's tree, or
 * `thunderline start --json-logs` for the Thunderline tree — and is SIGKILLed after a few ticks
 * (with `hold`: while an activate is pending, a tick in flight). The harness then starts again
 * on the file: the killed run must be closed `unclean`, its rows a prefix of what it published
 * (at least what it acknowledged) followed by one `deactivated` row per domain still running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { DomainEvent } from '../../index.ts';
import { type Recorded, recordOf } from './boot.ts';
import { diffUncleanClose } from './invariants.ts';
import { historyRows, runRows, withLedger } from './ledger.ts';
import type { Step } from './steps.ts';
import { bump, fail, type RunRecord, type World } from './world.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHILD = path.join(ROOT, 'test/soak/child-runtime.ts');
const CLI = path.join(ROOT, 'src/cli/main.ts');

/** Child processes alive now: a failing session kills them (`killChildren`). */
const alive = new Set<ChildProcess>();

export function killChildren(): void {
  for (const child of alive) child.kill('SIGKILL');
}

/** A spawned runtime process and its stdout, line by line. */
class Proc {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  stderr = '';
  private waiters: Array<{ test: (line: string) => boolean; resolve: (line: string) => void }> = [];
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    alive.add(this.child);
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      this.lines.push(line);
      for (const waiter of [...this.waiters]) {
        if (!waiter.test(line)) continue;
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    });
    this.closed = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        alive.delete(this.child);
        resolve({ code, signal });
      });
    });
  }

  /** The next line (from now) passing `test`; rejects if the process exits first. */
  next(test: (line: string) => boolean): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ test, resolve });
      void this.closed.then(({ code, signal }) =>
        reject(new Error(`the runtime process exited (code ${code}, signal ${signal}) first; stderr: ${this.stderr}`)),
      );
    });
  }

  send(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    const { signal } = await this.closed;
    if (signal !== 'SIGKILL') fail('process-kill', `the runtime process ended with ${signal} before it was killed; stderr: ${this.stderr}`);
  }
}

/** What a killed process published. */
interface Killed {
  runId: string;
  events: Recorded[];
  acked: number;
}

async function killScript(world: World, step: Extract<Step, { kind: 'processKill' }>): Promise<Killed> {
  const proc = new Proc([CHILD, world.file, world.config.tree, String(world.config.domains), String(world.config.seed)]);
  const events = (): Recorded[] =>
    proc.lines.filter((line) => line.startsWith('event ')).map((line) => JSON.parse(line.slice(6)) as Recorded);
  let acked = 0;
  const ack = (line: string) => {
    // Everything published before this answer is on disk (tick() and flush() resolved).
    acked = proc.lines.slice(0, proc.lines.indexOf(line)).filter((each) => each.startsWith('event ')).length;
  };
  try {
    const ready = proc.next((line) => line === 'ready');
    ack(await world.bound(ready, 'the runtime process to start'));
    for (let tick = 0; tick < step.ticks; tick += 1) {
      const ticked = proc.next((line) => line.startsWith('ticked '));
      proc.send('tick');
      ack(await world.bound(ticked, 'a tick in the runtime process'));
    }
    if (step.hold) {
      const name = world.pick(world.names, step.ticks) as string;
      const killed = proc.next((line) => line === 'killed');
      proc.send(`kill ${name}`);
      ack(await world.bound(killed, 'a kill in the runtime process'));
      const held = proc.next((line) => line === 'held' || line.startsWith('ticked '));
      proc.send(`hold ${name}`);
      const answer = await world.bound(held, 'a held activate in the runtime process');
      if (answer !== 'held') ack(answer);
    }
    await world.bound(proc.kill(), 'the killed process to close');
  } finally {
    proc.child.kill('SIGKILL');
  }
  const run = proc.lines.find((line) => line.startsWith('run '));
  if (!run) fail('process-kill', 'the runtime process printed no run id');
  return { runId: run.slice(4), events: events(), acked };
}

async function killCli(world: World, step: Extract<Step, { kind: 'processKill' }>): Promise<Killed> {
  const proc = new Proc([
    CLI,
    'start',
    '--db',
    world.file,
    '--no-server',
    '--tick-interval',
    '20',
    '--activation-timeout',
    '600000',
    '--json-logs',
  ]);
  let ticks = 0;
  try {
    const enough = proc.next((line) => {
      if (line.includes('"type":"tick"')) ticks += 1;
      return ticks > step.ticks;
    });
    await world.bound(enough, `${step.ticks + 1} ticks of thunderline start`);
    await world.bound(proc.kill(), 'the killed process to close');
  } finally {
    proc.child.kill('SIGKILL');
  }
  // The killed run is the one on file that no runtime of this session started.
  const known = new Set(world.runs.map((run) => run.runId));
  const runId = withLedger(world.file, runRows).find((run) => !known.has(run.runId))?.runId;
  if (!runId) fail('process-kill', `thunderline start left no run on file; it printed: ${proc.lines.slice(0, 3).join(' | ')}`);
  const events: Recorded[] = [];
  for (const line of proc.lines) {
    if (!line.startsWith('{')) continue;
    const event = JSON.parse(line) as { type: string };
    if (event.type.startsWith('domain_')) events.push(recordOf(event as DomainEvent));
  }
  // `--json-logs` does not say which rounds were written: nothing counts as acknowledged.
  return { runId, events, acked: 0 };
}

/** The processKill step: stop, run a process on the file and SIGKILL it, start again, check the close. */
export async function processKill(world: World, step: Extract<Step, { kind: 'processKill' }>, endRuntime: (world: World) => Promise<void>) {
  await endRuntime(world);
  // `thunderline start` runs the Thunderline tree only; it ticks on its own timer, so `hold` is the script's alone.
  const via = world.config.tree === 'thunderline' ? step.via : 'script';
  const variant = via === 'cli' ? 'thunderline start' : step.hold ? 'script, activate pending' : 'script';
  bump(world.stats.applied, `processKill (${variant})`);
  const killed = via === 'cli' ? await killCli(world, step) : await killScript(world, step);
  const record: RunRecord = {
    runId: killed.runId,
    where: via,
    events: killed.events,
    matched: 0,
    lastRowId: 0,
    end: 'killed',
    acked: killed.acked,
  };
  world.runs.push(record);
  await world.boot();
  world.check('unclean-close');
  const { rows, run } = withLedger(world.file, (db) => ({
    rows: historyRows(db, 0, record.runId),
    run: runRows(db).find((each) => each.runId === record.runId),
  }));
  if (!run?.stopReason?.startsWith('unclean') || run.stoppedAt === null)
    fail(
      'unclean-close',
      `the killed run ${record.runId} is ${run ? `closed with ${run.stopReason}` : 'not on file'} after the next start`,
    );
  record.reason = run.stopReason;
  record.closeChecked = true;
  world.log(
    `  kill -9 (${variant}): run ${record.runId} published ${record.events.length} status changes, ${record.acked} acknowledged; ${rows.length} rows after the unclean close`,
  );
  const differs = diffUncleanClose(record.events, record.acked ?? 0, rows, run.stopReason);
  if (differs) fail('unclean-close', `run ${record.runId} (${via}): ${differs}`);
  record.matched = record.events.length;
  record.events = [];
}
