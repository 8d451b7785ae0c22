import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type RpcError } from '../../src/client/index.js';
import { FakeServer, PKG } from './fake-pomelo-server.js';

const servers: FakeServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

test('the client sends a heartbeat every interval and stays up while the server answers', async () => {
  const server = await FakeServer.start({ transport: 'tcp', heartbeat: 0.1 });
  servers.push(server);
  const peerP = server.nextAckedPeer();
  await using client = await connect(server.url);
  const peer = await peerP;
  await sleep(450);
  assert.ok(peer.heartbeats >= 2 && peer.heartbeats <= 5, `${peer.heartbeats} heartbeats in 450 ms`);
  assert.equal(client.connected, true);
});

test('any packet counts as liveness: pushes keep a client up whose heartbeats go unanswered', async () => {
  const server = await FakeServer.start({ transport: 'ws', heartbeat: 0.1, answerHeartbeats: false });
  servers.push(server);
  const peerP = server.nextAckedPeer();
  await using client = await connect(server.url);
  const peer = await peerP;
  const timer = setInterval(() => peer.push('tick', {}), 60);
  await sleep(400);
  clearInterval(timer);
  assert.equal(client.connected, true);
});

test('server silent for two intervals: error event, close with unavailable, waiting requests fail', async () => {
  const server = await FakeServer.start({ transport: 'ws', heartbeat: 0.1, answerHeartbeats: false, onRequest: () => {} });
  servers.push(server);
  const t0 = Date.now();
  const client = await connect(server.url, { timeoutMs: 5000 });
  const errors: RpcError[] = [];
  client.on('error', (e) => errors.push(e));
  const waiting = assert.rejects(client.request('svc.silent'), { code: 'unavailable' });
  const err = await new Promise<RpcError | undefined>((resolve) => client.on('close', resolve));
  const elapsed = Date.now() - t0;
  await waiting;
  assert.ok(elapsed >= 190 && elapsed < 2000, `closed after ${elapsed} ms`);
  assert.equal(err?.code, 'unavailable');
  assert.match(err!.message, /silent/);
  assert.deepEqual(errors.map((e) => e.code), ['unavailable']);
  await client.close();
});

test('server heartbeats without the client asking are accepted quietly', async () => {
  const server = await FakeServer.start({ transport: 'tcp', heartbeat: 0 });
  servers.push(server);
  const peerP = server.nextAckedPeer();
  await using client = await connect(server.url);
  const peer = await peerP;
  const errors: unknown[] = [];
  client.on('error', (e) => errors.push(e));
  peer.sendPacket(PKG.Heartbeat);
  peer.sendPacket(PKG.Heartbeat);
  await sleep(30);
  assert.equal(peer.heartbeats, 0, 'no heartbeat interval: the client sends none');
  assert.deepEqual(errors, []);
  assert.equal(await client.request('svc.echo', 1), 1);
});
