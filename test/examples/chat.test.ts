/**
 * `examples/chat.ts` runs as docs/toolkit.md says: rooms started on demand by a DynamicSupervisor
 * and found through the Registry (two racing openers get one room), a user's crash noticed by the
 * room through its monitor, fan-out through `Registry.dispatch`; and the dashboard (real
 * Chromium) shows the rooms' supervisor as `dynamic` with each room's registered name.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connectUser, main, openRoom, startChat } from '../../examples/chat.ts';
import { type SupervisorTree, startRuntime } from '../../index.ts';
import { launchChromium } from '../support/chromium.ts';
import { within } from '../support/within.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const example = suite('examples/chat.ts');

example('main() tells the story: one lobby for both openers, the crash noticed, fan-out to who is left', async () => {
  const lines: string[] = [];
  const story = await main({ print: (line) => lines.push(line) });
  assert.ok(story.sameRoom, 'two racing openRoom("lobby") get the same room');
  assert.equal(story.alice, [
    '[lobby] * alice joined',
    '[lobby] * bob joined',
    '[lobby] <bob> hi all',
    '[lobby] * bob left (connection reset)',
    '[lobby] <alice> bye bob',
  ]);
  assert.equal(story.membersAfterCrash, ['alice'], "bob's DOWN came before the members call: the room forgot him");
  assert.equal(story.treeNames, ['rooms:lobby', 'rooms:random']);
  assert.equal(lines, [...story.alice, 'chat_rooms: rooms:lobby, rooms:random']);
});

example('runs as a script and exits 0', () => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'examples', 'chat.ts')], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stdout, /^\[lobby\] \* bob left \(connection reset\)$/m);
});

example('a room whose actor dies leaves the registry, and the next openRoom starts a new one', async () => {
  const runtime = await startRuntime({ domains: [], tickInterval: 'manual', database: ':memory:', server: false });
  try {
    const chat = await startChat(runtime);
    const first = await openRoom(chat, 'lobby');
    first.kill('boom');
    assert.is(chat.rooms.whereis('lobby'), undefined);
    const second = await openRoom(chat, 'lobby');
    assert.is.not(second, first);
    assert.is(chat.rooms.whereis('lobby'), second);
    const user = await connectUser(chat);
    assert.is(await second.call({ type: 'join', user, nick: 'carol' }), true);
    assert.equal(chat.members.keys(user), ['lobby']);
    const gone = await connectUser(chat);
    gone.kill('closed');
    assert.is(await second.call({ type: 'join', user: gone, nick: 'dave' }), false, 'a user gone before joining is refused');
    assert.is(second.alive, true, 'and the room lives on');
    assert.equal(await second.call({ type: 'members' }), ['carol']);
  } finally {
    await runtime.stop();
  }
});

example('/api/tree and the dashboard show the rooms supervisor as dynamic, each room by its name', async () => {
  const runtime = await startRuntime({ domains: [], tickInterval: 'manual', database: ':memory:', server: { port: 0 } });
  const browser = await launchChromium();
  try {
    const chat = await startChat(runtime);
    await openRoom(chat, 'lobby');
    const base = runtime.serverUrl as string;
    const body = (await (await fetch(new URL('/api/tree', base))).json()) as { tree: SupervisorTree };
    const rooms = body.tree.children.find((child) => child.id === 'chat_rooms');
    assert.is(rooms?.tree?.kind, 'dynamic');
    assert.equal(
      rooms?.tree?.children.map((child) => child.names),
      [['rooms:lobby']],
    );

    const page = await browser.newPage();
    await page.goto(base);
    const item = page.locator('#tree .supervisor[data-supervisor="chat_rooms"][data-kind="dynamic"]');
    await within(item.waitFor({ timeout: 10_000 }), 'the rooms supervisor on the page', 12_000);
    // The tree is refetched on supervisor events: the room opened now shows up by name.
    await openRoom(chat, 'random');
    await within(item.locator('.name-tag', { hasText: 'rooms:random' }).waitFor({ timeout: 10_000 }), 'the new room by name', 12_000);
    assert.is(await item.locator('.name-tag', { hasText: 'rooms:lobby' }).count(), 1);
  } finally {
    await browser.close();
    await runtime.stop();
  }
});

example.run();
