/**
 * Which children one crash takes down and restarts, per strategy: the crashed child alone, every
 * child, or the crashed child and those started after it.
 *
 * @example
 * affectedChildren('rest_for_one', ['a', 'b', 'c'], 'b'); // ['b', 'c']
 */
import type { Strategy } from './spec.ts';

/**
 * The children to restart after `crashed` exits, in start order: only it (`one_for_one`),
 * all of them (`one_for_all`), or it and every child started after it (`rest_for_one`).
 */
export function affectedChildren<T>(strategy: Strategy, children: readonly T[], crashed: T): T[] {
  switch (strategy) {
    case 'one_for_one':
      return [crashed];
    case 'one_for_all':
      return [...children];
    case 'rest_for_one': {
      const index = children.indexOf(crashed);
      return index < 0 ? [crashed] : children.slice(index);
    }
    default: {
      const unreachable: never = strategy;
      throw new Error(`unknown strategy ${String(unreachable)}`);
    }
  }
}
