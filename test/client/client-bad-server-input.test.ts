import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, RpcError, type Client } from '../../src/client/index.js';
import { ProtocolError } from '../../src/wire/errors.js';
import { FakeServer, MSG, PKG, Protocol, type FakePeer } from './fake-pomelo-server.js';

const servers: FakeServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function session(transport: 'ws' | 'tcp', o: { maxPacketSize?: number; dict?: Record<string, number> } = {}) {
  const server = await FakeServer.start({ transport, dict: o.dict });
  servers.push(server);
  const peerP = server.nextAckedPeer();
  const client = await connect(server.url, { maxPacketSize: o.maxPacketSize });
  const peer = await peerP;
  const errors: RpcError[] = [];
  client.on('error', (e) => errors.push(e));
  const closed = new Promise<RpcError | undefined>((resolve) => client.on('close', resolve));
  return { server, client, peer, errors, closed };
}

/** Expects `send` to close the connection with bad_payload caused by ProtocolError `code`. */
async function expectProtocolClose(
  transport: 'ws' | 'tcp',
  code: string,
  send: (peer: FakePeer) => void,
  o: { maxPacketSize?: number } = {},
): Promise<Client> {
  const { client, peer, errors, closed } = await session(transport, o);
  const waiting = assert.rejects(client.request('svc.never', {}, { timeoutMs: 5000 }), { code: 'unavailable' });
  send(peer);
  const err = await closed;
  await waiting;
  assert.ok(err instanceof RpcError);
  assert.equal(err.code, 'bad_payload');
  assert.ok(err.cause instanceof ProtocolError, String(err.cause));
  assert.equal(err.cause.code, code);
  assert.deepEqual(errors, [err]);
  await client.close();
  return client;
}

for (const transport of ['ws', 'tcp'] as const) {
  test(`${transport}: garbage bytes close the connection with an error event`, async () => {
    await expectProtocolClose(transport, 'ERR_PACKET_TYPE', (p) => p.sendRaw(Buffer.from('GET / HTTP/1.1\r\n\r\n')));
  });

  test(`${transport}: an unknown message type closes the connection`, async () => {
    // Flag 0x00 is a request: servers never send one.
    await expectProtocolClose(transport, 'ERR_MESSAGE_TYPE', (p) => p.sendPacket(PKG.Data, Buffer.from([0x00, 0x01, 0x01, 0x61])));
  });

  test(`${transport}: a push with an unknown route code closes the connection`, async () => {
    await expectProtocolClose(transport, 'ERR_ROUTE_CODE_UNKNOWN', (p) => p.sendPacket(PKG.Data, Protocol.Message.encode(0, MSG.Push, 1, 99, Buffer.from('{}'))));
  });

  test(`${transport}: a packet over maxPacketSize closes the connection`, async () => {
    await expectProtocolClose(transport, 'ERR_PACKET_TOO_LARGE', (p) => p.push('big.push', { blob: 'x'.repeat(2000) }), { maxPacketSize: 1024 });
  });

  test(`${transport}: a second handshake answer closes the connection`, async () => {
    await expectProtocolClose(transport, 'ERR_STATE', (p) => p.sendPacket(PKG.Handshake, Buffer.from('{"code":200}')));
  });

  test(`${transport}: a push whose body is not JSON is reported and the connection stays`, async () => {
    const { client, peer, errors } = await session(transport);
    const got: unknown[] = [];
    client.on('a.b', (b) => got.push(b));
    peer.push('a.b', Buffer.from('{not json'));
    peer.push('a.b', { fine: true });
    await sleep(50);
    assert.deepEqual(got, [{ fine: true }]);
    assert.deepEqual(errors.map((e) => e.code), ['bad_payload']);
    assert.equal(await client.request('svc.echo', 3), 3);
    await client.close();
  });

  test(`${transport}: garbage before the handshake answer rejects connect with bad_payload`, async () => {
    const server = await FakeServer.start({ transport, answer: () => null });
    servers.push(server);
    server.nextPeer().then((peer) => peer.once('handshake', () => peer.sendRaw(Buffer.from([0x01, 0, 0, 3, 0x7b, 0x7b, 0x7b]))));
    await assert.rejects(connect(server.url), (err: unknown) => {
      assert.ok(err instanceof RpcError);
      assert.equal(err.code, 'bad_payload');
      assert.equal((err.cause as ProtocolError).code, 'ERR_BODY_INVALID');
      return true;
    });
  });
}

test('ws: a frame that ends inside a packet closes the connection', async () => {
  await expectProtocolClose('ws', 'ERR_PACKET_TRUNCATED', (p) => p.sendRaw(Buffer.from([PKG.Data, 0, 0, 10, 0x06])));
});

test('tcp: packets split into single bytes and joined in one write are reassembled', async () => {
  const { client, peer, errors } = await session('tcp');
  const got: unknown[] = [];
  client.on('a.b', (b) => got.push(b));
  const one = Protocol.Package.encode(PKG.Data, Protocol.Message.encode(0, MSG.Push, 0, 'a.b', Buffer.from('{"n":1}')));
  const two = Protocol.Package.encode(PKG.Data, Protocol.Message.encode(0, MSG.Push, 0, 'a.b', Buffer.from('{"n":2}')));
  for (const byte of one) {
    peer.sendRaw(Buffer.from([byte]));
    await sleep(1);
  }
  peer.sendRaw(Buffer.concat([two, Protocol.Package.encode(PKG.Heartbeat)]));
  await sleep(50);
  assert.deepEqual(got, [{ n: 1 }, { n: 2 }]);
  assert.deepEqual(errors, []);
  await client.close();
});

test('tcp: a stream that ends inside a packet is reported as truncated', async () => {
  await expectProtocolClose('tcp', 'ERR_PACKET_TRUNCATED', (p) => {
    p.sendRaw(Buffer.from([PKG.Data, 0, 0, 10, 0x06]));
    setTimeout(() => p.destroy(), 20);
  });
});

test('a compressed push (not negotiated) is reported and dropped; the connection stays', async () => {
  const { client, peer, errors } = await session('ws');
  const got: unknown[] = [];
  client.on('a.b', (b) => got.push(b));
  const msg = Protocol.Message.encode(0, MSG.Push, 0, 'a.b', Buffer.from('{}'));
  msg[0] |= 0x10;
  peer.sendPacket(PKG.Data, msg);
  await sleep(50);
  assert.deepEqual(got, []);
  assert.deepEqual(errors.map((e) => e.code), ['bad_payload']);
  assert.equal(client.connected, true);
  await client.close();
});
