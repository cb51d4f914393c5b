/**
 * A small JSON Schema checker (the subset `docs/schemas/*.json` uses: type, const, enum,
 * required, properties, additionalProperties, items, minimum, $ref to `#/$defs/...`), so the
 * protocol tests can hold every frame to the published schemas without a dependency.
 *
 * @example
 * const problems = checkSchema(loadSchema('tick'), frame); // [] when valid
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The subset of JSON Schema we check. */
export interface Schema {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minimum?: number;
  $ref?: string;
  $defs?: Record<string, Schema>;
  anyOf?: Schema[];
}

const SCHEMA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/schemas');

/** Every schema in docs/schemas, by file name without `.json`. */
export function loadSchemas(): Map<string, Schema> {
  const schemas = new Map<string, Schema>();
  for (const file of readdirSync(SCHEMA_DIR)) {
    if (file.endsWith('.json')) schemas.set(file.slice(0, -5), JSON.parse(readFileSync(path.join(SCHEMA_DIR, file), 'utf8')) as Schema);
  }
  return schemas;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** The problems with `value` against `schema` (empty when it conforms). */
export function checkSchema(schema: Schema, value: unknown, at = '$', root: Schema = schema): string[] {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/$defs/', '');
    const target = root.$defs?.[name];
    return target ? checkSchema(target, value, at, root) : [`${at}: unknown $ref ${schema.$ref}`];
  }
  if (schema.anyOf) {
    const results = schema.anyOf.map((option) => checkSchema(option, value, at, root));
    return results.some((problems) => problems.length === 0)
      ? []
      : [`${at}: matches none of anyOf (${results.map((r) => r[0]).join(' | ')})`];
  }
  const problems: string[] = [];
  if (schema.type) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const actual = typeOf(value);
    if (!types.includes(actual) && !(actual === 'integer' && types.includes('number')))
      return [`${at}: expected ${types.join('|')}, got ${actual}`];
  }
  if ('const' in schema && value !== schema.const)
    problems.push(`${at}: expected ${JSON.stringify(schema.const)}, got ${JSON.stringify(value)}`);
  if (schema.enum && !schema.enum.includes(value))
    problems.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (schema.minimum !== undefined && typeof value === 'number' && value < schema.minimum)
    problems.push(`${at}: ${value} < ${schema.minimum}`);
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in object)) problems.push(`${at}: missing required "${key}"`);
    for (const [key, child] of Object.entries(object)) {
      const property = schema.properties?.[key];
      if (property) problems.push(...checkSchema(property, child, `${at}.${key}`, root));
      else if (schema.additionalProperties === false) problems.push(`${at}: unexpected property "${key}"`);
      else if (typeof schema.additionalProperties === 'object')
        problems.push(...checkSchema(schema.additionalProperties, child, `${at}.${key}`, root));
    }
  }
  if (Array.isArray(value) && schema.items) {
    for (const [index, item] of value.entries()) problems.push(...checkSchema(schema.items, item, `${at}[${index}]`, root));
  }
  return problems;
}

const CLUSTER_EVENT_TYPES = new Set([
  'member_joined',
  'member_left',
  'member_dead',
  'leader_changed',
  'shard_acquired',
  'shard_released',
  'shard_fenced',
  'tick_gap',
  'lease_storage_failed',
]);

/** The schema file name for an event type. */
export function schemaNameForEvent(type: string): string {
  if (type === 'tick') return 'tick';
  if (type.startsWith('domain_')) return 'domain-event';
  if (type.startsWith('child_') || type === 'supervisor_escalated') return 'supervisor-event';
  if (type === 'dead_letter') return 'dead-letter';
  if (type === 'subscriber_failed') return 'subscriber-failed';
  if (type === 'operation_failed') return 'operation-failed';
  if (CLUSTER_EVENT_TYPES.has(type)) return 'cluster-event';
  return 'custom-event';
}
