/**
 * CLI error reporting: one `thunderline:` line on stderr and the exit code of `docs/cli.md` — 2 for bad
 * usage or configuration, 1 for a runtime failure — never a bare stack trace.
 *
 * @example
 * throw usageError('--tick-interval must be an integer number of ms >= 1, got "abc"');
 */
import { formatReason, ThunderlineError } from '../errors.ts';

/** Exit codes of the CLI. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Codes that mean the user asked for something we refuse (exit 2). */
const USAGE_CODES = new Set([
  'ERR_USAGE',
  'ERR_INVALID_OPTION',
  'ERR_INVALID_DOMAIN',
  'ERR_DB_NOT_SQLITE',
  'ERR_DB_DIRECTORY_MISSING',
  'ERR_DB_SCHEMA_NEWER',
  'ERR_DB_NOT_THUNDERLINE',
]);

/** A usage error (exit 2). */
export function usageError(message: string): ThunderlineError {
  return new ThunderlineError('ERR_USAGE', message);
}

/** What the CLI writes to. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/** The process's own streams. */
export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Reports `error` as one line and returns the exit code it deserves. */
export function reportError(io: CliIo, error: unknown): number {
  const usage = error instanceof ThunderlineError && USAGE_CODES.has(error.code);
  const text = error instanceof Error ? error.message : formatReason(error);
  io.err(`thunderline: ${text.replace(/\s*\n\s*/g, ' ')}`);
  return usage ? EXIT.usage : EXIT.failed;
}

/** Parses a whole non-negative decimal number flag, or throws a usage error naming it. */
export function parseIntegerFlag(flag: string, value: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw usageError(`${flag} must be an integer ${range}, got ${JSON.stringify(value)}`);
  }
  return number;
}
