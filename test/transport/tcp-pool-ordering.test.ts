import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../src/rpc/index.js';
import { TcpPoolTransport, sessionKey } from '../../src/transport/index.js';
import { note, orderAdapter, peer } from './server-transport-fixtures.js';

const KEYS = 200;
const CALLS_PER_KEY = 500;

test(`${KEYS} keys × ${CALLS_PER_KEY} two-way calls sent without waiting through a pool of 16 arrive in order per key`, async () => {
  await using server = new TcpPoolTransport({ logger: silentLogger });
  await using client = new TcpPoolTransport({ poolSize: 16, logger: silentLogger });
  const { adapter, servant } = orderAdapter();
  const port = await server.listen(peer('backend-1'), adapter);
  const target = peer('backend-1', port);
  const keys = Array.from({ length: KEYS }, (_, i) => sessionKey(`session-${i}`));
  const calls: Promise<Uint8Array>[] = [];
  for (let seq = 0; seq < CALLS_PER_KEY; seq++) {
    for (const key of keys) calls.push(note(client.invoker(target, key), key, seq, { timeoutMs: 60_000 }));
  }
  await Promise.all(calls);
  assert.equal(servant.received, KEYS * CALLS_PER_KEY);
  assert.equal(servant.reorderings, 0);
  for (const key of keys) assert.equal(servant.next.get(key), CALLS_PER_KEY);
  const links = new Set(keys.map((key) => client.invoker(target, key)));
  assert.equal(links.size, 16, 'the keys spread over every connection of the pool');
});

test('the same key always picks the same link, and sessionKey is FNV-1a of the UTF-8 bytes', () => {
  const client = new TcpPoolTransport({ poolSize: 16, logger: silentLogger });
  const target = peer('backend-1', 1);
  assert.equal(client.invoker(target, 7), client.invoker(target, 7));
  assert.equal(client.invoker(target, 7), client.invoker(target, 7 + 16));
  assert.notEqual(client.invoker(target, 7), client.invoker(target, 8));
  assert.equal(sessionKey(''), 0x811c9dc5);
  assert.equal(sessionKey('a'), 0xe40c292c);
  assert.equal(sessionKey('foobar'), 0xbf9cf968);
  assert.equal(sessionKey('中文'), fnv1a(new TextEncoder().encode('中文')));
  assert.equal(sessionKey('😀'), fnv1a(new TextEncoder().encode('😀')));
});

function fnv1a(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193);
  return hash >>> 0;
}
