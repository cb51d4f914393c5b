import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { assertOneErrorLine, runCli, startCli } from './helpers.ts';

interface Context {
  dir: string;
  db: string;
}

function withTmp(name: string) {
  const test = suite<Context>(name, { dir: '', db: '' });
  test.before.each((context) => {
    context.dir = mkdtempSync(path.join(tmpdir(), 'thunderline-cli-'));
    context.db = path.join(context.dir, 'run.db');
  });
  test.after.each((context) => {
    rmSync(context.dir, { recursive: true, force: true });
  });
  return test;
}

// ---

const endToEnd = withTmp('cli end to end');

endToEnd('start runs every domain to active, stops after --max-ticks, and status/history read it back', async ({ db }) => {
  const run = await runCli(['start', '--tick-interval', '50', '--max-ticks', '20', '--db', db, '--no-server'], { timeoutMs: 60_000 });
  assert.is(run.code, 0, run.stderr);
  const status = await runCli(['status', '--db', db, '--json']);
  assert.is(status.code, 0, status.stderr);
  const parsed = JSON.parse(status.stdout) as {
    run: { stoppedAt: number | null; stopReason: string };
    domains: Array<{ domainName: string; status: string; activatedAt: number | null }>;
  };
  assert.ok(parsed.domains.length >= 9, `expected every Thunderline domain, got ${parsed.domains.map((d) => d.domainName)}`);
  for (const domain of parsed.domains) {
    assert.is(domain.status, 'inactive', `${domain.domainName} should end inactive`);
    assert.type(domain.activatedAt, 'number', `${domain.domainName} was activated`);
  }
  assert.type(parsed.run.stoppedAt, 'number');
  assert.is(parsed.run.stopReason, 'shutdown');
  const history = await runCli(['history', '--db', db, '--json', '--limit', '1000']);
  assert.is(history.code, 0, history.stderr);
  const rows = JSON.parse(history.stdout) as Array<{ domainName: string; event: string }>;
  for (const domain of parsed.domains) {
    const events = rows
      .filter((row) => row.domainName === domain.domainName)
      .map((row) => row.event)
      .reverse();
    assert.equal(events, ['waiting', 'activated', 'deactivated'], `${domain.domainName}: ${events}`);
  }
  const human = await runCli(['status', '--db', db]);
  assert.match(human.stdout, /DOMAIN\s+STATUS/);
});

endToEnd('SIGTERM during a run shuts down gracefully with exit 0', async ({ db }) => {
  const cli = startCli(['start', '--tick-interval', '50', '--db', db, '--no-server']);
  await cli.waitFor(/activated/);
  cli.child.kill('SIGTERM');
  const result = await cli.result;
  assert.is(result.code, 0, result.stderr);
  const status = JSON.parse((await runCli(['status', '--db', db, '--json'])).stdout) as { domains: Array<{ status: string }> };
  assert.ok(status.domains.length > 0);
  assert.ok(status.domains.every((domain) => domain.status === 'inactive'));
});

endToEnd('watch follows a running start: the hello line, then live ticks; SIGINT exits 0', async ({ db }) => {
  const start = startCli(['start', '--tick-interval', '50', '--db', db, '--port', '0']);
  await start.waitFor(/viewer: http:\/\/127\.0\.0\.1:\d+\//);
  const port = /viewer: http:\/\/127\.0\.0\.1:(\d+)\//.exec(await start.output())?.[1];
  const watch = startCli(['watch', '--url', `ws://127.0.0.1:${port}/events`]);
  await watch.waitFor(/-- connected to run [0-9a-f-]{36}/);
  await watch.waitFor(/#\d+ {2}tick \d+ {2}active=9 late=/);
  watch.child.kill('SIGINT');
  const watched = await watch.result;
  assert.is(watched.code, 0, watched.stderr);
  start.child.kill('SIGTERM');
  const started = await start.result;
  assert.is(started.code, 0, started.stderr);
});

endToEnd('watch exits 1 with one line when no start is running', async () => {
  const result = await runCli(['watch', '--url', 'ws://127.0.0.1:9/events']);
  assert.is(result.code, 1);
  assertOneErrorLine(result.stderr, 'cannot connect to ws://127.0.0.1:9/events');
});

endToEnd.run();

// ---

const badInput = withTmp('cli bad input');

badInput('an unknown flag exits 2 with one line naming it', async ({ db }) => {
  const result = await runCli(['start', '--db', db, '--frobnicate']);
  assert.is(result.code, 2);
  assertOneErrorLine(result.stderr, '--frobnicate');
});

for (const value of ['0', '-1', 'abc']) {
  badInput(`--tick-interval ${value} exits 2 with one line naming the value`, async ({ db }) => {
    const result = await runCli(['start', '--db', db, '--no-server', `--tick-interval=${value}`]);
    assert.is(result.code, 2);
    assertOneErrorLine(result.stderr, `--tick-interval must be an integer >= 1, got "${value}"`);
  });
}

// A negative number after a flag is its value, not another flag: the usual one line names it.
for (const [args, message] of [
  [['start', '--no-server', '--tick-interval', '-1'], '--tick-interval must be an integer >= 1, got "-1"'],
  [['start', '--no-server', '--max-ticks', '-3'], '--max-ticks must be an integer >= 1, got "-3"'],
  [['start', '--port', '-80'], '--port must be an integer from 0 to 65535, got "-80"'],
  [['start', '--no-server', '--activation-timeout', '-2.5'], '--activation-timeout must be an integer >= 1, got "-2.5"'],
  [['history', '--limit', '-5'], '--limit must be an integer >= 1, got "-5"'],
] as const) {
  badInput(`${args.join(' ')} exits 2 with one line naming the value`, async ({ db }) => {
    const result = await runCli([...args, '--db', db]);
    assert.is(result.code, 2);
    assertOneErrorLine(result.stderr, message);
  });
}

badInput('a flag followed by another dash value says how to pass it', async () => {
  const result = await runCli(['start', '--no-server', '--db', '-x']);
  assert.is(result.code, 2);
  assertOneErrorLine(result.stderr, 'start: --db needs a value; to pass one that begins with "-", write --db=-x');
  assert.ok(!result.stderr.includes('ambiguous'), result.stderr);
});

badInput('--activate-timeout 0 exits 2 with one line naming the value', async ({ db }) => {
  const result = await runCli(['start', '--db', db, '--no-server', '--activate-timeout=0']);
  assert.is(result.code, 2);
  assertOneErrorLine(result.stderr, '--activate-timeout must be an integer >= 1, got "0"');
});

badInput('a text file as --db exits 2 and leaves the file untouched', async ({ dir }) => {
  const file = path.join(dir, 'notes.txt');
  writeFileSync(file, 'my precious notes\n');
  const before = statSync(file).mtimeMs;
  const result = await runCli(['start', '--db', file, '--no-server', '--max-ticks', '1']);
  assert.is(result.code, 2);
  assertOneErrorLine(result.stderr, file);
  assert.is(readFileSync(file, 'utf8'), 'my precious notes\n');
  assert.is(statSync(file).mtimeMs, before);
});

badInput('a --db in a missing directory exits 2', async ({ dir }) => {
  const result = await runCli(['start', '--db', path.join(dir, 'nope', 'x.db'), '--no-server']);
  assert.is(result.code, 2);
  assertOneErrorLine(result.stderr, 'does not exist');
});

badInput('an unknown domain in --disable exits 2 and lists the known ones', async ({ db }) => {
  const result = await runCli(['start', '--db', db, '--no-server', '--disable', 'cerebros,thunderfoo']);
  assert.is(result.code, 2);
  assertOneErrorLine(result.stderr, '"thunderfoo"');
  assert.ok(result.stderr.includes('thunderbolt'));
});

badInput('a non-loopback --host without a token exits 2', async ({ db }) => {
  const result = await runCli(['start', '--db', db, '--host', '0.0.0.0']);
  assert.is(result.code, 2);
  assertOneErrorLine(result.stderr, 'requires --token');
});

badInput('status of a missing database exits 2 with one line, never a stack trace', async ({ dir }) => {
  const result = await runCli(['status', '--db', path.join(dir, 'none.db')]);
  assert.is(result.code, 2);
  assertOneErrorLine(result.stderr, 'none.db');
});

badInput('an unknown command exits 2; --help and --version exit 0', async () => {
  const unknown = await runCli(['frob']);
  assert.is(unknown.code, 2);
  assertOneErrorLine(unknown.stderr, '"frob"');
  const help = await runCli(['start', '--help']);
  assert.is(help.code, 0);
  assert.match(help.stdout, /--tick-interval/);
  const version = await runCli(['--version']);
  assert.is(version.code, 0);
  assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/);
});

badInput.run();
