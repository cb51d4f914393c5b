/**
 * Option errors shared by the supervisor APIs (supervisors, dynamic and task supervisors,
 * `asyncStream`, tasks): each names the option, the rule and the value given, and an unknown
 * option (a typo) is refused by name with the list of the allowed ones.
 *
 * @example
 * throw optionError('supervisor "app": maxRestarts', 'must be an integer >= 0', -1);
 * // ERR_INVALID_SUPERVISOR_OPTIONS: supervisor "app": maxRestarts must be an integer >= 0, got -1
 * checkOptionNames({ maxConcurency: 2 }, ['maxConcurrency', 'ordered'], 'asyncStream:', 'ERR_INVALID_OPTION');
 * // ERR_INVALID_OPTION: asyncStream: unknown option "maxConcurency"; the options are maxConcurrency and ordered
 */
import { describeValue, type ErrorCode, ThunderlineError } from '../errors.ts';

/**
 * `<path> <rule>, got <value>` with `code` (default `ERR_INVALID_SUPERVISOR_OPTIONS`).
 *
 * @example
 * optionError('async: options.shutdown', 'must be an integer number of ms >= 0 or "brutal_kill"', -1, 'ERR_INVALID_OPTION');
 */
export function optionError(
  path: string,
  rule: string,
  got: unknown,
  code: ErrorCode = 'ERR_INVALID_SUPERVISOR_OPTIONS',
): ThunderlineError {
  return new ThunderlineError(code, `${path} ${rule}, got ${describeValue(got)}`);
}

/**
 * The allowed values of a rule, quoted: `"a", "b" or "c"`.
 *
 * @example
 * `must be ${quoteAll(['exit', 'kill_task'])}`; // must be "exit" or "kill_task"
 */
export function quoteAll(values: readonly string[]): string {
  return joinAll(values.map((value) => `"${value}"`));
}

function joinAll(values: readonly string[], last = 'or'): string {
  return values.length < 2 ? (values[0] ?? '') : `${values.slice(0, -1).join(', ')} ${last} ${values[values.length - 1]}`;
}

/**
 * Throws `code` for the first own key of `raw` that is not in `names`, naming it and listing
 * `names`; `at` starts the message (`'supervisor "rooms":'`, `'asyncStream:'`).
 *
 * @example
 * checkOptionNames(options, DYNAMIC_SUPERVISOR_OPTIONS, `supervisor "${name}":`, 'ERR_INVALID_SUPERVISOR_OPTIONS');
 */
export function checkOptionNames(raw: object, names: readonly string[], at: string, code: ErrorCode): void {
  for (const key of Object.keys(raw)) {
    if (!names.includes(key)) {
      throw new ThunderlineError(code, `${at} unknown option ${describeValue(key)}; the options are ${joinAll(names, 'and')}`);
    }
  }
}
