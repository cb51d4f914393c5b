/**
 * The package version, read once from the package's own `package.json` (found by walking up from
 * this file, so it works from `src/` under tsx and from `dist/src/` when built).
 *
 * @example
 * import { VERSION } from './version.ts';
 * console.log(`thunderline ${VERSION}`);
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function readVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'thunderline' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here: keep walking up
    }
    const parent = path.dirname(dir);
    if (parent === dir) return '0.0.0';
    dir = parent;
  }
}

/** This package's version. */
export const VERSION: string = readVersion();
