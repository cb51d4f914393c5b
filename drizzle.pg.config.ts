/**
 * drizzle-kit configuration of the cluster ledger (PostgreSQL; `src/cluster/pg-schema.ts`).
 *
 * @example
 * npx drizzle-kit generate --config drizzle.pg.config.ts --name add_column   # writes drizzle/pg/NNNN_add_column.sql
 */

import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/cluster/pg-schema.ts'],
  out: './drizzle/pg',
});
