/**
 * Strict flag parsing for every command (`node:util` parseArgs), turning its errors into one
 * usage line that names the flag and lists the allowed ones.
 *
 * @example
 * const { values } = parseFlags('status', argv, { db: { type: 'string' }, json: { type: 'boolean' } });
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { usageError } from './usage-error.ts';

/** The flag definitions of one command. */
export type FlagSpec = NonNullable<ParseArgsConfig['options']>;

type FlagValue<S> = S extends { type: 'boolean' } ? boolean : S extends { multiple: true } ? string[] : string;

/** Parsed flags: each value typed by its definition, plus `help`. */
export interface ParsedFlags<T extends FlagSpec> {
  values: { [K in keyof T]?: FlagValue<T[K]> } & { help?: boolean };
}

/** Parses `argv` for `command`; unknown flags, missing values and positionals are usage errors. */
export function parseFlags<T extends FlagSpec>(command: string, argv: string[], options: T): ParsedFlags<T> {
  try {
    const parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    return parsed as unknown as ParsedFlags<T>;
  } catch (error) {
    const allowed = Object.keys(options)
      .map((name) => `--${name}`)
      .concat('--help')
      .join(', ');
    const code = (error as { code?: string }).code;
    const detail = error instanceof Error ? error.message.split('.')[0] : String(error);
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw usageError(`${command}: ${detail}; allowed flags: ${allowed}`);
    }
    throw usageError(`${command}: ${detail}`);
  }
}
