import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Application } from '../../src/index.js';
import { startTestApp } from '../support/apps.js';
import { until } from '../support/poll.js';
import { Protocol, RawClient } from '../support/pomelo-raw-client.js';
import WebSocket from 'ws';

let app: Application;
let wsUrl: string;
let tcpPort: number;

before(async () => {
  ({ app, wsUrl, tcpPort } = await startTestApp(
    (a) => a.handler('echo', { echo: (b: unknown) => b }),
    { handshakeTimeoutMs: 300, heartbeatSec: 1, maxPacketSize: 1024 },
  ));
});
after(() => app.stop());

/** A healthy client kept open across each case: it must keep working. */
async function bystander(): Promise<RawClient> {
  return (await RawClient.ws(wsUrl)).open();
}

async function assertAlive(c: RawClient): Promise<void> {
  assert.equal(await c.request('echo.echo', 'alive'), 'alive');
}

const transports = { ws: () => RawClient.ws(wsUrl), tcp: () => RawClient.tcp(tcpPort) };

for (const [name, connect] of Object.entries(transports)) {
  describe(`bad input over ${name} closes only that connection`, () => {
    test('no handshake within the deadline', async () => {
      const other = await bystander();
      const c = await connect();
      await c.closed;
      await assertAlive(other);
      other.close();
    });

    test('handshake but no ack within the deadline', async () => {
      const other = await bystander();
      const c = await connect();
      await c.shake();
      await c.closed;
      assert.ok(app.gateway.stats.errors.ERR_HANDSHAKE_TIMEOUT! > 0);
      await assertAlive(other);
      other.close();
    });

    test('data before handshake-ack is kicked with ERR_STATE', async () => {
      const other = await bystander();
      const c = await connect();
      await c.shake();
      c.notify('echo.echo', 1);
      await c.closed;
      assert.deepEqual(c.kicks, [{ reason: 'ERR_STATE' }]);
      await assertAlive(other);
      other.close();
    });

    test('a packet over the maximum size is kicked with ERR_PACKET_TOO_LARGE', async () => {
      const other = await bystander();
      const c = await (await connect()).open();
      c.request('echo.echo', 'x'.repeat(2000)).catch(() => {});
      await c.closed;
      assert.deepEqual(c.kicks, [{ reason: 'ERR_PACKET_TOO_LARGE' }]);
      await assertAlive(other);
      other.close();
    });

    test('garbage bytes are kicked with ERR_PACKET_TYPE', async () => {
      const other = await bystander();
      const c = await connect();
      c.sendRaw(Buffer.from([0x99, 0, 0, 1, 0x42, 0x42]));
      await c.closed;
      assert.deepEqual(c.kicks, [{ reason: 'ERR_PACKET_TYPE' }]);
      await assertAlive(other);
      other.close();
    });

    test('a message with a broken header is kicked', async () => {
      const other = await bystander();
      const c = await (await connect()).open();
      // A request flag with a message id that never ends.
      c.sendRaw(Protocol.Package.encode(4, Buffer.from([0x00, 0xff, 0xff])));
      await c.closed;
      assert.deepEqual(c.kicks, [{ reason: 'ERR_MESSAGE_TRUNCATED' }]);
      await assertAlive(other);
      other.close();
    });

    test('an unknown compressed route code is kicked with ERR_ROUTE_CODE_UNKNOWN', async () => {
      const other = await bystander();
      const c = await (await connect()).open();
      c.sendRaw(Protocol.Package.encode(4, Protocol.Message.encode(1, 0, 1, 4321, Buffer.from('{}'))));
      await c.closed;
      assert.deepEqual(c.kicks, [{ reason: 'ERR_ROUTE_CODE_UNKNOWN' }]);
      await assertAlive(other);
      other.close();
    });

    test('a client that goes silent is dropped after two heartbeat intervals', async () => {
      const c = await (await connect()).open();
      // The gateway sends a heartbeat on its first sweep after the ack and one every interval after
      // it, and drops a client silent for more than two intervals: the silent client gets the
      // heartbeats of both intervals (a heartbeat can only arrive while it is connected) before the
      // drop. Dropped after one interval, it would see one heartbeat and this would time out.
      await until(() => c.heartbeats >= 2, 10_000, () => `two heartbeats before the drop (seen ${c.heartbeats}, closed: ${c.isClosed})`);
      await c.closed;
      assert.deepEqual(c.kicks, [], 'dropped for its silence, not kicked for something it sent');
    });
  });
}

test('a WebSocket frame ending inside a packet is kicked with ERR_PACKET_TRUNCATED', async () => {
  const other = await bystander();
  const c = await RawClient.ws(wsUrl);
  c.sendRaw(Buffer.from([1, 0, 0, 50, 0x7b]));
  await c.closed;
  assert.deepEqual(c.kicks, [{ reason: 'ERR_PACKET_TRUNCATED' }]);
  await assertAlive(other);
  other.close();
});

test('a TCP stream that stops inside a packet is closed by the handshake deadline, not waited on', async () => {
  const c = await RawClient.tcp(tcpPort);
  c.sendRaw(Buffer.from([1, 0, 0, 50, 0x7b]));
  await c.closed;
  assert.equal(c.kicks.length, 0);
});

test('a client that sends heartbeats stays connected past the timeout', async () => {
  const c = await (await RawClient.tcp(tcpPort)).open();
  const timer = setInterval(() => c.heartbeat(), 400);
  await new Promise((r) => setTimeout(r, 2600));
  clearInterval(timer);
  assert.equal(c.isClosed, false);
  await assertAlive(c);
  c.close();
});

test('a WebSocket frame over the message limit closes only that connection, before its payload is buffered', async () => {
  const other = await bystander();
  // maxPacketSize 1024 here: one message may carry a few packets, up to 4 × (1024 + 4) bytes.
  const ws = new WebSocket(wsUrl);
  await new Promise((resolve) => ws.once('open', resolve));
  const before = app.gateway.stats.errors.ERR_PACKET_TOO_LARGE ?? 0;
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.on('error', () => {});
  ws.send(Buffer.alloc(4 * 1028 + 1, 4));
  assert.equal(await closed, 1009);
  assert.equal(app.gateway.stats.errors.ERR_PACKET_TOO_LARGE, before + 1);
  await assertAlive(other);
  other.close();
});

test('a WebSocket frame header announcing 1 GiB costs nothing: the connection is closed on the header alone', async () => {
  const other = await bystander();
  const socket = netConnect(Number(new URL(wsUrl).port), '127.0.0.1');
  const key = randomBytes(16).toString('base64');
  socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  await new Promise((resolve) => socket.once('data', resolve));
  // A masked binary frame with a 64-bit length of 2^30 and no payload after the mask.
  const header = Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0x40, 0, 0, 0, 1, 2, 3, 4]);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  socket.write(header);
  await closed;
  await assertAlive(other);
  other.close();
});
