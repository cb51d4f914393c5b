/**
 * `examples/supervision-tree.ts` runs as written: the queue crashes, rest_for_one restarts it and
 * the runner after it, the rest of the tree keeps its state, and the stop is in reverse order.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { main, renderTree } from '../../examples/supervision-tree.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const example = suite('examples/supervision-tree.ts');

example('main() crashes the queue and sees rest_for_one restart it and the runner, nothing else', async () => {
  const lines: string[] = [];
  const summary = await main({ print: (line) => lines.push(line) });
  const started = [
    'child_started app/metrics (start)',
    'child_started jobs/queue (start)',
    'child_started jobs/runner (start)',
    'child_started app/jobs (start)',
  ];
  const crash = [
    'child_exited jobs/queue (queue lost its broker connection)',
    'child_exited jobs/runner (shutdown)',
    'child_restarted jobs/queue (restart)',
    'child_restarted jobs/runner (restart)',
  ];
  const tree = [
    'app (one_for_one, 0/3 restarts in 5 s)',
    '  metrics: worker running, restarted 0x',
    '  jobs (rest_for_one, 1/3 restarts in 5 s)',
    '    queue: worker running, restarted 1x',
    '    runner: worker running, restarted 1x',
  ];
  const stop = [
    'child_exited jobs/runner (shutdown)',
    'child_exited jobs/queue (shutdown)',
    'child_exited app/jobs (shutdown)',
    'child_exited app/metrics (shutdown)',
  ];
  assert.equal(summary.events, [...started, ...crash, ...stop]);
  assert.equal(renderTree(summary.tree), tree);
  assert.equal(lines, [...started, ...crash, ...tree, ...stop]);
  assert.equal(summary.queueCount, { beforeCrash: 2, afterRestart: 0 });
  assert.ok(summary.metricsUntouched);
});

example('runs as a script and exits 0', () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'examples', 'supervision-tree.ts')], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stdout, /^child_exited jobs\/queue \(queue lost its broker connection\)$/m);
  assert.match(result.stdout, /^ {2}jobs \(rest_for_one, 1\/3 restarts in 5 s\)$/m);
});

example.run();
