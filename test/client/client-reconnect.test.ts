import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, reconnectPolicy } from '../../src/client/backoff.js';
import { connect, type RpcError } from '../../src/client/index.js';
import { FakeServer } from './fake-pomelo-server.js';

const servers: FakeServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function start(o: Parameters<typeof FakeServer.start>[0]): Promise<FakeServer> {
  const s = await FakeServer.start(o);
  servers.push(s);
  return s;
}

test('backoff doubles from initialDelayMs up to maxDelayMs, jittered within the upper half', () => {
  const policy = reconnectPolicy({ initialDelayMs: 100, maxDelayMs: 1000 });
  assert.deepEqual([1, 2, 3, 4, 5, 9].map((a) => backoffDelay(a, policy, () => 1)), [100, 200, 400, 800, 1000, 1000]);
  assert.deepEqual([1, 2, 5].map((a) => backoffDelay(a, policy, () => 0)), [50, 100, 500]);
  assert.deepEqual(reconnectPolicy({}), { initialDelayMs: 500, maxDelayMs: 30_000, maxAttempts: Infinity });
});

for (const transport of ['ws', 'tcp'] as const) {
  test(`${transport}: server dies → waiting requests fail unavailable; reconnect with backoff redoes the handshake`, async () => {
    let generation = 1;
    const options = {
      transport,
      onRequest: (peer: import('./fake-pomelo-server.js').FakePeer, req: import('./fake-pomelo-server.js').Received) => {
        if (req.route !== 'svc.silent') peer.respond(req.id, req.body);
      },
      answer: () => ({ code: 200, sys: { heartbeat: 0, dict: {} }, user: { generation } }),
    };
    const first = await start(options);
    const peerP = first.nextAckedPeer();
    const client = await connect(first.url, { user: { token: 'abc' }, reconnect: { initialDelayMs: 40, maxDelayMs: 160 } });
    await peerP;
    assert.deepEqual(client.handshakeUser, { generation: 1 });
    const events: string[] = [];
    client.on('disconnect', (e) => events.push(`disconnect:${e.code}`));
    client.on('reconnect', (attempt) => events.push(`reconnect:${attempt}`));
    client.on('close', () => events.push('close'));
    const waiting = assert.rejects(client.request('svc.silent'), { code: 'unavailable' });

    await first.close();
    await waiting;
    await assert.rejects(client.request('svc.echo'), { code: 'unavailable', message: /reconnecting/ });
    assert.equal(client.connected, false);
    await sleep(200); // a few attempts find nothing listening
    generation = 2;
    const second = await start({ ...options, port: first.port });
    const reconnected = new Promise<number>((resolve) => client.on('reconnect', resolve));
    const peer2 = await second.nextAckedPeer();
    const attempt = await reconnected;
    assert.ok(attempt >= 2, `attempt ${attempt}: the first tries should have failed`);
    assert.deepEqual((peer2.handshake as { user: unknown }).user, { token: 'abc' });
    assert.deepEqual(client.handshakeUser, { generation: 2 });
    assert.deepEqual(await client.request('svc.echo', { back: true }), { back: true });
    assert.deepEqual(events, ['disconnect:unavailable', `reconnect:${attempt}`]);
    await client.close();
    assert.deepEqual(events.at(-1), 'close');
  });
}

test('reconnect gives up after maxAttempts and closes with the last error', async () => {
  const server = await start({ transport: 'tcp' });
  const client = await connect(server.url, { reconnect: { initialDelayMs: 10, maxDelayMs: 20, maxAttempts: 3 } });
  const closed = new Promise<RpcError | undefined>((resolve) => client.on('close', resolve));
  await server.close();
  const err = await closed;
  assert.equal(err?.code, 'unavailable');
  assert.match(err!.message, /cannot connect/);
  assert.equal(client.connected, false);
  await client.close();
});

test('reconnect stops at once when the server refuses the handshake', async () => {
  let refuse = false;
  const options = {
    transport: 'ws' as const,
    answer: () => (refuse ? { code: 500, message: 'token expired' } : { code: 200, sys: { heartbeat: 0, dict: {} } }),
  };
  const server = await start(options);
  const peerP = server.nextAckedPeer();
  const client = await connect(server.url, { reconnect: { initialDelayMs: 10 } });
  const peer = await peerP;
  const closed = new Promise<RpcError | undefined>((resolve) => client.on('close', resolve));
  refuse = true;
  peer.destroy();
  const err = await closed;
  assert.equal(err?.code, 'unauthenticated');
  assert.equal(err?.message, 'token expired');
  assert.equal(server.peers.length, 2);
});

test('close() during reconnecting stops the attempts', async () => {
  const server = await start({ transport: 'tcp' });
  const client = await connect(server.url, { reconnect: { initialDelayMs: 30 } });
  const disconnected = new Promise((resolve) => client.on('disconnect', resolve));
  await server.close();
  await disconnected;
  await client.close();
  const peersBefore = server.peers.length;
  await sleep(100);
  assert.equal(server.peers.length, peersBefore);
});
