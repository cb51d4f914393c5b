/**
 * Helpers of the ledger tests (test/src/cli/ledger-*.test.ts): a fresh temporary directory per
 * test, a CLI run as another user (so read-only files are read-only even when the suite runs as
 * root), file fingerprints, and the progress of a `start --json-logs` child.
 *
 * @example
 * const dir = makeLedgerDir();
 * const status = await runCliAs(['status', '--db', db], READ_ONLY_USER);
 * assert.equal(fingerprint(dir), before);
 */
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliResult } from './helpers.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const entry = path.join(root, 'src/cli/main.ts');

/** How long a CLI child may run before it is killed (the suite may share 2 cores with another copy). */
export const CHILD_TIMEOUT_MS = 60_000;
/** The bound on waiting for a line from a child. */
export const LINE_TIMEOUT_MS = 45_000;

/** A user and group to run a command as. */
export interface RunAs {
  uid: number;
  gid: number;
}

const NOBODY: RunAs = { uid: 65534, gid: 65534 };
const isRoot = process.getuid?.() === 0;
/**
 * Root may be denied switching users (a container without the capability), or `nobody` may be
 * unable to read this checkout (a clone under a 0700 directory): then the CLI runs as root.
 */
const canBecomeNobody =
  isRoot &&
  spawnSync(process.execPath, ['--import', 'tsx', '-e', ''], { ...NOBODY, cwd: root, env: { ...process.env, HOME: os.tmpdir() } })
    .status === 0;

/**
 * Root ignores file permissions, so a read-only file is only read-only to root's children when
 * they run as another user: `nobody` (65534) when the suite runs as root, else the suite's own
 * user (who is bound by chmod anyway).
 */
export const READ_ONLY_USER: RunAs | undefined = canBecomeNobody ? NOBODY : undefined;

/**
 * False only when the suite runs as root and cannot switch users: chmod then stops nobody, and
 * the tests that need a write to be refused say so and check only that nothing is created.
 */
export const PERMISSIONS_BITE = !isRoot || canBecomeNobody;

/** A fresh directory that `nobody` may enter (mkdtemp makes it 0700). */
export function makeLedgerDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'thunderline-ledger-'));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** Makes a removable directory writable again, then removes it. */
export function removeLedgerDir(dir: string): void {
  try {
    fs.chmodSync(dir, 0o755);
  } catch {
    // already gone
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Runs `thunderline <args>` to completion as `user` (default: this process's user). */
export function runCliAs(args: string[], user: RunAs | undefined): Promise<CliResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: root,
    // tsx keeps its cache under the temporary directory, per user; HOME may be root's.
    env: { ...process.env, HOME: os.tmpdir() },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: CHILD_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    ...(user ?? {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Every entry of `dir` with its size, mode and sha256: what "created nothing, changed nothing" compares. */
export function fingerprint(dir: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    const stat = fs.statSync(file);
    const hash = stat.isFile() ? crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex') : 'dir';
    entries[name] = `${stat.size} ${(stat.mode & 0o777).toString(8)} ${hash}`;
  }
  return entries;
}

/** The one stderr line of a refused command; fails when there are more or it lacks the prefix. */
export function oneErrorLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  if (lines.length !== 1 || !lines[0]?.startsWith('thunderline: ')) {
    throw new Error(`expected one "thunderline:" line on stderr, got: ${JSON.stringify(stderr)}`);
  }
  return lines[0];
}

/** The highest `tick` of the JSON event lines printed so far (`start --json-logs`), or 0. */
export function lastTick(stdout: string): number {
  let highest = 0;
  for (const match of stdout.matchAll(/"type":"tick","tick":(\d+)/g)) highest = Math.max(highest, Number(match[1]));
  return highest;
}

/** A pattern that matches once tick `tick` has been logged by `start --json-logs`. */
export function tickLine(tick: number): RegExp {
  return new RegExp(`"type":"tick","tick":${tick}[,}]`);
}
