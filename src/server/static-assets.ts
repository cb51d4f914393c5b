/**
 * The dashboard's static files (`src/server/public/`), read once at server start and served
 * from memory: plain HTML, CSS and JS, no build step, no CDN.
 *
 * @example
 * const assets = loadDashboardAssets();
 * assets.get('/dashboard.js'); // { body, contentType }
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ThunderlineError } from '../errors.ts';

/** One served file. */
export interface StaticAsset {
  body: Buffer;
  contentType: string;
}

const FILES: Record<string, string> = {
  '/index.html': 'text/html; charset=utf-8',
  '/dashboard.css': 'text/css; charset=utf-8',
  '/dashboard.js': 'text/javascript; charset=utf-8',
  '/observer.js': 'text/javascript; charset=utf-8',
  '/favicon.svg': 'image/svg+xml',
};

/** Finds `public/` beside this file (tsx) or in the package's `src/server/public` (built `dist/`). */
function publicDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'public'), path.resolve(here, '../../../src/server/public')];
  const found = candidates.find((dir) => existsSync(path.join(dir, 'index.html')));
  if (!found) throw new ThunderlineError('ERR_SERVER', `dashboard assets not found; looked in ${candidates.join(' and ')}`);
  return found;
}

/** Reads every dashboard file into memory, keyed by URL path (`/` is `/index.html`). */
export function loadDashboardAssets(): Map<string, StaticAsset> {
  const dir = publicDir();
  const assets = new Map<string, StaticAsset>();
  for (const [urlPath, contentType] of Object.entries(FILES)) {
    const file = path.join(dir, urlPath.slice(1));
    if (existsSync(file)) assets.set(urlPath, { body: readFileSync(file), contentType });
  }
  const index = assets.get('/index.html');
  if (index) assets.set('/', index);
  return assets;
}
