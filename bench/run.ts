/**
 * `npm run bench`: builds `dist/`, then runs every `bench/*.bench.ts` in its own process (with `--expose-gc`, so the
 * memory figures are taken after a full collection), one after another, printing their tables.
 * `npm run bench -- store` runs only the benches whose name contains "store".
 *
 * @example
 * npm run bench
 * npm run bench -- kernel runtime
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();

// Benches that measure the built package (`dist/`) must see the current source.
const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: path.dirname(dir), stdio: 'inherit' });
if (build.status !== 0) process.stdout.write('(npm run build failed: benches of the built package are skipped or stale)\n');

let failed = 0;
for (const file of benches) {
  process.stdout.write(`\n## ${file}\n\n`);
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(dir, file)], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed += 1;
    process.stdout.write(`(${file} exited with ${result.status ?? result.signal})\n`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
