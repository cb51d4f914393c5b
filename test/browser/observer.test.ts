/**
 * The dashboard's observer views in real headless Chromium, on a running Thunderline tree (every
 * Thunderline domain, manual ticks, a SQLite file holding an earlier run): every domain panel
 * draws its real data (DOM and canvas pixels), the actors view lists the tree and kills with the
 * token only, a page opened late shows the events since the run began, load is plotted, and a
 * past run is selectable. Screenshots go to a temporary folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Runtime } from '../../index.ts';
import { openStore } from '../../src/store/open-store.ts';
import { bootThunderline, thunderlineTree } from '../../supervisors/thunderline.ts';
import { launchChromium } from '../support/chromium.ts';
import { within } from '../support/within.ts';

interface Context {
  dir: string;
  file: string;
  pastRunId: string;
  runtime: Runtime;
  browser: Browser;
  page: Page;
}

const WAIT = { timeout: 15_000 };
const Observer = suite<Context>('dashboard observer views in headless chromium', {} as Context);

async function boot(file: string): Promise<Runtime> {
  const tree = thunderlineTree({ database: file, cerebros: { seed: 7, trialEvery: 1 } });
  return bootThunderline({ tickInterval: 'manual', database: file, server: { port: 0 } }, tree);
}

Observer.before(async (context) => {
  context.dir = mkdtempSync(path.join(tmpdir(), 'thunderline-observer-'));
  context.file = path.join(context.dir, 'ledger.db');
  // An earlier run on the same file: the past the page must show.
  const earlier = await within(boot(context.file), 'first boot', 15_000);
  context.pastRunId = earlier.runId;
  await earlier.tick();
  earlier.kill('thunderbolt', 'earlier fault');
  await earlier.flush();
  await earlier.tick();
  await within(earlier.stop(), 'first stop', 15_000);
  context.runtime = await within(boot(context.file), 'second boot', 15_000);
  // Work happens before any page is open: opening late must lose none of it.
  for (let tick = 0; tick < 12; tick += 1) await context.runtime.tick();
  context.browser = await launchChromium();
  context.page = await context.browser.newPage({ viewport: { width: 1280, height: 800 } });
});

Observer.after(async (context) => {
  await context.browser?.close();
  await context.runtime?.stop();
  rmSync(context.dir, { recursive: true, force: true });
});

/** The little of the browser's DOM these tests touch (the test code is typed for Node). */
interface PageDocument {
  querySelector(selector: string): {
    width: number;
    height: number;
    getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
  } | null;
  querySelectorAll(selector: string): Iterable<LaidOut>;
  documentElement: { scrollWidth: number; clientWidth: number };
}

/** The part of the DOM `overflow` walks. */
interface LaidOut {
  tagName: string;
  id: string;
  className: unknown;
  parentElement: LaidOut | null;
  getBoundingClientRect(): { right: number };
}

/**
 * How far the page scrolls sideways (scrollWidth past clientWidth, px), and the outermost elements whose
 * right edge is past the viewport's, so a failure names them (one clipped inside a scroll box is listed too).
 */
function overflow(page: Page): Promise<{ px: number; culprits: string[] }> {
  return page.evaluate(() => {
    const document = (globalThis as unknown as { document: PageDocument }).document;
    const { scrollWidth, clientWidth } = document.documentElement;
    const culprits: string[] = [];
    const past = new Set<LaidOut>();
    for (const node of Array.from(document.querySelectorAll('body *'))) {
      const right = node.getBoundingClientRect().right;
      if (right <= clientWidth + 0.5) continue;
      past.add(node);
      if (node.parentElement && past.has(node.parentElement)) continue;
      const classes = typeof node.className === 'string' && node.className ? `.${node.className.split(' ').join('.')}` : '';
      culprits.push(`${node.tagName.toLowerCase()}${node.id ? `#${node.id}` : ''}${classes} right=${Math.round(right)}`);
    }
    return { px: scrollWidth - clientWidth, culprits: culprits.slice(0, 12) };
  });
}

/** Pixels of the canvas whose RGB is within 40 of `rgb`, counted in the page. */
function countPixels(page: Page, selector: string, rgb: [number, number, number]): Promise<number> {
  return page.evaluate(
    ({ selector, rgb }) => {
      const canvas = (globalThis as unknown as { document: PageDocument }).document.querySelector(selector);
      if (!canvas) return -1;
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let count = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (
          Math.abs((data[i] ?? 0) - rgb[0]) < 40 &&
          Math.abs((data[i + 1] ?? 0) - rgb[1]) < 40 &&
          Math.abs((data[i + 2] ?? 0) - rgb[2]) < 40
        )
          count += 1;
      }
      return count;
    },
    { selector, rgb },
  );
}

Observer('a page opened late shows the events since the run began', async ({ runtime, page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await within(page.goto(runtime.serverUrl ?? ''), 'page load');
  await page.locator('#connection', { hasText: 'live' }).waitFor(WAIT);
  // Tick 1 and the first domain_waiting happened long before the page opened.
  await page.locator('#log li', { hasText: /#\d+\s+tick 1 / }).waitFor(WAIT);
  await page.locator('#log li', { hasText: 'domain_waiting thunderbolt' }).first().waitFor(WAIT);
  await page.locator('#log li', { hasText: 'domain_activated thundervine' }).first().waitFor(WAIT);
  assert.equal(errors, []);
});

Observer('every domain panel draws its real data', async ({ runtime, page }) => {
  const snapshot = await runtime.inspectDomain('thunderbolt');
  const grid = snapshot.views[0];
  assert.ok(grid?.kind === 'grid' && grid.cells.length > 0, 'thunderbolt has live cells');
  for (const domain of runtime.panelDomains()) {
    await page.locator(`.domain-card[data-domain="${domain}"] .view`).first().waitFor(WAIT);
  }
  // The automaton's live cells, in the grid's live colour (#e69f00): at least one cell's worth per live cell.
  await page.locator('.domain-card[data-domain="thunderbolt"] canvas.grid-canvas').waitFor(WAIT);
  const live = await countPixels(page, '.domain-card[data-domain="thunderbolt"] canvas.grid-canvas', [0xe6, 0x9f, 0x00]);
  assert.ok(live >= 5 * 20, `grid shows live cells: ${live} orange pixels`);
  // Cerebros' trials: one point per trial, and a plotted line.
  const trials = await runtime.inspectDomain('cerebros');
  const series = trials.views[0];
  assert.ok(series?.kind === 'series' && (series.series[0]?.points.length ?? 0) > 0, 'cerebros has trials');
  await page.locator('.domain-card[data-domain="cerebros"] .legend li', { hasText: /score \(\d+\)/ }).waitFor(WAIT);
  const scorePixels = await countPixels(page, '.domain-card[data-domain="cerebros"] canvas', [0x56, 0xb4, 0xe9]);
  assert.ok(scorePixels > 20, `cerebros plots its scores: ${scorePixels} pixels`);
  // Thundervine's DAG: every step with its state as text, and coloured boxes on the canvas.
  for (const step of ['fetch', 'parse', 'index', 'summarize', 'publish']) {
    await page.locator(`.domain-card[data-domain="thundervine"] .node-state[data-node="${step}"]`).waitFor(WAIT);
  }
  const states = await page.locator('.domain-card[data-domain="thundervine"] .node-state').allTextContents();
  assert.ok(
    states.some((text) => /: (done|running)$/.test(text)),
    states.join(' | '),
  );
  const boxes = await countPixels(page, '.domain-card[data-domain="thundervine"] canvas', [0x99, 0x99, 0x99]);
  const done = await countPixels(page, '.domain-card[data-domain="thundervine"] canvas', [0x00, 0x9e, 0x73]);
  assert.ok(boxes + done > 200, `workflow boxes drawn: ${boxes} grey, ${done} green pixels`);
  // Thundergrid's zones and occupancy, thunderflow's fill, thunderlink's node, thundercrown's decisions, thunderprism's trail.
  const zones = await page.locator('.domain-card[data-domain="thundergrid"] .bar-row').count();
  assert.is(zones, 4);
  await page.locator('.domain-card[data-domain="thundergrid"] .summary', { hasText: /of 9 domains active/ }).waitFor(WAIT);
  await page.locator('.domain-card[data-domain="thunderflow"] .bar[aria-valuemax="1000"]').waitFor(WAIT);
  const fill = Number(await page.locator('.domain-card[data-domain="thunderflow"] .bar').getAttribute('aria-valuenow'));
  assert.ok(fill > 0, `buffer fill ${fill}`);
  const presence = await runtime.inspectDomain('thunderlink');
  const nodeId = presence.views[0]?.kind === 'table' ? String(presence.views[0].rows[0]?.[0]) : '';
  await page.locator('.domain-card[data-domain="thunderlink"] td', { hasText: nodeId }).first().waitFor(WAIT);
  await page.locator('.domain-card[data-domain="thundercrown"] .summary', { hasText: '0 refusals' }).waitFor(WAIT);
  await page.locator('.domain-card[data-domain="thunderprism"] .node-state').first().waitFor(WAIT);
  await page.locator('.domain-card[data-domain="thundergate"] dd', { hasText: 'ok' }).first().waitFor(WAIT);
});

Observer('plots load over time from the run start', async ({ page }) => {
  // One sample a second on the real clock: wait for the page to hold two, so a line can be drawn.
  await page.locator('#load-span', { hasText: /, ([2-9]|\d{2,}) samples/ }).waitFor(WAIT);
  await page.locator('figure[data-metric="heapMb"] .value', { hasText: /\d/ }).waitFor(WAIT);
  const heap = Number(await page.locator('figure[data-metric="heapMb"] .value').textContent());
  assert.ok(heap > 1, `heap ${heap} MB`);
  const line = await countPixels(page, 'figure[data-metric="rssMb"] canvas', [0x56, 0xb4, 0xe9]);
  assert.ok(line > 0, `RSS plotted: ${line} pixels`);
});

Observer('lists every actor with its path, and sorts by a column from the keyboard', async ({ runtime, page }) => {
  const automaton = runtime.actors().find((row) => row.name === 'thunderbolt.automaton');
  assert.ok(automaton, 'the automaton is a live actor');
  await page.locator(`#actors tr[data-actor="${automaton?.id}"] td.path`, { hasText: 'thunderbolt/automaton' }).waitFor(WAIT);
  for (const path of ['application', 'application/domains', 'application/tick_system/tick_generator', 'application/domains/thunderbolt']) {
    await page.locator('#actors td.path', { hasText: new RegExp(`^${path}$`) }).waitFor(WAIT);
  }
  const handled = Number(await page.locator(`#actors tr[data-actor="${automaton?.id}"] td.handled`).textContent());
  assert.ok(handled >= 10, `the automaton handled ${handled} messages (one per tick)`);
  await page.locator('#actors th button[data-sort="handled"]').focus();
  await page.keyboard.press('Enter');
  const sorted = await page.locator('#actors th button[data-sort="handled"]').getAttribute('aria-sort');
  assert.ok(sorted === 'descending' || sorted === 'ascending', `aria-sort ${sorted}`);
});

Observer('kill from the actors view is refused without the token and works with it', async ({ runtime, page }) => {
  const automaton = runtime.actors().find((row) => row.name === 'thunderbolt.automaton');
  assert.ok(automaton);
  const row = page.locator(`#actors tr[data-actor="${automaton?.id}"]`);
  // Without the token (the page was opened without one): the server answers 401.
  await row.locator('button[data-action="kill"]').click();
  await page.locator('#confirm[open]').waitFor(WAIT);
  assert.is(await page.locator('#confirm-token').inputValue(), '');
  await page.locator('#confirm-yes').click();
  await page.locator('#operator-result[data-outcome="refused"]', { hasText: 'HTTP 401' }).waitFor(WAIT);
  assert.ok(
    runtime.actors().some((actor) => actor.id === automaton?.id),
    'still alive after the refusal',
  );
  // With the token, after the confirm step.
  await page.goto(runtime.operatorUrl ?? '');
  await row.locator('button[data-action="kill"]').waitFor(WAIT);
  await row.locator('button[data-action="kill"]').click();
  await page.locator('#confirm[open]').waitFor(WAIT);
  await page.locator('#confirm-yes').click();
  await page.locator('#operator-result[data-outcome="done"]', { hasText: 'thunderbolt/automaton: done' }).waitFor(WAIT);
  assert.not.ok(
    runtime.actors().some((actor) => actor.id === automaton?.id),
    'the killed incarnation is gone',
  );
  await page
    .locator('#log li', { hasText: /child_restarted .*automaton/ })
    .first()
    .waitFor(WAIT);
});

Observer('records the operator action in the ledger', async (context) => {
  const store = openStore(context.file, { readonly: true });
  try {
    const actions = store.readOperatorActions({ runId: context.runtime.runId });
    assert.is(actions.length, 1);
    assert.is(actions[0]?.action, 'kill');
    assert.is(actions[0]?.outcome, 'done');
    assert.match(actions[0]?.path ?? '', /thunderbolt\/automaton$/);
  } finally {
    store.close();
  }
});

Observer('a past run is selectable and shows its timeline and history', async ({ page, pastRunId }) => {
  await page.locator(`#run-select option[value="${pastRunId}"]`).waitFor({ state: 'attached', ...WAIT });
  await page.selectOption('#run-select', pastRunId);
  await page.locator('#past-history tbody tr', { hasText: 'earlier fault' }).first().waitFor(WAIT);
  const rows = Number(await page.locator('#past-timeline').getAttribute('data-rows'));
  assert.is(rows, 9);
  const active = await countPixels(page, '#past-timeline', [0x00, 0x9e, 0x73]);
  const crashed = await countPixels(page, '#past-timeline', [0xd5, 0x5e, 0x00]);
  assert.ok(active > 100, `active spans drawn: ${active}`);
  assert.ok(crashed > 0, `the crash is drawn: ${crashed}`);
});

Observer('is readable at 1280×800 and on a phone-width screen, with screenshots', async ({ runtime, browser, page }) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'thunderline-observer-shots-'));
  try {
    await page.screenshot({ path: path.join(dir, 'desktop.png'), fullPage: true });
    const desktop = await overflow(page);
    assert.ok(desktop.px <= 0, `no horizontal scroll at 1280: ${desktop.px} px over, ${desktop.culprits.join(', ')}`);
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await phone.goto(runtime.serverUrl ?? '');
    await phone.locator('#actors tbody tr').first().waitFor(WAIT);
    await phone.locator('.domain-card[data-domain="thunderbolt"] .view').waitFor(WAIT);
    // Every view drawn with its data (thunderlink's table holds the widest token, an ISO time).
    await phone.locator('.domain-card[data-domain="thunderlink"] table.mini td').first().waitFor(WAIT);
    await phone.locator('#domains tbody tr').first().waitFor(WAIT);
    const narrow = await overflow(phone);
    assert.ok(narrow.px <= 0, `no horizontal scroll at 390: ${narrow.px} px over, ${narrow.culprits.join(', ')}`);
    await phone.screenshot({ path: path.join(dir, 'phone.png'), fullPage: true });
    await phone.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Observer.run();
