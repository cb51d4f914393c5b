/**
 * The cross-domain guard (`docs/architecture.md`, "The layers"; `docs/domains.md`, "How domains
 * talk"): scans the import graph of every .ts file and fails when the kernel (`src/`, except the
 * CLI's composition root `src/cli/**`) imports `actors/` or `supervisors/`, when `actors/` imports
 * `supervisors/`, or when one domain folder `actors/<a>/` imports another's `actors/<b>/`.
 * `startRuntime`, the embedding API's composition root, lives in `supervisors/runtime.ts`, above
 * the kernel.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A source file: its path relative to the repo root, with `/` separators, and its text. */
interface SourceFile {
  path: string;
  text: string;
}

/** `import ... from 'x'`, `import 'x'`, `export ... from 'x'`, `import('x')`. */
const IMPORT = /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[1] ?? match[2];
    if (spec) found.push(spec);
  }
  return found;
}

function isCompositionRoot(file: string): boolean {
  return file.startsWith('src/cli/');
}

function domainFolder(file: string): string | undefined {
  const parts = file.split('/');
  return parts[0] === 'actors' && parts.length > 2 ? parts[1] : undefined;
}

/** Every forbidden import among `files`, as `from -> to: rule`. */
export function checkImports(files: readonly SourceFile[]): string[] {
  const violations: string[] = [];
  for (const file of files) {
    for (const spec of specifiers(file.text)) {
      if (!spec.startsWith('.')) continue;
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file.path), spec));
      const into = (dir: string) => target === dir || target.startsWith(`${dir}/`);
      const edge = `${file.path} -> ${target}`;
      if (file.path.startsWith('src/') && !isCompositionRoot(file.path) && (into('actors') || into('supervisors'))) {
        violations.push(`${edge}: the kernel must not import actors/ or supervisors/`);
      }
      if (file.path.startsWith('actors/') && into('supervisors')) violations.push(`${edge}: actors/ must not import supervisors/`);
      const from = domainFolder(file.path);
      const to = domainFolder(target);
      if (from !== undefined && to !== undefined && from !== to) {
        violations.push(`${edge}: domain "${from}" must not import domain "${to}"; publish an event or use a bridge module`);
      }
    }
  }
  return violations;
}

function listTs(dir: string): SourceFile[] {
  const absolute = path.join(ROOT, dir);
  if (!fs.existsSync(absolute)) return [];
  return fs
    .readdirSync(absolute, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => {
      const full = path.join(entry.parentPath, entry.name);
      return { path: path.relative(ROOT, full).split(path.sep).join('/'), text: fs.readFileSync(full, 'utf8') };
    });
}

const guard = suite('cross-domain import guard');

guard('the repository has no forbidden import', () => {
  const files = [...listTs('src'), ...listTs('actors'), ...listTs('supervisors')];
  assert.ok(
    files.some((file) => file.path === 'src/index.ts'),
    'scanned the kernel entry',
  );
  assert.ok(
    files.some((file) => file.path === 'actors/thunderbolt/cerebros-bridge.ts'),
    'scanned the domain folders',
  );
  assert.equal(checkImports(files), []);
});

guard('flags a kernel file importing actors/ or supervisors/ (src/index.ts too), but not the CLI', () => {
  const violations = checkImports([
    { path: 'src/runtime/runtime.ts', text: "import { x } from '../../actors/domain-registry.ts';" },
    { path: 'src/domain/index.ts', text: "export { y } from '../../supervisors/application.ts';" },
    { path: 'src/index.ts', text: "import { z } from '../supervisors/application.ts';" },
    { path: 'src/cli/start.ts', text: "import { startThunderline } from '../../supervisors/thunderline.ts';" },
  ]);
  assert.equal(violations, [
    'src/runtime/runtime.ts -> actors/domain-registry.ts: the kernel must not import actors/ or supervisors/',
    'src/domain/index.ts -> supervisors/application.ts: the kernel must not import actors/ or supervisors/',
    'src/index.ts -> supervisors/application.ts: the kernel must not import actors/ or supervisors/',
  ]);
});

guard('flags one domain folder importing another, and actors/ importing supervisors/', () => {
  const violations = checkImports([
    {
      path: 'actors/thunderbolt/automaton.ts',
      text: "import type { TrialRunnerMsg } from '../cerebros/trial-runner.ts';\nimport { a } from './life.ts';",
    },
    { path: 'actors/thunderprism/index.ts', text: "const m = await import('../cerebros/index.ts');" },
    { path: 'actors/thundergate/index.ts', text: "import '../../supervisors/thunderline.ts';\nimport { b } from '../../src/events.ts';" },
    { path: 'supervisors/thunderline.ts', text: "import { c } from '../actors/cerebros/index.ts';" },
  ]);
  assert.equal(violations, [
    'actors/thunderbolt/automaton.ts -> actors/cerebros/trial-runner.ts: domain "thunderbolt" must not import domain "cerebros"; publish an event or use a bridge module',
    'actors/thunderprism/index.ts -> actors/cerebros/index.ts: domain "thunderprism" must not import domain "cerebros"; publish an event or use a bridge module',
    'actors/thundergate/index.ts -> supervisors/thunderline.ts: actors/ must not import supervisors/',
  ]);
});

guard.run();
