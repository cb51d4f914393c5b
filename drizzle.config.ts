/**
 * drizzle-kit configuration: where the schema lives and where migrations are generated.
 *
 * @example
 * npx drizzle-kit generate --name add_restart_count   # writes drizzle/NNNN_add_restart_count.sql
 *
 * `schema` is a list so other schema files can be added beside the registry store's.
 */

import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: ['./src/store/schema.ts', './src/store/prune-schema.ts', './actors/cerebros/schema.ts'],
  out: './drizzle',
});
