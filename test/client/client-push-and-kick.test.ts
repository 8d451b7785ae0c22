import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type RpcError } from '../../src/client/index.js';
import { FakeServer } from './fake-pomelo-server.js';

for (const transport of ['ws', 'tcp'] as const) {
  describe(`pushes and kick over ${transport}`, () => {
    const servers: FakeServer[] = [];
    after(() => Promise.all(servers.map((s) => s.close())));

    test('pushes reach the listeners of their route, by text or by code, until removed', async () => {
      const server = await FakeServer.start({ transport, dict: { 'chat.onMessage': 12 } });
      servers.push(server);
      const peerP = server.nextAckedPeer();
      await using client = await connect(server.url);
      const peer = await peerP;
      const got: unknown[] = [];
      const listener = (body: unknown, route: string) => got.push([route, body]);
      client.on('chat.onMessage', listener);
      client.on('chat.onJoin', listener);
      peer.push('chat.onMessage', { from: 'ann', text: 'hi' });
      peer.push('chat.onMessage', { from: 'bob', text: 'yo' }, { compress: true });
      peer.push('chat.onJoin', { name: 'cy' });
      peer.push('chat.nobodyListens', { ignored: true });
      await sleep(50);
      client.off('chat.onMessage', listener);
      peer.push('chat.onMessage', { from: 'dan', text: 'unheard' });
      await sleep(50);
      assert.deepEqual(got, [
        ['chat.onMessage', { from: 'ann', text: 'hi' }],
        ['chat.onMessage', { from: 'bob', text: 'yo' }],
        ['chat.onJoin', { name: 'cy' }],
      ]);
    });

    test('a listener that throws is reported as an error event and does not stop delivery', async () => {
      const server = await FakeServer.start({ transport });
      servers.push(server);
      const peerP = server.nextAckedPeer();
      await using client = await connect(server.url);
      const peer = await peerP;
      const errors: RpcError[] = [];
      const bodies: unknown[] = [];
      client.on('error', (e) => errors.push(e));
      client.on('a.b', () => {
        throw new Error('listener bug');
      });
      client.on('a.b', (b) => bodies.push(b));
      peer.push('a.b', 1);
      await sleep(50);
      assert.deepEqual(bodies, [1]);
      assert.equal(errors.length, 1);
      assert.equal(errors[0]!.code, 'internal');
      assert.match(errors[0]!.message, /listener bug/);
      assert.equal(client.connected, true);
    });

    test('kick emits its reason, fails waiting requests with unavailable, closes without reconnecting', async () => {
      const server = await FakeServer.start({ transport, onRequest: () => {} });
      servers.push(server);
      const peerP = server.nextAckedPeer();
      const client = await connect(server.url, { reconnect: { initialDelayMs: 10 } });
      const peer = await peerP;
      const waiting = assert.rejects(client.request('svc.silent'), { code: 'unavailable' });
      const events: string[] = [];
      client.on('kick', (reason) => events.push(`kick:${reason}`));
      client.on('reconnect', () => events.push('reconnect'));
      const closeP = new Promise<RpcError | undefined>((resolve) => client.on('close', resolve));
      peer.kick('logged in elsewhere');
      const err = await closeP;
      await waiting;
      assert.deepEqual(events, ['kick:logged in elsewhere']);
      assert.equal(err?.code, 'unavailable');
      assert.match(err!.message, /logged in elsewhere/);
      await sleep(60);
      assert.equal(server.peers.length, 1, 'no reconnect after a kick');
      assert.equal(client.connected, false);
      await client.close();
    });
  });
}
