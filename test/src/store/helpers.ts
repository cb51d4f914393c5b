/**
 * Shared helpers of the store tests: temporary directories, error capture, file snapshots.
 *
 * @example
 * const dir = makeTmpDir();
 * const error = catchThunderlineError(() => openStore(path.join(dir, 'x', 'a.db')));
 * assert.is(error.code, 'ERR_DB_DIRECTORY_MISSING');
 * removeTmpDir(dir);
 */

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import { ThunderlineError } from '../../../src/errors.ts';
import type { StatusChange } from '../../../src/store/index.ts';

/** The repository root, where `node --import tsx` finds tsx. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** This build's schema version: the number of generated migrations. */
export function ourSchemaVersion(): number {
  const journalPath = path.join(REPO_ROOT, 'drizzle', 'meta', '_journal.json');
  const journal = JSON.parse(fs.readFileSync(journalPath, 'utf8')) as { entries: unknown[] };
  return journal.entries.length;
}

export function makeTmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'thunderline-store-'));
}

export function removeTmpDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A test's own directory, the database file in it, and what the test opened (closed after it, newest first). */
export interface FileContext {
  dir: string;
  file: string;
  open: Array<{ close(): void }>;
}

/** A suite whose every test gets a fresh {@link FileContext}; the directory is removed after it. */
export function fileSuite(name: string) {
  const test = suite<FileContext>(name, { dir: '', file: '', open: [] });
  test.before.each((context) => {
    context.dir = makeTmpDir();
    context.file = path.join(context.dir, 'thunderline.db');
    context.open = [];
  });
  test.after.each((context) => {
    for (const resource of context.open.reverse()) resource.close();
    removeTmpDir(context.dir);
  });
  return test;
}

/** Runs `fn` and returns the ThunderlineError it throws; fails when it throws nothing else. */
export function catchThunderlineError(fn: () => unknown): ThunderlineError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ThunderlineError) return error;
    throw new Error(`expected a ThunderlineError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a ThunderlineError, but nothing was thrown');
}

/** What must not change when a file is refused: its bytes, its mtime and its neighbours. */
export interface FileSnapshot {
  bytes: Buffer;
  mtimeMs: number;
  dirEntries: string[];
}

export function snapshotFile(file: string): FileSnapshot {
  return {
    bytes: fs.readFileSync(file),
    mtimeMs: fs.statSync(file).mtimeMs,
    dirEntries: fs.readdirSync(path.dirname(file)).sort(),
  };
}

/** A status change with defaults, for brevity. */
export function change(fields: Partial<StatusChange> & Pick<StatusChange, 'domain'>): StatusChange {
  return { runId: 'run-1', event: 'waiting', status: 'waiting', tick: 0, occurredAt: 1_000, ...fields };
}
