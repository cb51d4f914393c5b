/**
 * The dashboard in real headless Chromium (Debian's `chromium`, driven by playwright-core):
 * domains go from waiting to active after a tick, a killed domain restarts on the page, and a
 * full-page screenshot can be taken (into a temporary directory: the tracked docs/dashboard.png
 * is the docs' image, never rewritten by a test run). Fails (never skips) when chromium is missing.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineDomain, type Runtime, type SupervisorRef, startRuntime } from '../../index.ts';
import { findRunning } from '../../supervisors/application.ts';
import { launchChromium } from '../support/chromium.ts';
import { within as withinMs } from '../support/within.ts';

const within = <T>(promise: Promise<T>, what: string, ms = 10_000): Promise<T> => withinMs(promise, what, ms);

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DOMAINS = ['billing', 'inventory', 'shipping'];
const DOCS_IMAGE = path.join(ROOT, 'docs/dashboard.png');

/** The tracked docs image's digest, to check that the run leaves it as it was. */
function docsImageDigest(): string {
  return createHash('sha256').update(readFileSync(DOCS_IMAGE)).digest('hex');
}

interface Context {
  runtime: Runtime;
  browser: Browser;
  page: Page;
  docsImage: string;
}

/** The supervisor of the `fragile` domain's children, once it is active. */
let fragileChildren: SupervisorRef | undefined;

const Dashboard = suite<Context>('dashboard in headless chromium', {} as Context);

Dashboard.before(async (context) => {
  context.docsImage = docsImageDigest();
  context.runtime = await startRuntime({
    tickInterval: 'manual',
    database: ':memory:',
    server: { port: 0 },
    domains: [
      ...DOMAINS.map((name) => defineDomain({ name, async activate() {} })),
      // Its deactivate fails: when its own supervisor is killed, its terminate fails (operation_failed).
      defineDomain({
        name: 'fragile',
        activate(_tick, meta) {
          fragileChildren = meta.supervisor;
        },
        deactivate: () => Promise.reject(new Error('disk gone')),
      }),
    ],
  });
  context.browser = await launchChromium();
  context.page = await context.browser.newPage({
    viewport: { width: 1400, height: 900 },
  });
});

Dashboard.after(async (context) => {
  await context.browser?.close();
  await context.runtime?.stop();
});

function statusOf(page: Page, domain: string, status: string) {
  return page.locator(`tr[data-domain="${domain}"] .status`, {
    hasText: status,
  });
}

Dashboard('shows every domain waiting, then active after a tick', async ({ runtime, page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await within(page.goto(runtime.serverUrl ?? ''), 'page load');
  await page.locator('#connection', { hasText: 'live' }).waitFor({ timeout: 5000 });
  for (const domain of DOMAINS) await statusOf(page, domain, 'waiting').waitFor({ timeout: 5000 });
  await runtime.tick();
  for (const domain of DOMAINS) await statusOf(page, domain, 'active').waitFor({ timeout: 5000 });
  await page.locator('#tick', { hasText: '1' }).waitFor({ timeout: 5000 });
  await page.locator('#health[data-health="ok"]').waitFor({ timeout: 5000 });
  await page.locator('#tree .supervisor[data-supervisor="domains"]').waitFor({ timeout: 5000 });
  assert.equal(errors, []);
});

Dashboard('shows a killed domain crash and restart', async ({ runtime, page }) => {
  runtime.kill('inventory', 'simulated fault');
  await page.locator('tr[data-domain="inventory"] .restarts', { hasText: '1' }).waitFor({ timeout: 5000 });
  await page.locator('#log li', { hasText: 'domain_crashed inventory' }).waitFor({ timeout: 5000 });
  await page.locator('#log li', { hasText: 'domain_restarting inventory' }).waitFor({ timeout: 5000 });
  await statusOf(page, 'inventory', 'waiting').waitFor({ timeout: 5000 });
  await runtime.tick();
  await statusOf(page, 'inventory', 'active').waitFor({ timeout: 5000 });
  await page.locator('#tree .budget-text', { hasText: 'restarts 1/3' }).waitFor({ timeout: 5000 });
  const reason = await page.locator('tr[data-domain="inventory"] .reason').textContent();
  assert.ok(reason?.includes('simulated fault'), `reason shown: ${reason}`);
});

Dashboard('shows a failed terminate in the event log, marked as a failure', async ({ page }) => {
  assert.ok(fragileChildren, 'fragile is active');
  fragileChildren?.kill('children gave up');
  const entry = page.locator('#log li', { hasText: 'operation_failed' });
  await entry.first().waitFor({ timeout: 5000 });
  const text = (await entry.first().textContent()) ?? '';
  assert.match(text, /fragile#\d+/);
  assert.match(text, /ERR_DEACTIVATE_FAILED/);
  assert.ok((await entry.first().getAttribute('class'))?.includes('bad'), `class: ${await entry.first().getAttribute('class')}`);
});

Dashboard('filters the event log by type', async ({ page }) => {
  await page.selectOption('#filter-kind', 'tick');
  const texts = await page.locator('#log li').allTextContents();
  assert.ok(texts.length > 0);
  assert.ok(
    texts.every((text) => text.includes(' tick ')),
    texts.join('\n'),
  );
  await page.selectOption('#filter-kind', 'all');
});

Dashboard('reconnects by itself after the server restarts, and catches up on what it missed', async ({ runtime, page }) => {
  const server = findRunning(runtime.supervisor, 'web_server');
  assert.ok(server, 'the web server runs');
  const disconnected = page.locator('body[data-connection="disconnected"]').waitFor({ timeout: 5000 });
  server.kill('test: drop every socket');
  await disconnected;
  // This tick happens while the page is away: only a resume with `since` brings its event back.
  const missed = await runtime.tick();
  await page.locator('body[data-connection="connected"]').waitFor({ timeout: 10_000 });
  await page.locator('#log li', { hasText: new RegExp(`#\\d+\\s+tick ${missed} `) }).waitFor({ timeout: 5000 });
  assert.is(await page.locator('#banner').textContent(), '');
});

Dashboard('takes a full-page screenshot of what it shows, outside the tracked tree', async (context) => {
  const { page } = context;
  for (const domain of DOMAINS) {
    const row = page.locator(`tr[data-domain="${domain}"]`);
    assert.ok(await row.isVisible(), `${domain} has a visible row`);
    assert.ok((await row.locator('.status').textContent())?.includes('active'), `${domain} shows active`);
  }
  assert.ok(await page.locator('#log li').first().isVisible(), 'the event log shows events');
  const dir = mkdtempSync(path.join(tmpdir(), 'thunderline-dashboard-'));
  try {
    const file = path.join(dir, 'dashboard.png');
    const image = await page.screenshot({ path: file, fullPage: true });
    // A PNG of the whole page: its signature, and the viewport's width in the IHDR chunk.
    assert.equal([...image.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.is(image.readUInt32BE(16), 1400);
    assert.ok(image.readUInt32BE(20) >= 900, `height ${image.readUInt32BE(20)}`);
    assert.ok(readFileSync(file).equals(image), 'the file holds the screenshot');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.is(docsImageDigest(), context.docsImage, 'docs/dashboard.png is left as it was');
});

Dashboard('says so when the runtime goes away', async (context) => {
  const { page } = context;
  await within(context.runtime.stop(), 'runtime stop');
  await page.locator('body[data-connection="disconnected"]').waitFor({ timeout: 5000 });
  const banner = await page.locator('#banner').textContent();
  assert.ok(banner?.includes('Disconnected'), `banner: ${banner}`);
});

Dashboard.run();
