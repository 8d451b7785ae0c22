import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { chatRoutes } from './fake-chat.js';
import { FakeServer } from './fake-pomelo-server.js';

const publicDir = fileURLToPath(new URL('../../examples/chat/public/', import.meta.url));
const script = fileURLToPath(new URL('../../scripts/bundle-browser.mjs', import.meta.url));
const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

function findChromium(): string | undefined {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      // not installed under this name
    }
  }
  return undefined;
}

const executablePath = findChromium();
let dir: string;
let http: Server;
let server: FakeServer;
let browser: Browser | undefined;

/** Static files: the page from examples/chat/public, the bundle from a fresh build. */
async function serveStatic(url: string): Promise<{ type: string; body: Buffer } | undefined> {
  const path = url === '/' ? 'index.html' : url.slice(1);
  if (!/^[\w.-]+$/.test(path)) return undefined;
  const file = path.startsWith('switchyard-client.js') ? join(dir, path) : join(publicDir, path);
  try {
    return { type: types[extname(file)] ?? 'application/octet-stream', body: await readFile(file) };
  } catch {
    return undefined;
  }
}

before(async () => {
  if (!executablePath) return;
  dir = await mkdtemp(join(tmpdir(), 'switchyard-page-'));
  await promisify(execFile)(process.execPath, [script, '--outfile', join(dir, 'switchyard-client.js')]);
  http = createServer((req, res) => {
    void serveStatic(req.url ?? '/').then((found) => {
      if (!found) res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': found.type }).end(found.body);
    });
  });
  http.listen(0, '127.0.0.1');
  await new Promise((resolve) => http.once('listening', resolve));
  server = await FakeServer.start({ transport: 'ws', httpServer: http, onRequest: chatRoutes() });
  browser = await chromium.launch({ executablePath, headless: true });
});

after(async () => {
  await browser?.close();
  await server?.close();
  await new Promise((resolve) => (http ? http.close(resolve) : resolve(undefined)));
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('two browsers join a room on the chat page and see each other\'s messages', { skip: !executablePath && 'no chromium installed' }, async () => {
  const base = `http://127.0.0.1:${server.port}/`;
  const [ann, bob] = await Promise.all([browser!.newPage(), browser!.newPage()]);
  const pageErrors: string[] = [];
  for (const page of [ann, bob]) page.on('pageerror', (e) => pageErrors.push(e.message));

  for (const [page, name] of [[ann, 'ann'], [bob, 'bob']] as const) {
    await page.goto(base);
    await page.fill('#name', name);
    await page.fill('#room', 'lobby');
    await page.click('#join');
    await page.waitForSelector('#text:not([disabled])');
  }
  await ann.waitForFunction(() => document.querySelector('#users')?.textContent?.includes('bob'));
  assert.equal(await bob.textContent('#users'), 'annbob');

  await bob.fill('#text', 'hello from bob');
  await bob.click('#send');
  await ann.fill('#text', 'hi bob');
  await ann.press('#text', 'Enter');
  for (const page of [ann, bob]) {
    await page.waitForFunction(() => document.querySelectorAll('#messages .message').length === 2);
    const texts = await page.$$eval('#messages .message', (els) => els.map((e) => e.textContent));
    assert.deepEqual(texts, ['bob: hello from bob', 'ann: hi bob']);
  }
  assert.match((await ann.textContent('#messages .system')) ?? '', /bob joined/);
  assert.equal(await ann.inputValue('#text'), '');
  assert.deepEqual(pageErrors, []);
});
