#!/usr/bin/env node
// The test command: type check, then every uvu suite under tsx, then one closing line
// "N passed, N failed, N skipped" that CI reads. Exits non-zero on a failure or on zero tests.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const pattern = process.argv[2] ?? '\\.test\\.ts$';
const dir = process.argv[3] ?? 'test';

if (!process.env.THUNDERLINE_SKIP_TYPECHECK) {
  // Lint and format check (biome.json): a formatting slip fails here, not in review.
  const biome = spawnSync(process.execPath, [path.join(root, 'node_modules/@biomejs/biome/bin/biome'), 'check', '.'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (biome.status !== 0) {
    console.log('lint failed (run: npx biome check --write .)');
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  console.log('lint: ok');

  const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (tsc.status !== 0) {
    console.log('typecheck failed');
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  console.log('typecheck: ok');
}

const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'node_modules/uvu/bin.js'), dir, pattern], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, FORCE_COLOR: '0' },
});
let output = '';
child.stdout.on('data', (chunk) => {
  output += chunk;
  process.stdout.write(chunk);
});
child.on('close', (code) => {
  const sum = (label) =>
    [...output.matchAll(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'gm'))].reduce((total, match) => total + Number(match[1]), 0);
  const total = sum('Total');
  const passed = sum('Passed');
  const skipped = sum('Skipped');
  const failed = Math.max(total - passed - skipped, code === 0 ? 0 : 1);
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(code !== 0 || failed > 0 || total === 0 ? 1 : 0);
});
