#!/usr/bin/env node
// The installed `thunderline` command: runs the built CLI from dist/ (built by `npm run build`,
// which `npm install`/`npm ci` run through the `prepare` script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('thunderline: the CLI is not built (no dist/); run "npm run build" in the package folder\n');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
