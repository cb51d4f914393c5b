/**
 * A client's `subscribe` filter: exact event types, or prefixes ending in `*` (`domain_*`,
 * `custom:*`); `*` or an empty list means every event.
 *
 * @example
 * const filter = new TypeFilter(['domain_*', 'tick']);
 * filter.matches('domain_crashed'); // true
 */

const MAX_TYPES = 100;
const MAX_TYPE_LENGTH = 100;

/** A compiled type filter. */
export class TypeFilter {
  /** True when every event passes. */
  readonly all: boolean;
  /** A stable key: clients with equal keys share one frame. */
  readonly key: string;
  /** The types as given (sorted), or null for every event. */
  readonly types: string[] | null;
  private readonly exact = new Set<string>();
  private readonly prefixes: string[] = [];

  constructor(types: readonly string[] | null) {
    this.all = types === null || types.length === 0 || types.includes('*');
    this.types = this.all ? null : [...new Set(types)].sort();
    this.key = this.types === null ? '*' : this.types.join('\n');
    for (const type of this.types ?? []) {
      if (type.endsWith('*')) this.prefixes.push(type.slice(0, -1));
      else this.exact.add(type);
    }
  }

  matches(type: string): boolean {
    return this.all || this.exact.has(type) || this.prefixes.some((prefix) => type.startsWith(prefix));
  }

  /** Why `types` is not a valid filter, or undefined when it is. */
  static validate(types: unknown): string | undefined {
    if (!Array.isArray(types)) return '"types" must be an array of event types, e.g. ["domain_*", "tick"]';
    if (types.length > MAX_TYPES) return `"types" may list at most ${MAX_TYPES} types, got ${types.length}`;
    const bad = types.findIndex((type) => typeof type !== 'string' || type.length === 0 || type.length > MAX_TYPE_LENGTH);
    if (bad >= 0) return `"types[${bad}]" must be a non-empty string of at most ${MAX_TYPE_LENGTH} characters`;
    return undefined;
  }
}
