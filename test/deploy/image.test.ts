/**
 * The container image, built and run for real without a Docker engine (test/deploy/image.ts):
 * the Dockerfile's runtime stage with buildah, run with podman on runc, the ledger on a host
 * directory mounted at /data. The container must answer /health (open) and /api/domains (with
 * the token), pass its own HEALTHCHECK, stop gracefully on SIGTERM (`podman stop`) through tini,
 * and leave a ledger that `thunderline status` on the host reads as a clean stop. Skipped, saying
 * so, where buildah, podman, runc or mmdebstrap are missing (`.ci/run` installs them).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { validate } from 'dockerfile-utils';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli } from '../src/cli/helpers.ts';
import { ROOT } from './helm.ts';
import { buildTestImage, missingImageTools, sh, testDockerfile } from './image.ts';

const IMAGE_USER = 10001;

// ---

const dockerfile = suite('Dockerfile');

dockerfile('dockerfile-utils finds no error or warning', () => {
  const problems = validate(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
  assert.equal(
    problems.map((problem) => `line ${problem.range.start.line + 1}: ${problem.message}`),
    [],
  );
});

dockerfile('builds on node:20-bookworm-slim, runs as the non-root user through tini, with EXPOSE, VOLUME and HEALTHCHECK', () => {
  const text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const froms = [...text.matchAll(/^FROM (\S+)/gm)].map((match) => match[1]);
  assert.equal(froms, ['node:20-bookworm-slim', 'node:20-bookworm-slim', 'base'], 'builder and runtime on the same Debian release');
  const runtime = testDockerfile(text);
  assert.match(runtime, /^USER 10001:10001$/m);
  assert.match(runtime, /^VOLUME \["\/data"\]$/m);
  assert.match(runtime, /^EXPOSE 4100$/m);
  assert.match(runtime, /^HEALTHCHECK .*\n.*\/health/m);
  assert.match(runtime, /^ENTRYPOINT \["\/usr\/bin\/tini", "--", "node", "\/app\/bin\/thunderline\.js"\]$/m);
  assert.match(runtime, /^CMD \["start", "--host", "0\.0\.0\.0", "--port", "4100", "--db", "\/data\/thunderline\.db"/m);
});

dockerfile('.dockerignore keeps local state and dependencies out of the build context', () => {
  const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n');
  for (const entry of ['node_modules', 'dist', '.git', '*.db', '*.db-*']) assert.ok(ignored.includes(entry), `${entry} ignored`);
});

dockerfile.run();

// ---

interface Context {
  scratch: string;
  tag: string;
  name: string;
}

const image = suite<Context>('the image, built and run offline');
const missing = missingImageTools();

/** A TCP port free on the host right now (the container shares the host's network). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Polls `check` every 100 ms until it returns a value; fails after `ms` naming `what`. */
async function until<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

image.before.each((context) => {
  const id = randomBytes(4).toString('hex');
  context.scratch = mkdtempSync(path.join(os.tmpdir(), 'thunderline-image-'));
  context.tag = `localhost/thunderline-test:${id}`;
  context.name = `thunderline-test-${id}`;
});

image.after.each((context) => {
  // Only what this run made: its container, its image, its directory.
  spawnQuiet('podman', ['rm', '--force', '--time', '0', context.name]);
  spawnQuiet('podman', ['rmi', '--force', context.tag]);
  rmSync(context.scratch, { recursive: true, force: true });
});

function spawnQuiet(command: string, args: string[]): void {
  try {
    sh(command, args);
  } catch {
    // Cleanup of something that may not exist (the test failed before making it).
  }
}

if (missing.length > 0) {
  console.log(`test/deploy/image.test.ts: skipped: ${missing.join(', ')} not installed (apt-get install -y ${missing.join(' ')})`);
  image.skip('starts, answers /health and /api/domains, stops cleanly on SIGTERM', () => {});
} else {
  image('starts, answers /health and /api/domains, stops cleanly on SIGTERM', async (context) => {
    const times = buildTestImage(context.tag, context.scratch);
    const size = Number(sh('podman', ['image', 'inspect', '--format', '{{.Size}}', context.tag]).trim());
    const config = JSON.parse(sh('podman', ['image', 'inspect', '--format', '{{json .Config}}', context.tag])) as {
      User: string;
      Volumes?: Record<string, unknown>;
      ExposedPorts?: Record<string, unknown>;
    };
    assert.is(config.User, '10001:10001');
    // Where podman shows it depends on the image format; the docker format keeps it.
    const inspected = sh('podman', ['image', 'inspect', context.tag]);
    const healthcheck = /"Healthcheck": (\{[^}]*\})/.exec(inspected);
    assert.ok(healthcheck?.[1]?.includes('/health'), 'the HEALTHCHECK survived the build (docker format)');
    assert.ok(config.Volumes && '/data' in config.Volumes);
    assert.ok(config.ExposedPorts && '4100/tcp' in config.ExposedPorts);

    const data = path.join(context.scratch, 'data');
    mkdirSync(data);
    chownSync(data, IMAGE_USER, IMAGE_USER);
    const port = await freePort();
    const token = randomBytes(16).toString('hex');
    const started = Date.now();
    sh('podman', [
      'run',
      '--detach',
      '--name',
      context.name,
      '--runtime',
      'runc',
      '--ulimit',
      'nofile=20000:20000',
      '--ulimit',
      'nproc=10000:10000',
      '--network',
      'host',
      '--volume',
      `${data}:/data`,
      '--env',
      `THUNDERLINE_TOKEN=${token}`,
      '--env',
      `HEALTHCHECK_PORT=${port}`,
      context.tag,
      // The image's CMD with this run's port (host networking: ports are shared with other runs).
      'start',
      '--host',
      '0.0.0.0',
      '--port',
      String(port),
      '--db',
      '/data/thunderline.db',
      '--tick-interval',
      '200',
    ]);
    const base = `http://127.0.0.1:${port}`;
    // The container's stdout and stderr (podman logs prints them on its own stdout and stderr).
    const logs = () => {
      const run = spawnSync('podman', ['logs', context.name], { encoding: 'utf8' });
      return `${run.stdout}${run.stderr}`;
    };
    const health = await until('/health to say ok with every domain active', 30_000, async () => {
      const response = await fetch(`${base}/health`);
      const body = (await response.json()) as { status: string; activeDomains: number; domains: Record<string, string> };
      const statuses = Object.values(body.domains);
      return response.status === 200 && body.status === 'ok' && statuses.length > 0 && statuses.every((status) => status === 'active')
        ? body
        : undefined;
    }).catch((error: Error) => {
      throw new Error(`${error.message}\ncontainer log:\n${logs()}`);
    });
    const readyMs = Date.now() - started;
    assert.ok(health.activeDomains > 0);

    const refused = await fetch(`${base}/api/domains`);
    assert.is(refused.status, 401, '/api needs the token on 0.0.0.0');
    const domains = await fetch(`${base}/api/domains`, { headers: { authorization: `Bearer ${token}` } });
    assert.is(domains.status, 200);
    const listed = (await domains.json()) as { domains: Array<{ name: string; status: string }> };
    assert.equal(listed.domains.map((domain) => domain.name).sort(), Object.keys(health.domains).sort());

    // The image's own HEALTHCHECK command, run by podman inside the container.
    sh('podman', ['healthcheck', 'run', context.name]);
    const pid1 = sh('podman', ['exec', context.name, 'cat', '/proc/1/cmdline']).split('\0');
    assert.is(pid1[0], '/usr/bin/tini', 'tini is PID 1');
    assert.is(sh('podman', ['exec', context.name, 'id', '-u']).trim(), String(IMAGE_USER), 'not root');

    const stopStart = Date.now();
    sh('podman', ['stop', '--time', '30', context.name], { timeoutMs: 60_000 });
    const stopMs = Date.now() - stopStart;
    const state = JSON.parse(sh('podman', ['inspect', '--format', '{{json .State}}', context.name])) as { ExitCode: number };
    const log = logs();
    assert.is(state.ExitCode, 0, `exit code 0 after SIGTERM; log:\n${log}`);
    assert.match(log, 'thunderline: SIGTERM received, shutting down');
    assert.match(log, 'thunderline: stopped (shutdown)');
    assert.ok(stopMs < 25_000, `stopped by SIGTERM, not killed after the grace period (${stopMs} ms)`);

    const file = path.join(data, 'thunderline.db');
    assert.is(statSync(file).uid, IMAGE_USER, 'the ledger was written by the image user');
    const status = await runCli(['status', '--db', file, '--json']);
    assert.is(status.code, 0, status.stderr);
    const ledger = JSON.parse(status.stdout) as {
      run: { stoppedAt: number | null; stopReason: string | null } | null;
      domains: Array<{ domainName: string; status: string }>;
    };
    assert.is(ledger.run?.stopReason, 'shutdown', 'the run closed cleanly');
    assert.type(ledger.run?.stoppedAt, 'number');
    assert.equal(ledger.domains.map((domain) => domain.domainName).sort(), Object.keys(health.domains).sort());
    for (const domain of ledger.domains) assert.is(domain.status, 'inactive', `${domain.domainName} deactivated`);

    console.log(
      `image: ${(size / 1e6).toFixed(0)} MB; staged in ${times.stageMs} ms, built in ${times.buildMs} ms; /health ok after ${readyMs} ms; stopped in ${stopMs} ms`,
    );
  });
}

image.run();
