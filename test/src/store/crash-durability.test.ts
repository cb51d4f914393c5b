import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openStore } from '../../../src/store/index.ts';
import { makeTmpDir, REPO_ROOT, removeTmpDir } from './helpers.ts';

const FIXTURE = path.join(REPO_ROOT, 'test', 'src', 'store', 'fixtures', 'write-until-killed.ts');
/** Kills the child if it never gets going, so a broken fixture fails the test instead of hanging it. */
const CHILD_TIMEOUT_MS = 30_000;
/** Kill after this many acknowledged batches, so the child is mid-stream, not just started. */
const BATCHES_BEFORE_KILL = 5;

interface CrashContext {
  dir: string;
  dbPath: string;
  child?: ChildProcess;
}

interface CrashOutcome {
  acknowledged: number;
  signal: NodeJS.Signals | null;
}

/**
 * Resolves once the child has printed `count` "flushed" lines, with the highest N seen;
 * keeps counting lines that arrive later, since those were acknowledged too.
 */
function killAfterFlushes(child: ChildProcess, count: number): Promise<CrashOutcome> {
  return new Promise((resolve, reject) => {
    const { stdout, stderr: errors } = child;
    if (!stdout || !errors) {
      reject(new Error('spawn the writer with piped stdout and stderr'));
      return;
    }
    let acknowledged = 0;
    let lines = 0;
    let stderr = '';
    errors.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    createInterface({ input: stdout }).on('line', (line) => {
      const match = /^flushed (\d+)$/.exec(line);
      if (!match) return;
      acknowledged = Math.max(acknowledged, Number(match[1]));
      lines += 1;
      if (lines === count) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (lines < count) {
        reject(new Error(`the writer exited (code ${code}, signal ${signal}) after ${lines} flushes: ${stderr}`));
      } else {
        resolve({ acknowledged, signal });
      }
    });
  });
}

const crash = suite<CrashContext>('crash durability');

crash.before.each((context) => {
  context.dir = makeTmpDir();
  context.dbPath = path.join(context.dir, 'thunderline.db');
  context.child = undefined;
});

crash.after.each((context) => {
  if (context.child && context.child.exitCode === null && context.child.signalCode === null) {
    context.child.kill('SIGKILL');
  }
  removeTmpDir(context.dir);
});

crash('keeps every acknowledged row and an intact file when the writer is SIGKILLed', async (context) => {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, context.dbPath, '50'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: CHILD_TIMEOUT_MS,
    killSignal: 'SIGKILL',
  });
  context.child = child;

  const { acknowledged, signal } = await killAfterFlushes(child, BATCHES_BEFORE_KILL);
  assert.is(signal, 'SIGKILL');
  assert.ok(acknowledged >= BATCHES_BEFORE_KILL * 50, `acknowledged ${acknowledged} rows`);

  const db = new Database(context.dbPath);
  try {
    assert.is(db.pragma('integrity_check', { simple: true }), 'ok');
    const kept = db
      .prepare<[number], { count: number }>('SELECT count(*) AS count FROM domain_activation_history WHERE id <= ?')
      .get(acknowledged);
    assert.is(kept?.count, acknowledged);
  } finally {
    db.close();
  }

  // The next writer recovers the log, then closes the run the killed writer left open.
  const store = openStore(context.dbPath);
  try {
    const killedRows = store.readHistory({ limit: 1_000_000 }).filter((row) => row.metadata.reason === undefined);
    const newest = killedRows[0];
    assert.ok(newest && newest.id >= acknowledged, `newest history id ${newest?.id} >= ${acknowledged}`);
    assert.is(store.readDomains().length, 20);
    const run = store.latestRun();
    assert.is(run?.stoppedAt, newest?.occurredAt, 'closed when the ledger last heard from it');
    assert.match(run?.stopReason ?? '', /^unclean: /);
  } finally {
    store.close();
  }
});

crash.run();
