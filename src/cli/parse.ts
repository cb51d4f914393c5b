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

/** A value that reads as a negative number (`-1`, `-2.5`, `-.5`): after a flag, its value. */
const NEGATIVE_NUMBER = /^-\.?\d/;

/**
 * `argv` with each `--flag -1` written `--flag=-1` when `--flag` takes a value: parseArgs refuses
 * a value that begins with a dash as ambiguous, but a negative number is no flag, and the flag's
 * own check should name it (`--tick-interval must be an integer >= 1, got "-1"`).
 */
function joinNegativeValues(argv: string[], options: FlagSpec): string[] {
  const joined: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] as string;
    const next = argv[index + 1];
    const flag = arg.startsWith('--') && !arg.includes('=') ? options[arg.slice(2)] : undefined;
    if (flag?.type === 'string' && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      joined.push(`${arg}=${next}`);
      index += 1;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

/** Parses `argv` for `command`; unknown flags, missing values and positionals are usage errors. */
export function parseFlags<T extends FlagSpec>(command: string, argv: string[], options: T): ParsedFlags<T> {
  const args = joinNegativeValues(argv, options);
  try {
    const parsed = parseArgs({
      args,
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
    const ambiguous = code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ? dashValue(args, options) : undefined;
    if (ambiguous) {
      throw usageError(
        `${command}: ${ambiguous.flag} needs a value; to pass one that begins with "-", write ${ambiguous.flag}=${ambiguous.value}`,
      );
    }
    throw usageError(`${command}: ${detail}`);
  }
}

/** The first `--flag -value` pair in `args` (what parseArgs calls an ambiguous argument). */
function dashValue(args: string[], options: FlagSpec): { flag: string; value: string } | undefined {
  for (let index = 0; index + 1 < args.length; index += 1) {
    const flag = args[index] as string;
    const value = args[index + 1] as string;
    const takesValue = flag.startsWith('--') && !flag.includes('=') && options[flag.slice(2)]?.type === 'string';
    if (takesValue && value.startsWith('-')) return { flag, value };
  }
  return undefined;
}
