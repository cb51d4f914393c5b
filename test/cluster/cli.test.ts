/**
 * The CLI's cluster flags as a user meets them: usage errors (exit 2) and unreachable servers
 * (exit 1) in one `thunderline:` line naming the URL; `status` and `history` reading a cluster's
 * ledger with `--db postgres://…`.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { validateRuntimeOptions } from '../../src/runtime/options.ts';
import { assertOneErrorLine, runCli } from '../src/cli/helpers.ts';
import { TestCluster } from '../support/cluster-nodes.ts';
import { type FreshDatabase, freshDatabase, TEST_NATS } from '../support/cluster-services.ts';

const usage = suite('cluster flags: usage errors');

for (const [args, includes] of [
  [['--postgres', 'mysql://x/y', '--nats', TEST_NATS], '--postgres must be a postgres://… or postgresql://… URL, got "mysql://x/y"'],
  [['--postgres', 'postgres://127.0.0.1/x', '--nats', 'http://x'], '--nats must be a nats://… URL, got "http://x"'],
  [['--postgres', 'postgres://127.0.0.1/x'], '--postgres needs --nats'],
  [['--nats', TEST_NATS], '--nats needs --postgres'],
  [['--node-id', 'a'], '--node-id needs --postgres and --nats'],
  [['--postgres', 'postgres://127.0.0.1/x', '--nats', TEST_NATS, '--node-id', 'a b'], '--node-id must be 1 to 64 letters'],
  [['--postgres', 'postgres://127.0.0.1/x', '--nats', TEST_NATS, '--max-ticks', '3'], '--max-ticks is not available in cluster mode'],
  [['--postgres', 'postgres://127.0.0.1/x', '--nats', TEST_NATS, '--lease-ttl', '10'], '--lease-ttl must be an integer >= 300, got "10"'],
  [
    ['--postgres', 'postgres://127.0.0.1/x', '--nats', TEST_NATS, '--retain-history', '30d'],
    '--retain-history is not available in cluster mode',
  ],
] as const) {
  usage(`start ${args.join(' ')} → exit 2`, async () => {
    const run = await runCli(['start', '--no-server', ...args]);
    assert.is(run.code, 2, run.stderr);
    assertOneErrorLine(run.stderr, includes);
  });
}

usage('startRuntime refuses retention, maxTicks and manual ticks in cluster mode, naming the option', () => {
  const cluster = { postgres: 'postgres://127.0.0.1/x', nats: TEST_NATS };
  for (const [options, message] of [
    [{ cluster, retainHistory: '30d' }, 'retainHistory must be "all" in cluster mode'],
    [{ cluster, maxTicks: 3 }, 'maxTicks must be unset in cluster mode'],
    [{ cluster, tickInterval: 'manual' as const }, 'tickInterval must be an integer number of ms >= 1 in cluster mode'],
    [{ cluster: { ...cluster, postgres: 'mysql://x' } }, 'cluster.postgres must be a postgres://… or postgresql://… URL, got "mysql://x"'],
  ] as const) {
    try {
      validateRuntimeOptions(options);
      assert.unreachable(`refused: ${JSON.stringify(options)}`);
    } catch (error) {
      assert.is((error as { code?: string }).code, 'ERR_INVALID_OPTION');
      assert.ok((error as Error).message.includes(message), (error as Error).message);
    }
  }
});

usage.run();

const unreachable = suite('cluster flags: unreachable servers');

unreachable('an unreachable PostgreSQL is a runtime failure (exit 1) naming the URL, password hidden', async () => {
  const run = await runCli(['start', '--no-server', '--postgres', 'postgres://postgres:secret@127.0.0.1:1/x', '--nats', TEST_NATS]);
  assert.is(run.code, 1, run.stderr);
  assertOneErrorLine(run.stderr, 'cannot use the PostgreSQL ledger at postgres://postgres:***@127.0.0.1:1/x');
  assert.not.ok(run.stderr.includes('secret'));
});

unreachable('an unreachable NATS is a runtime failure (exit 1) naming the URL, and leaves no node behind', async () => {
  const db = await freshDatabase();
  try {
    const run = await runCli(['start', '--no-server', '--postgres', db.url, '--nats', 'nats://127.0.0.1:1']);
    assert.is(run.code, 1, run.stderr);
    assertOneErrorLine(run.stderr, 'cannot use NATS JetStream at nats://127.0.0.1:1');
    assert.equal(await db.query('select node_id from cluster_members'), [], 'no member row is left');
  } finally {
    await db.drop();
  }
});

unreachable('status and history on an unreachable ledger exit 1 naming it', async () => {
  for (const command of ['status', 'history']) {
    const run = await runCli([command, '--db', 'postgres://postgres@127.0.0.1:1/x']);
    assert.is(run.code, 1, run.stderr);
    assertOneErrorLine(run.stderr, 'cannot read the PostgreSQL ledger at postgres://postgres@127.0.0.1:1/x');
  }
});

unreachable.run();

interface Context {
  db: FreshDatabase;
  cluster: TestCluster;
}

const reads = suite<Context>('status and history --db postgres://');

reads.before(async (context) => {
  context.db = await freshDatabase();
  context.cluster = new TestCluster(context.db);
  // A long lease: this test is about reading the ledger, and a node that fenced itself under load
  // would leave its domains crashed instead of stopped.
  await context.cluster.start('n1', {}, 20_000);
  await context.cluster.placedOn(['n1']);
  assert.is((await context.cluster.stop('n1', 'SIGTERM')).code, 0);
});

reads.after(async (context) => {
  await context.cluster.close();
  await context.db.drop();
});

reads('status prints every domain with its node and epoch', async ({ db }) => {
  const run = await runCli(['status', '--db', db.url]);
  assert.is(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.match(lines[0] ?? '', /^run \S+ +started \S+ +stopped \S+: shutdown$/);
  assert.match(lines[1] ?? '', /^DOMAIN +STATUS +TICK +ACTIVATED +UPDATED +NODE +EPOCH$/);
  assert.ok(lines.slice(2).length >= 9, run.stdout);
  for (const line of lines.slice(2)) assert.ok(/ inactive .* n1 +1$/.test(line), run.stdout);
  const json = JSON.parse((await runCli(['status', '--db', db.url, '--json'])).stdout) as {
    domains: Array<{ status: string; metadata: { node: string; epoch: number } }>;
  };
  assert.ok(json.domains.every((domain) => domain.metadata.node === 'n1' && domain.metadata.epoch === 1));
});

reads('history reads the cluster ledger newest first, by domain and by run', async ({ db }) => {
  const all = JSON.parse((await runCli(['history', '--db', db.url, '--json', '--limit', '1000'])).stdout) as Array<{
    id: number;
    domainName: string;
    event: string;
    runId: string;
  }>;
  assert.ok(all.length >= 27, `waiting, activated, deactivated for nine domains: ${all.length}`);
  assert.ok(
    all.every((row, index) => index === 0 || row.id < (all[index - 1] as { id: number }).id),
    'newest first',
  );
  const one = await runCli(['history', '--db', db.url, '--domain', 'thunderbolt']);
  assert.is(one.code, 0, one.stderr);
  assert.match(one.stdout, /deactivated +\d+ +n1 +1 +shutdown/);
  const run = all[0]?.runId as string;
  const byRun = JSON.parse((await runCli(['history', '--db', db.url, '--json', '--run', run])).stdout) as unknown[];
  assert.ok(byRun.length > 0);
  const unknown = await runCli(['history', '--db', db.url, '--run', 'nope']);
  assert.is(unknown.code, 2);
  assertOneErrorLine(unknown.stderr, '--run "nope": no such run');
});

reads.run();
