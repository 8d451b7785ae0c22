import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectTcp, listenTcp } from '../../src/transport/index.js';
import type { FrameConnection } from '../../src/rpc/index.js';
import { ProtocolError } from '../../src/wire/errors.js';
import { startPair } from '../rpc/harness.js';

function rawConnect(endpoint: string): Promise<net.Socket> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: url.hostname, port: Number(url.port) }, () => resolve(s));
    s.once('error', reject);
  });
}

function closedSoon(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
}

test('a peer announcing a frame over the limit is disconnected with ERR_PACKET_TOO_LARGE', async () => {
  const closed: (Error | undefined)[] = [];
  const listener = await listenTcp(new URL('tcp://127.0.0.1:0'), { maxFrameBytes: 1000 }, (c) =>
    c.attach({ frame: () => assert.fail('no frame'), closed: (err) => closed.push(err) }),
  );
  const raw = await rawConnect(listener.endpoint);
  raw.write(Uint8Array.of(0, 0, 0x03, 0xe9)); // 1001
  await closedSoon(raw);
  while (closed.length === 0) await sleep(2);
  assert.ok(closed[0] instanceof ProtocolError && closed[0].code === 'ERR_PACKET_TOO_LARGE');
  await listener.close();
});

test('a well-framed but malformed envelope closes only that connection, and it is logged', async () => {
  await using pair = await startPair('tcp');
  const raw = await rawConnect(pair.listener.endpoint);
  raw.write(Uint8Array.of(0, 0, 0, 5, 0x07, 0, 0, 0, 1)); // kind 7 does not exist
  await closedSoon(raw);
  while (pair.serverLog.lines.length === 0) await sleep(2);
  assert.equal(pair.serverLog.lines[0]!.message, 'closing connection: peer broke the RPC protocol');
  assert.equal(await pair.proxy.echo('others unaffected'), 'others unaffected');
});

test('frames arriving before attach are held and delivered first, in order', async () => {
  let accepted!: FrameConnection;
  const listener = await listenTcp(new URL('tcp://127.0.0.1:0'), {}, (c) => (accepted = c));
  const client = await connectTcp(new URL(listener.endpoint));
  client.attach({ frame: () => {}, closed: () => {} });
  for (let i = 0; i < 5; i++) client.send(Uint8Array.of(i));
  await sleep(50);
  const got: number[] = [];
  let ended = false;
  accepted.attach({ frame: (f) => got.push(f[0]!), closed: () => (ended = true) });
  await client.close();
  await accepted.close();
  assert.deepEqual(got, [0, 1, 2, 3, 4]);
  assert.equal(ended, true);
  await listener.close();
});

test('a graceful close flushes frames queued in the same tick', async () => {
  const got: number[] = [];
  let done!: () => void;
  const ended = new Promise<void>((r) => (done = r));
  const listener = await listenTcp(new URL('tcp://127.0.0.1:0'), {}, (c) =>
    c.attach({ frame: (f) => got.push(f.length), closed: () => done() }),
  );
  const client = await connectTcp(new URL(listener.endpoint));
  client.attach({ frame: () => {}, closed: () => {} });
  client.send(new Uint8Array(10));
  client.send(new Uint8Array(100_000));
  await client.close();
  await ended;
  assert.deepEqual(got, [10, 100_000]);
  await listener.close();
});

test('connecting to a closed port fails with unavailable', async () => {
  const listener = await listenTcp(new URL('tcp://127.0.0.1:0'), {}, () => {});
  const endpoint = listener.endpoint;
  await listener.close();
  await assert.rejects(connectTcp(new URL(endpoint)), { name: 'RpcError', code: 'unavailable' });
});
