/** Runs the CLI as a child process, as a user would, and collects its output. */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const entry = path.join(root, 'src/cli/main.ts');

/** What a finished CLI run printed and returned. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `thunderline <args>`; `result` resolves when it exits (killed after `timeoutMs`). */
export function startCli(args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: root,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(stdout)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const result = new Promise<CliResult>((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      // Let the pipes drain before reporting.
      setImmediate(() => resolve({ code, signal, stdout, stderr }));
    });
  });
  /** Resolves once stdout matches `pattern`; rejects if the process exits first. */
  const waitFor = (pattern: RegExp): Promise<void> =>
    new Promise((resolve, reject) => {
      if (pattern.test(stdout)) return resolve();
      waiters.push({ pattern, resolve });
      void result.then(() => reject(new Error(`exited before printing ${pattern}; stdout: ${stdout}; stderr: ${stderr}`)));
    });
  /** Everything printed to stdout so far. */
  const output = async (): Promise<string> => stdout;
  return { child, result, waitFor, output };
}

/** Runs `thunderline <args>` to completion. */
export function runCli(args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return startCli(args, options).result;
}

/** Asserts the CLI wrote exactly one `thunderline: …` line to stderr, mentioning `includes`. */
export function assertOneErrorLine(stderr: string, includes: string): void {
  const lines = stderr.trim().split('\n');
  assert.is(lines.length, 1, `expected one stderr line, got: ${stderr}`);
  assert.ok(lines[0]?.startsWith('thunderline: '), lines[0]);
  assert.ok(lines[0]?.includes(includes), `"${lines[0]}" should mention ${includes}`);
}
