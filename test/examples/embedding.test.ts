/**
 * `examples/embedding.ts` runs as written and sees what `docs/api.md` promises: waiting, active on the
 * first tick, crashed, back on the next tick, every step in the registry, a clean stop.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../../examples/embedding.ts';
import { REPO_ROOT } from '../src/runtime/helpers.ts';

const embedding = suite('examples/embedding.ts');

embedding('main() runs the embedding flow of docs/api.md', async () => {
  const lines: string[] = [];
  const summary = await main({ log: (line) => lines.push(line) });
  assert.equal(summary, {
    activeAfterFirstTick: ['billing'],
    activations: [1, 2],
    statusWhileWaiting: 'waiting',
    statusAfterRestart: 'active',
    restarts: 1,
    history: ['waiting@0', 'activated@1', 'crashed@1', 'restarting@1', 'waiting@1', 'activated@2'],
    activatedEvents: 2,
    exit: { reason: 'shutdown', clean: true },
  });
  assert.is(lines[0], 'before the first tick: waiting');
  assert.ok(lines.includes('tick 1: active ["billing"] (1)'), lines.join('\n'));
  assert.is(lines.at(-2), 'billing: deactivated (shutdown)');
  assert.is(lines.at(-1), 'stopped: shutdown');
});

embedding('runs as a script and exits 0', () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'examples', 'embedding.ts')], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stdout, /^before the first tick: waiting$/m);
  assert.match(result.stdout, /^stopped: shutdown$/m);
});

embedding.run();
