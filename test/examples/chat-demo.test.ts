import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { connect, type Client } from '../../src/client/index.js';
import type { Application } from '../../src/index.js';
import { startChatServer } from '../../examples/chat/server.js';
import { launchChromium } from '../support/chromium.js';
import { RawClient } from '../support/pomelo-raw-client.js';

let app: Application;
let browser: Browser;
let wsPort: number;
let tcpPort: number;

before(async () => {
  app = await startChatServer({ wsPort: 0, tcpPort: 0 });
  ({ ws: { port: wsPort }, tcp: { port: tcpPort } } = app.gateway.addresses as { ws: { port: number }; tcp: { port: number } });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await app?.stop();
});

/** Resolves with the next push on `route`. */
function nextPush<T>(client: Client, route: string): Promise<T> {
  return new Promise((resolve) => {
    const fn = (body: unknown): void => {
      client.off(route, fn);
      resolve(body as T);
    };
    client.on(route, fn);
  });
}

test('the chat page in Chromium joins a room and sees a message sent by a Node SDK client (and the reverse)', async () => {
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`http://127.0.0.1:${wsPort}/`);
  await page.fill('#name', 'ann');
  await page.fill('#room', 'lobby');
  await page.click('#join');
  await page.waitForSelector('#text:not([disabled])');

  const bob = await connect(`tcp://127.0.0.1:${tcpPort}`);
  const joined = (await bob.request('chat.join', { room: 'lobby', name: 'bob' })) as { users: string[] };
  assert.deepEqual(joined.users.sort(), ['ann', 'bob']);
  await page.waitForFunction(() => document.querySelector('#users')?.textContent?.includes('bob'));

  assert.deepEqual(await bob.request('chat.say', { text: 'hello from node' }), { ok: true });
  await page.waitForFunction(() => [...document.querySelectorAll('#messages .message')].some((e) => e.textContent === 'bob: hello from node'));

  const fromPage = nextPush<{ from: string; text: string }>(bob, 'chat.onMessage');
  await page.fill('#text', 'hi bob');
  await page.click('#send');
  assert.deepEqual(await fromPage, { from: 'ann', text: 'hi bob' });

  const left = nextPush<{ name: string }>(bob, 'chat.onLeave');
  await page.close();
  assert.deepEqual(await left, { name: 'ann' });
  assert.deepEqual(pageErrors, []);
  await bob.close();
});

test('a raw client built only from pomelo-protocol and ws handshakes, joins and chats with an SDK client', async () => {
  const raw = await (await RawClient.ws(`ws://127.0.0.1:${wsPort}/`)).open();
  const carol = await connect(`ws://127.0.0.1:${wsPort}/`);
  assert.deepEqual(await carol.request('chat.join', { room: 'raw', name: 'carol' }), { users: ['carol'] });

  const carolSeesJoin = nextPush<{ name: string }>(carol, 'chat.onJoin');
  assert.deepEqual(await raw.request('chat.join', { room: 'raw', name: 'rawdy' }, true), { users: ['carol', 'rawdy'] });
  assert.deepEqual(await carolSeesJoin, { name: 'rawdy' });

  const carolSees = nextPush<{ from: string; text: string }>(carol, 'chat.onMessage');
  const rawSeesOwn = raw.nextPush('chat.onMessage');
  assert.deepEqual(await raw.request('chat.say', { text: 'plain pomelo here' }), { ok: true });
  assert.deepEqual(await carolSees, { from: 'rawdy', text: 'plain pomelo here' });
  assert.deepEqual((await rawSeesOwn).body, { from: 'rawdy', text: 'plain pomelo here' });

  const rawSees = raw.nextPush('chat.onMessage');
  await carol.request('chat.say', { text: 'hello raw' });
  assert.deepEqual((await rawSees).body, { from: 'carol', text: 'hello raw' });
  raw.close();
  await carol.close();
});

test('bad chat input answers bad_payload and the session carries on', async () => {
  const c = await connect(`tcp://127.0.0.1:${tcpPort}`);
  await assert.rejects(c.request('chat.join', { room: '', name: 'x' }), { code: 'bad_payload' });
  await assert.rejects(c.request('chat.say', { text: 'early' }), { code: 'permission_denied' });
  await assert.rejects(c.request('chat.nope', {}), { code: 'not_found' });
  assert.deepEqual(await c.request('chat.join', { room: 'z', name: 'zed' }), { users: ['zed'] });
  await c.close();
});
