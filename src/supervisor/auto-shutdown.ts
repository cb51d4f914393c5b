/**
 * Automatic shutdown (a supervisor's `autoShutdown` option): whether a child's exit, one the
 * supervisor does not answer with a restart, ends the supervisor itself. Only a significant
 * child's exit can: under `'any_significant'` always, under `'all_significant'` once no other
 * significant child is running or restarting, under `'never'` not at all.
 *
 * @example
 * // A significant transient child exited cleanly under autoShutdown 'any_significant':
 * endsSupervisor('any_significant', exited, children); // true
 */
import type { AutoShutdown, NormalizedChildSpec } from './spec.ts';

/**
 * What the decision reads of a child: its spec and whether it has (or is about to have) an actor.
 *
 * @example
 * const row: SignificantChild = { spec: { significant: true }, status: 'restarting' }; // still counts as running
 */
export interface SignificantChild {
  readonly spec: Pick<NormalizedChildSpec, 'significant'>;
  /** `'terminated'` counts as gone (OTP's pid `undefined`); running and restarting do not. */
  readonly status: 'running' | 'restarting' | 'terminated';
}

/**
 * True when the exit of `exited` (a temporary child's exit, or a transient child's clean exit,
 * never a restart nor a `terminateChild`) shuts the supervisor down: never with `'never'` or a
 * child that is not significant; always with `'any_significant'`; with `'all_significant'` once
 * none of `children` (what is left after the exit) is a significant child still running or
 * restarting. A significant child that was ignored at start, stopped by `terminateChild` or is
 * waiting with a group restart counts as gone, as in OTP.
 *
 * @example
 * const gone = { spec: { significant: true }, status: 'terminated' } as const;
 * endsSupervisor('all_significant', gone, [gone, { spec: { significant: true }, status: 'running' }]); // false
 */
export function endsSupervisor(mode: AutoShutdown, exited: SignificantChild, children: readonly SignificantChild[]): boolean {
  if (mode === 'never' || !exited.spec.significant) return false;
  if (mode === 'any_significant') return true;
  return !children.some((child) => child.spec.significant && child.status !== 'terminated');
}
