/**
 * The dashboard's cluster view (`docs/dashboard.md`, "Cluster view") in real headless Chromium, on
 * two nodes started in this process (`docs/cluster.md`): both nodes listed with their shard counts
 * and the tick leader, every domain under the node the API says runs it, the 16×16 lease grid
 * owned as `/api/cluster` says; then node b stops gracefully and the view follows the handoff
 * (b gone, a holding 256 shards, shard_released and member_left on the timeline). A single-node
 * runtime's page has no cluster section. Real time passes (leases expire by PostgreSQL's clock):
 * every wait is for a DOM condition, bounded by a guard. Screenshots go to a temporary folder
 * (kept, and its path printed, when THUNDERLINE_KEEP_SHOTS is set).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { defineDomain, type Runtime, startRuntime } from '../../index.ts';
import type { ClusterSnapshot } from '../../src/cluster/node.ts';
import { assignShards, ownersOf } from '../../src/cluster/shards.ts';
import type { DomainStatus } from '../../src/runtime/registry-view.ts';
import { launchChromium } from '../support/chromium.ts';
import { until } from '../support/cluster-nodes.ts';
import { type FreshDatabase, freshDatabase, TEST_NATS } from '../support/cluster-services.ts';
import { within } from '../support/within.ts';

const DOMAINS = ['audit', 'billing', 'inventory', 'mail', 'search', 'shipping'];
/** Generous: a rebalance paces its handoffs at 32 shards a second, and leases live 1.5 s. */
const WAIT = { timeout: 30_000 };

interface Context {
  db: FreshDatabase;
  a: Runtime;
  b: Runtime;
  bStopped: boolean;
  browser: Browser;
  page: Page;
  shots: string;
}

function node(db: FreshDatabase, nodeId: string, server: boolean): Promise<Runtime> {
  return startRuntime({
    domains: DOMAINS.map((name) => defineDomain({ name, async activate() {} })),
    tickInterval: 100,
    ...(server ? { server: { port: 0 } } : {}),
    cluster: { postgres: db.url, nats: TEST_NATS, nodeId, leaseTtlMs: 3000 },
  });
}

async function getJson<T>(runtime: Runtime, route: string): Promise<T> {
  const response = await fetch(new URL(route, runtime.serverUrl ?? ''));
  assert.is(response.status, 200, `${route} answers`);
  return (await response.json()) as T;
}

/** The little of the browser's DOM these tests touch (the test code is typed for Node). */
interface PageElement {
  dataset: Record<string, string | undefined>;
  textContent: string | null;
  hidden: boolean;
  title: string;
  offsetParent: unknown;
  previousElementSibling: PageElement | null;
  tagName: string;
  id: string;
  className: unknown;
  parentElement: PageElement | null;
  matches(selector: string): boolean;
  getBoundingClientRect(): { right: number; height: number };
}
interface PageDocument {
  body: PageElement;
  activeElement: PageElement | null;
  documentElement: { scrollWidth: number; clientWidth: number };
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
}

/** The cards as drawn: node → shard count (null when unknown), state, and whether it is this node / the leader. */
function cards(
  page: Page,
): Promise<Record<string, { shards: number | null; state: string; self: boolean; leader: boolean; domains: string[] }>> {
  return page.evaluate(() => {
    const document = (globalThis as unknown as { document: PageDocument }).document;
    const out: Record<string, { shards: number | null; state: string; self: boolean; leader: boolean; domains: string[] }> = {};
    for (const card of Array.from(document.querySelectorAll('#cluster-nodes .node-card'))) {
      const count = document.querySelector(`.node-card[data-node="${card.dataset.node}"] .node-shards`);
      const items = Array.from(document.querySelectorAll(`.node-card[data-node="${card.dataset.node}"] .node-domains li[data-domain]`));
      out[card.dataset.node ?? ''] = {
        shards: count?.dataset.count === undefined ? null : Number(count.dataset.count),
        state: card.dataset.state ?? '',
        self: card.dataset.self === 'true',
        leader: card.dataset.leader === 'true',
        domains: items.map((item) => item.dataset.domain ?? ''),
      };
    }
    return out;
  });
}

/** Each lease cell's owner as drawn ('' = free or never taken), by shard. */
function gridOwners(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const document = (globalThis as unknown as { document: PageDocument }).document;
    return Array.from(document.querySelectorAll('#lease-grid .lease')).map((cell) => cell.dataset.owner ?? '');
  });
}

/** `/api/cluster`'s owner of each shard ('' when its lease is not valid). */
function apiOwners(snapshot: ClusterSnapshot): string[] {
  const owners: string[] = Array.from({ length: 256 }, () => '');
  for (const lease of snapshot.leases) {
    if (lease.name.startsWith('shard:') && lease.valid) owners[Number(lease.name.slice(6))] = lease.owner;
  }
  return owners;
}

/** What `/api/cluster` and `/api/domains` say, as the page should draw it. */
interface Expected {
  owners: string[];
  counts: Record<string, number>;
  placement: Record<string, string>;
}

/**
 * Waits until the page draws what the API says: every lease cell's owner, every node card's shard
 * count, and every domain under its node (in the node's card and under its heading in the domains
 * table). The API is read again when a rebalance moved shards meanwhile (the page reads it every
 * 2 s, or sooner after a cluster event).
 */
async function viewMatchesApi(page: Page, runtime: Runtime): Promise<{ snapshot: ClusterSnapshot; domains: DomainStatus[] }> {
  let last = '';
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const snapshot = await getJson<ClusterSnapshot>(runtime, '/api/cluster');
    const { domains } = await getJson<{ domains: DomainStatus[] }>(runtime, '/api/domains');
    const expected: Expected = {
      owners: apiOwners(snapshot),
      counts: snapshot.shardsByNode,
      placement: Object.fromEntries(domains.map((domain) => [domain.name, domain.node ?? ''])),
    };
    try {
      await page.waitForFunction(
        ({ owners, counts, placement }: Expected) => {
          const document = (globalThis as unknown as { document: PageDocument }).document;
          const cells = Array.from(document.querySelectorAll('#lease-grid .lease'));
          if (cells.length !== owners.length || cells.some((cell, shard) => (cell.dataset.owner ?? '') !== owners[shard])) return false;
          if (document.querySelectorAll('#cluster-nodes .node-card').length !== Object.keys(counts).length) return false;
          for (const [node, count] of Object.entries(counts)) {
            if (document.querySelector(`.node-card[data-node="${node}"] .node-shards`)?.dataset.count !== String(count)) return false;
          }
          for (const [domain, node] of Object.entries(placement)) {
            if (document.querySelectorAll(`.node-card .node-domains li[data-domain="${domain}"]`).length !== 1) return false;
            if (!document.querySelector(`.node-card[data-node="${node}"] li[data-domain="${domain}"]`)) return false;
            const row = document.querySelector(`#domains tbody tr[data-domain="${domain}"]`);
            let heading = row?.previousElementSibling ?? null;
            while (heading && !heading.matches('tr.node-group')) heading = heading.previousElementSibling;
            if (row?.dataset.node !== node || heading?.dataset.node !== node) return false;
          }
          return true;
        },
        expected,
        { timeout: 5000 },
      );
      return { snapshot, domains };
    } catch {
      last = `api: ${JSON.stringify({ shardsByNode: snapshot.shardsByNode, placement: expected.placement })}; page: ${JSON.stringify({
        cards: await cards(page),
        rows: await domainRows(page),
      })}`;
    }
  }
  throw new Error(`the cluster view never matched the API: ${last}`);
}

/** Each domain row's node and the node of the group heading above it, in the domains table. */
function domainRows(page: Page): Promise<Record<string, { node: string; group: string }>> {
  return page.evaluate(() => {
    const document = (globalThis as unknown as { document: PageDocument }).document;
    const out: Record<string, { node: string; group: string }> = {};
    for (const row of Array.from(document.querySelectorAll('#domains tbody tr[data-domain]'))) {
      let heading = row.previousElementSibling;
      while (heading && !heading.matches('tr.node-group')) heading = heading.previousElementSibling;
      out[row.dataset.domain ?? ''] = { node: row.dataset.node ?? '', group: heading?.dataset.node ?? '(none)' };
    }
    return out;
  });
}

/**
 * How far the page scrolls sideways (px), and the outermost elements past the viewport's right
 * edge, so a failure names them (the same measure as test/browser/observer.test.ts).
 */
function overflow(page: Page): Promise<{ px: number; culprits: string[] }> {
  return page.evaluate(() => {
    const document = (globalThis as unknown as { document: PageDocument }).document;
    const { scrollWidth, clientWidth } = document.documentElement;
    const culprits: string[] = [];
    const past = new Set<PageElement>();
    for (const element of Array.from(document.querySelectorAll('body *'))) {
      const right = element.getBoundingClientRect().right;
      if (right <= clientWidth + 0.5) continue;
      past.add(element);
      if (element.parentElement && past.has(element.parentElement)) continue;
      const classes = typeof element.className === 'string' && element.className ? `.${element.className.split(' ').join('.')}` : '';
      culprits.push(`${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}${classes} right=${Math.round(right)}`);
    }
    return { px: scrollWidth - clientWidth, culprits: culprits.slice(0, 12) };
  });
}

/** The failover timeline's entries, oldest first: type, node and text. */
function timeline(page: Page): Promise<Array<{ type: string; node: string; text: string }>> {
  return page.evaluate(() => {
    const document = (globalThis as unknown as { document: PageDocument }).document;
    return Array.from(document.querySelectorAll('#cluster-log li[data-type]')).map((item) => ({
      type: item.dataset.type ?? '',
      node: item.dataset.node ?? '',
      text: item.textContent ?? '',
    }));
  });
}

const ClusterView = suite<Context>('dashboard cluster view on two nodes in headless chromium', {} as Context);

ClusterView.before(async (context) => {
  context.db = await freshDatabase();
  context.a = await within(node(context.db, 'a', true), 'node a to start', 20_000);
  context.b = await within(node(context.db, 'b', false), 'node b to start', 20_000);
  context.bStopped = false;
  context.browser = await launchChromium();
  context.page = await context.browser.newPage({ viewport: { width: 1280, height: 800 } });
  context.shots = mkdtempSync(path.join(tmpdir(), 'thunderline-cluster-view-'));
});

ClusterView.after(async (context) => {
  await context.browser?.close();
  if (!context.bStopped) await context.b?.stop().catch(() => {});
  await context.a?.stop().catch(() => {});
  await context.db?.drop();
  if (process.env.THUNDERLINE_KEEP_SHOTS) console.log(`cluster view screenshots: ${context.shots}`);
  else if (context.shots) rmSync(context.shots, { recursive: true, force: true });
});

ClusterView('lists both nodes with their shards, the leader and their domains; the grid shows the owners', async (context) => {
  const { a, page } = context;
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  // The cluster settles first: each node holds its rendezvous share and runs its domains, so
  // nothing moves while the page is compared with the API below.
  const share = assignShards(['a', 'b']);
  await until(
    'the shard map of a and b, every domain active on its owner',
    () => getJson<ClusterSnapshot>(a, '/api/cluster'),
    (snapshot) =>
      snapshot.shardsByNode.a === share.get('a')?.length &&
      snapshot.shardsByNode.b === share.get('b')?.length &&
      a.registry.statuses().every((status) => status.status === 'active' && status.node === ownersOf(['a', 'b'])[status.shard ?? -1]),
  );
  await within(page.goto(a.serverUrl ?? ''), 'page load', 10_000);
  await page.locator('#connection', { hasText: 'live' }).waitFor(WAIT);
  await page.locator('body[data-cluster="on"] #cluster-panel').waitFor({ state: 'visible', ...WAIT });
  await page.locator('#cluster-link').waitFor({ state: 'visible', ...WAIT });
  // Both nodes hold shards, 256 in all (the rebalance may still be moving some: the grid is compared with the API next).
  await page
    .waitForFunction(
      () => {
        const document = (globalThis as unknown as { document: PageDocument }).document;
        const counts = ['a', 'b'].map((id) =>
          Number(document.querySelector(`.node-card[data-node="${id}"] .node-shards`)?.dataset.count ?? -1),
        );
        return counts.every((count) => count > 0) && (counts[0] ?? 0) + (counts[1] ?? 0) === 256;
      },
      undefined,
      WAIT,
    )
    .catch(async (error) => {
      throw new Error(
        `${error}; cards: ${JSON.stringify(await cards(page))}; api: ${JSON.stringify((await getJson<ClusterSnapshot>(a, '/api/cluster')).shardsByNode)}`,
      );
    });
  const { snapshot, domains } = await viewMatchesApi(page, a);
  assert.is((await gridOwners(page)).length, 256, 'a 16×16 grid');
  const drawn = await cards(page);
  assert.equal(Object.keys(drawn).sort(), ['a', 'b'], 'both nodes, no other');
  assert.is((drawn.a?.shards ?? 0) + (drawn.b?.shards ?? 0), 256, 'shard counts add up to 256');
  assert.ok(drawn.a?.self && !drawn.b?.self, 'a is this node');
  assert.is(drawn.a?.state, 'up');
  assert.is(drawn.b?.state, 'up');
  assert.ok(snapshot.leader === 'a' || snapshot.leader === 'b', `a leader: ${snapshot.leader}`);
  const leaders = Object.entries(drawn).filter(([, card]) => card.leader);
  assert.equal(
    leaders.map(([id]) => id),
    [snapshot.leader],
    'the tick leader is marked',
  );
  await page.locator(`.node-card[data-node="${snapshot.leader}"] .tag-leader`, { hasText: 'tick leader' }).waitFor(WAIT);
  await page.locator('#tick-lease', { hasText: `tick lease: ${snapshot.leader}` }).waitFor(WAIT);
  // Every domain is placed, each under the node the API says runs it (viewMatchesApi compared them).
  assert.is(domains.length, DOMAINS.length);
  assert.ok(
    domains.every((domain) => domain.node === 'a' || domain.node === 'b'),
    JSON.stringify(domains.map((d) => [d.name, d.node])),
  );
  const rows = await domainRows(page);
  for (const domain of domains) {
    assert.equal(rows[domain.name], { node: domain.node, group: domain.node }, `${domain.name}'s row is under node ${domain.node}`);
  }
  // The leases' grid cells carry the epoch and expiry in their titles, and the line under the grid says it for the keyboard.
  await page.locator('#lease-grid .lease[data-shard="0"]').focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  const focused = await page.evaluate(() => (globalThis as unknown as { document: PageDocument }).document.activeElement?.dataset.shard);
  assert.is(focused, '17', 'arrow keys move through the grid');
  await page.locator('#lease-detail', { hasText: /^shard 17: owner [ab], epoch \d+, expires in -?\d+ ms/ }).waitFor(WAIT);
  // The timeline has the start: the join and the shards moving to b, with their epochs.
  await page.locator('#cluster-log li[data-type="member_joined"][data-node="b"]').waitFor(WAIT);
  await page
    .locator('#cluster-log li[data-type="shard_acquired"][data-node="b"]', { hasText: /epoch \d/ })
    .first()
    .waitFor(WAIT);

  await page.screenshot({ path: path.join(context.shots, 'two-nodes-1280.png') });
  await page.screenshot({ path: path.join(context.shots, 'two-nodes-1280-full.png'), fullPage: true });
  const wide = await overflow(page);
  assert.ok(wide.px <= 0, `no horizontal scroll at 1280: ${wide.px} px over, ${wide.culprits.join(', ')}`);
  assert.equal(errors, []);
});

ClusterView('is readable at 390 px wide: no sideways scroll', async (context) => {
  const phone = await context.browser.newPage({ viewport: { width: 390, height: 844 } });
  try {
    await within(phone.goto(context.a.serverUrl ?? ''), 'page load', 10_000);
    await phone.locator('#cluster-nodes .node-card[data-node="b"]').waitFor(WAIT);
    await phone.locator('#lease-grid .lease[data-owner="b"]').first().waitFor(WAIT);
    await phone.locator('#cluster-log li[data-type]').first().waitFor(WAIT);
    await phone.locator('#domains tr.node-group').first().waitFor(WAIT);
    const narrow = await overflow(phone);
    assert.ok(narrow.px <= 0, `no horizontal scroll at 390: ${narrow.px} px over, ${narrow.culprits.join(', ')}`);
    await phone.screenshot({ path: path.join(context.shots, 'two-nodes-390.png'), fullPage: true });
    await phone.locator('#cluster-panel').screenshot({ path: path.join(context.shots, 'cluster-panel-390.png') });
  } finally {
    await phone.close();
  }
});

ClusterView('follows a graceful stop of node b: b gone, a holds 256 shards, the handoff on the timeline', async (context) => {
  const { a, page } = context;
  const before = await getJson<{ domains: DomainStatus[] }>(a, '/api/domains');
  const ranOnB = before.domains.filter((domain) => domain.node === 'b').map((domain) => domain.name);
  await within(context.b.stop(), 'node b to stop', 30_000);
  context.bStopped = true;
  await page
    .waitForFunction(
      () => {
        const document = (globalThis as unknown as { document: PageDocument }).document;
        return (
          document.querySelector('.node-card[data-node="b"]') === null &&
          document.querySelector('.node-card[data-node="a"] .node-shards')?.dataset.count === '256'
        );
      },
      undefined,
      WAIT,
    )
    .catch(async (error) => {
      const api = await getJson<ClusterSnapshot>(a, '/api/cluster');
      const { domains } = await getJson<{ domains: DomainStatus[] }>(a, '/api/domains');
      throw new Error(
        `${error}; cards: ${JSON.stringify(await cards(page))}; api: ${JSON.stringify({ ...api, leases: undefined, shards: undefined })}; domains: ${JSON.stringify(domains)}; timeline: ${JSON.stringify((await timeline(page)).slice(-8))}`,
      );
    });
  const { snapshot, domains } = await viewMatchesApi(page, a);
  assert.equal(snapshot.shardsByNode, { a: 256 });
  assert.ok(
    (await gridOwners(page)).every((owner) => owner === 'a'),
    'every cell is a',
  );
  assert.equal(Object.keys(await cards(page)), ['a']);
  await page.locator('.node-card[data-node="a"][data-leader="true"]').waitFor(WAIT);
  await page.locator('#cluster-log li[data-type="shard_released"][data-node="b"]', { hasText: 'handoff' }).first().waitFor(WAIT);
  // b's departure: a graceful stop deletes its member row, which node a reports as member_left
  // (src/cluster/node.ts, membershipChanged; member_dead is for a row whose heartbeat went stale).
  await page
    .locator('#cluster-log li[data-node="b"][data-type="member_left"]')
    .waitFor({ state: 'attached', ...WAIT })
    .catch(async (error) => {
      throw new Error(`${error}; timeline: ${JSON.stringify((await timeline(page)).slice(-12), null, 1)}`);
    });
  assert.ok(
    domains.every((domain) => domain.node === 'a'),
    JSON.stringify(domains.map((d) => [d.name, d.node])),
  );
  // Each domain b ran is named on a timeline entry of its activation on a, after b's handoff began.
  for (const name of ranOnB) {
    await page
      .waitForFunction(
        (domain) => {
          const document = (globalThis as unknown as { document: PageDocument }).document;
          const items = Array.from(document.querySelectorAll('#cluster-log li[data-type]'));
          const handoff = items.findIndex((item) => item.dataset.type === 'domain_deactivated' && item.dataset.node === 'b');
          return (
            handoff >= 0 &&
            items
              .slice(handoff)
              .some(
                (item) =>
                  item.dataset.type === 'domain_activated' &&
                  item.dataset.node === 'a' &&
                  new RegExp(`\\b${domain}\\b`).test(item.textContent ?? ''),
              )
          );
        },
        name,
        WAIT,
      )
      .catch(async (error) => {
        throw new Error(`${error}; ${name} active on a; timeline: ${JSON.stringify((await timeline(page)).slice(-12), null, 1)}`);
      });
  }
  const entries = await timeline(page);
  const left = entries.find((entry) => entry.node === 'b' && entry.type === 'member_left');
  assert.match(left?.text ?? '', /\+\d/, 'each entry says how long after the previous one it came');
  const rows = await domainRows(page);
  assert.ok(
    Object.values(rows).every((row) => row.node === 'a' && row.group === 'a'),
    JSON.stringify(rows),
  );
  await page.screenshot({ path: path.join(context.shots, 'after-stop-1280.png') });
});

ClusterView.run();

const Single = suite<{ runtime: Runtime; browser: Browser }>('dashboard of a single-node runtime has no cluster view', {} as never);

Single.before(async (context) => {
  context.runtime = await startRuntime({
    tickInterval: 'manual',
    database: ':memory:',
    server: { port: 0 },
    domains: DOMAINS.slice(0, 3).map((name) => defineDomain({ name, async activate() {} })),
  });
  context.browser = await launchChromium();
});

Single.after(async (context) => {
  await context.browser?.close();
  await context.runtime?.stop();
});

Single('shows no cluster section, link or node grouping', async ({ runtime, browser }) => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await within(page.goto(runtime.serverUrl ?? ''), 'page load', 10_000);
  await page.locator('#connection', { hasText: 'live' }).waitFor(WAIT);
  // Decided: /api/cluster answered 404 and hello carried no cluster.
  await page.locator('body[data-cluster="off"]').waitFor({ state: 'attached', ...WAIT });
  await page.locator('#domains tbody tr[data-domain]').first().waitFor(WAIT);
  assert.not.ok(await page.locator('#cluster-panel').isVisible(), 'no cluster section');
  assert.not.ok(await page.locator('#cluster-link').isVisible(), 'no cluster link');
  assert.is(await page.locator('#domains tr.node-group').count(), 0, 'no node headings');
  assert.is(await page.locator('#lease-grid .lease').count(), 0, 'no lease grid built');
  await page.close();
});

Single.run();
