import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { connectWs, listenWs } from '../../src/transport/index.js';
import { ProtocolError } from '../../src/wire/errors.js';

async function rawOpen(endpoint: string): Promise<WebSocket> {
  const ws = new WebSocket(endpoint);
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  return ws;
}

function closeCode(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

test('one frame is one binary message, both ways', async () => {
  const got: number[][] = [];
  const listener = await listenWs(new URL('ws://127.0.0.1:0/rpc'), {}, (c) =>
    c.attach({ frame: (f) => (got.push([...f]), c.send(f)), closed: () => {} }),
  );
  const echoed: number[][] = [];
  const client = await connectWs(new URL(listener.endpoint));
  client.attach({ frame: (f) => echoed.push([...f]), closed: () => {} });
  client.send(Uint8Array.of(1, 2));
  client.send(Uint8Array.of());
  while (echoed.length < 2) await sleep(2);
  assert.deepEqual(got, [[1, 2], []]);
  assert.deepEqual(echoed, got);
  await client.close();
  await listener.close();
});

test('a text message breaks the protocol and closes the connection', async () => {
  const closed: (Error | undefined)[] = [];
  const listener = await listenWs(new URL('ws://127.0.0.1:0/rpc'), {}, (c) =>
    c.attach({ frame: () => assert.fail('no frame'), closed: (e) => closed.push(e) }),
  );
  const raw = await rawOpen(listener.endpoint);
  const code = closeCode(raw);
  raw.send('hello');
  assert.equal(await code, 1002);
  while (closed.length === 0) await sleep(2);
  assert.ok(closed[0] instanceof ProtocolError && closed[0].code === 'ERR_BODY_INVALID');
  await listener.close();
});

test('a message over the limit closes with 1009 and ERR_PACKET_TOO_LARGE', async () => {
  const closed: (Error | undefined)[] = [];
  const listener = await listenWs(new URL('ws://127.0.0.1:0/rpc'), { maxFrameBytes: 100 }, (c) =>
    c.attach({ frame: () => assert.fail('no frame'), closed: (e) => closed.push(e) }),
  );
  const raw = await rawOpen(listener.endpoint);
  const code = closeCode(raw);
  raw.send(new Uint8Array(101));
  assert.equal(await code, 1009);
  while (closed.length === 0) await sleep(2);
  assert.ok(closed[0] instanceof ProtocolError && closed[0].code === 'ERR_PACKET_TOO_LARGE');
  await listener.close();
});

test('only the listening path is upgraded', async () => {
  const listener = await listenWs(new URL('ws://127.0.0.1:0/rpc'), {}, () => {});
  const wrong = listener.endpoint.replace('/rpc', '/other');
  await assert.rejects(connectWs(new URL(wrong)), { name: 'RpcError', code: 'unavailable' });
  await listener.close();
});
