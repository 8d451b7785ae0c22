import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import type * as BrowserEntry from '../../src/client/browser.js';
import { FakeServer } from './fake-pomelo-server.js';

const script = fileURLToPath(new URL('../../scripts/bundle-browser.mjs', import.meta.url));
let dir: string;
let bundle: string;
const servers: FakeServer[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-bundle-'));
  bundle = join(dir, 'switchyard-client.js');
  await promisify(execFile)(process.execPath, [script, '--outfile', bundle]);
});
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await rm(dir, { recursive: true, force: true });
});

test('the browser bundle is one ES module with a source map and nothing Node-only', async () => {
  const code = await readFile(bundle, 'utf8');
  assert.doesNotMatch(code, /require\(\s*["'](node:)?(net|tls|fs|events|stream|zlib|http)["']/);
  assert.doesNotMatch(code, /["']node:/);
  assert.doesNotMatch(code, /["']ws["']/);
  assert.match(code, /export\s*\{/);
  assert.match(code, /sourceMappingURL=switchyard-client\.js\.map/);
  const map = JSON.parse(await readFile(`${bundle}.map`, 'utf8')) as { sources: string[] };
  assert.ok(map.sources.some((s) => s.endsWith('src/client/client.ts')));
  assert.ok(!map.sources.some((s) => /ws-node-socket|tcp-socket|node_modules\/ws\//.test(s)), map.sources.join('\n'));
});

test('the bundled client talks to a server through a standard global WebSocket', async () => {
  const server = await FakeServer.start({ transport: 'ws', dict: { 'a.echo': 1 } });
  servers.push(server);
  const g = globalThis as { WebSocket?: unknown };
  const had = g.WebSocket;
  g.WebSocket = WebSocket; // `ws` implements the standard API: binaryType, onmessage, onclose
  try {
    const { connect } = (await import(pathToFileURL(bundle).href)) as typeof BrowserEntry;
    const peerP = server.nextAckedPeer();
    const client = await connect(server.url.replace(/\/?$/, '/'), { user: { token: 'b' } });
    const peer = await peerP;
    assert.deepEqual(await client.request('a.echo', { é: [1, 2] }), { é: [1, 2] });
    const pushed = new Promise((resolve) => client.on('a.pushed', resolve));
    peer.push('a.pushed', { n: 1 });
    assert.deepEqual(await pushed, { n: 1 });
    const closed = new Promise((resolve) => client.on('close', resolve));
    peer.kick('bye');
    assert.match(String((await closed as Error).message), /bye/);
    await client.close();
  } finally {
    g.WebSocket = had;
  }
});
