/**
 * The runtime's database file: a file that is not SQLite is refused and left untouched, and a
 * runtime killed with SIGKILL after a tick loses none of the rows that tick acknowledged.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startRuntime } from '../../../index.ts';
import { openStore } from '../../../src/store/index.ts';
import { emptyContext, REPO_ROOT, type RuntimeContext, rejection, setUp, tearDown, tmpDb, withDb } from './helpers.ts';

const refusal = suite<RuntimeContext>('runtime: database refusal', emptyContext());
refusal.before.each(setUp);
refusal.after.each(tearDown);

refusal('a database file that is not SQLite is refused with ERR_DB_NOT_SQLITE and left untouched', async (context) => {
  const file = tmpDb(context, 'notes.txt');
  const content = 'these are my notes, not a database\n'.repeat(20);
  fs.writeFileSync(file, content);
  const mtimeMs = fs.statSync(file).mtimeMs;

  const error = await rejection(() => startRuntime({ database: file, tickInterval: 'manual', clock: context.clock }));
  assert.is(error.code, 'ERR_DB_NOT_SQLITE');
  assert.is(
    error.message,
    `database "${file}" is not an SQLite database (it does not start with the SQLite header); it was left untouched; pass another --db path`,
  );
  assert.is(fs.readFileSync(file, 'utf8'), content);
  assert.is(fs.statSync(file).mtimeMs, mtimeMs);
  assert.equal(fs.readdirSync(path.dirname(file)), ['notes.txt'], 'no -wal or -shm file beside it');
});

refusal('a database path in a missing directory is refused with ERR_DB_DIRECTORY_MISSING', async (context) => {
  const file = path.join(path.dirname(tmpDb(context)), 'missing', 'thunderline.db');
  const error = await rejection(() => startRuntime({ database: file, tickInterval: 'manual', clock: context.clock }));
  assert.is(error.code, 'ERR_DB_DIRECTORY_MISSING');
  assert.is(fs.existsSync(path.dirname(file)), false);
});

refusal.run();

// ---

const FIXTURE = path.join(REPO_ROOT, 'test', 'src', 'runtime', 'fixtures', 'tick-until-killed.ts');
/** Kills the child if it never gets going, so a broken fixture fails the test instead of hanging it. */
const CHILD_TIMEOUT_MS = 30_000;
/** Kill on this tick's line, so the child is mid-stream (crashes and restarts), not just started. */
const KILL_AT_TICK = 4;

interface KillContext extends RuntimeContext {
  child: ChildProcess | undefined;
}

interface Killed {
  /** Status changes acknowledged by the last line read before the kill. */
  acknowledged: number;
  signal: NodeJS.Signals | null;
}

/** Reads the child's `ticked <tick> <acknowledged>` lines and SIGKILLs it on tick `killAt`. */
function killOnTick(child: ChildProcess, killAt: number): Promise<Killed> {
  return new Promise((resolve, reject) => {
    const { stdout, stderr } = child;
    if (!stdout || !stderr) {
      reject(new Error('spawn the fixture with piped stdout and stderr'));
      return;
    }
    let acknowledged = -1;
    let errors = '';
    stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    createInterface({ input: stdout }).on('line', (line) => {
      const match = /^ticked (\d+) (\d+)$/.exec(line);
      if (!match || acknowledged >= 0) return;
      if (Number(match[1]) === killAt) {
        // SIGKILL at once, in the same turn the line arrives: no graceful anything.
        child.kill('SIGKILL');
        acknowledged = Number(match[2]);
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (acknowledged < 0) reject(new Error(`the fixture exited (code ${code}, signal ${signal}) before tick ${killAt}: ${errors}`));
      else resolve({ acknowledged, signal });
    });
  });
}

const durability = suite<KillContext>('runtime: SIGKILL durability', { ...emptyContext(), child: undefined });
durability.before.each((context) => {
  setUp(context);
  context.child = undefined;
});
durability.after.each(async (context) => {
  const { child } = context;
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await tearDown(context);
});

durability('a runtime SIGKILLed after a tick keeps every row that tick acknowledged, in an intact file', async (context) => {
  const file = tmpDb(context);
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, file], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: CHILD_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  context.child = child;
  const { acknowledged, signal } = await killOnTick(child, KILL_AT_TICK);
  assert.is(signal, 'SIGKILL');
  // 5 waiting + 5 activated at tick 1, then crashed/restarting/waiting/activated for each later tick.
  assert.is(acknowledged, 10 + 4 * (KILL_AT_TICK - 1));

  const { integrity, rows, activations, runs } = withDb(file, (db) => ({
    integrity: db.pragma('integrity_check', { simple: true }),
    rows: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM domain_activation_history').get()?.n ?? 0,
    activations: db
      .prepare<[], { domain_name: string; tick_count: number }>(
        "SELECT domain_name, tick_count FROM domain_activation_history WHERE event = 'activated' ORDER BY id",
      )
      .all()
      .map((row) => `${row.domain_name}@${row.tick_count}`),
    runs: db
      .prepare<[], { stopped_at: number | null; stop_reason: string | null }>('SELECT stopped_at, stop_reason FROM runtime_runs')
      .all(),
  }));
  assert.is(integrity, 'ok');
  assert.ok(rows >= acknowledged, `${rows} history rows on disk, ${acknowledged} acknowledged`);
  // Every activation acknowledged by tick 4: all five at tick 1, then the domain crashed after
  // each of ticks 1-3 coming back on the next tick.
  assert.equal(activations.slice(0, 8), ['alpha@1', 'beta@1', 'gamma@1', 'delta@1', 'epsilon@1', 'beta@2', 'gamma@3', 'delta@4']);
  // Killed, not stopped: the run is still open.
  assert.equal(runs, [{ stopped_at: null, stop_reason: null }]);

  // The runtime's own store opens the file again (WAL recovery) and sees the same rows.
  const store = openStore(file);
  try {
    assert.is(store.readDomains().length, 5);
    assert.ok(store.readHistory({ limit: 1000 }).length >= acknowledged);
  } finally {
    store.close();
  }
});

durability.run();
