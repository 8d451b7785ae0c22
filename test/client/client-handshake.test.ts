import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { connect, RpcError } from '../../src/client/index.js';
import { FakeServer } from './fake-pomelo-server.js';

for (const transport of ['ws', 'tcp'] as const) {
  describe(`handshake and request/response over ${transport}`, () => {
    const servers: FakeServer[] = [];
    after(() => Promise.all(servers.map((s) => s.close())));
    const start = async (o: Partial<Parameters<typeof FakeServer.start>[0]> = {}) => {
      const s = await FakeServer.start({ transport, ...o });
      servers.push(s);
      return s;
    };

    test('sends sys and user, acks, exposes the answer user, echoes a request', async () => {
      const server = await start({ dict: { 'room.join': 7 } });
      const peerP = server.nextAckedPeer();
      await using client = await connect(server.url, { user: { token: 't0k3n' } });
      const peer = await peerP;
      assert.deepEqual(peer.handshake, {
        sys: { type: 'switchyard-js', version: '0.1.0', errorFlag: true },
        user: { token: 't0k3n' },
      });
      assert.deepEqual(client.handshakeUser, { greeting: 'hello' });
      assert.equal(client.connected, true);
      assert.deepEqual(await client.request('room.join', { room: 'lobby', n: 1 }), { room: 'lobby', n: 1 });
      assert.deepEqual(await client.request('room.other', ['é', 2]), ['é', 2]);
      const [first, second] = peer.messages;
      assert.deepEqual([first!.route, first!.compressed], ['room.join', true]);
      assert.deepEqual([second!.route, second!.compressed], ['room.other', false]);
      assert.ok(second!.id > first!.id, 'request ids increase');
    });

    test('refused handshake (500) rejects with unauthenticated and the server message', async () => {
      const server = await start({ answer: () => ({ code: 500, message: 'bad token' }) });
      await assert.rejects(connect(server.url, { user: { token: 'x' } }), (err: unknown) => {
        assert.ok(err instanceof RpcError);
        assert.equal(err.code, 'unauthenticated');
        assert.equal(err.message, 'bad token');
        return true;
      });
    });

    test('client too old (501) rejects with unavailable', async () => {
      const server = await start({ answer: () => ({ code: 501 }) });
      await assert.rejects(connect(server.url), { name: 'RpcError', code: 'unavailable', message: 'client too old' });
    });

    test('no handshake answer rejects with deadline_exceeded after handshakeTimeoutMs', async () => {
      const server = await start({ answer: () => null });
      await assert.rejects(connect(server.url, { handshakeTimeoutMs: 150 }), { code: 'deadline_exceeded', message: 'no handshake within 150 ms' });
    });

    test('nothing listening rejects with unavailable', async () => {
      const server = await start();
      const url = server.url;
      await server.close();
      await assert.rejects(connect(url), { code: 'unavailable' });
    });
  });
}

test('an unknown URL scheme is refused before connecting', async () => {
  await assert.rejects(connect('http://127.0.0.1:1/'), { code: 'ERR_CONFIG' });
});
