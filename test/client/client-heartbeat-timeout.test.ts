import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type RpcError } from '../../src/client/index.js';
import { until } from '../support/poll.js';
import { FakeServer, PKG } from './fake-pomelo-server.js';

const servers: FakeServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

test('the client sends a heartbeat every interval and stays up while the server answers', async () => {
  const server = await FakeServer.start({ transport: 'tcp', heartbeat: 0.1 });
  servers.push(server);
  const peerP = server.nextAckedPeer();
  await using client = await connect(server.url);
  const peer = await peerP;
  // Heartbeat after heartbeat, answered each time: the client stays up through all of them.
  await until(() => peer.heartbeats >= 3, 10_000, () => `three heartbeats (seen ${peer.heartbeats})`);
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

test('a server leaving heartbeats unanswered: after at least one heartbeat, error event, close with unavailable, waiting requests fail', async () => {
  const server = await FakeServer.start({ transport: 'ws', heartbeat: 0.1, answerHeartbeats: false, onRequest: () => {} });
  servers.push(server);
  const peerP = server.nextAckedPeer();
  // A request deadline far past the test's: the request can only fail through the close, as unavailable.
  const client = await connect(server.url, { timeoutMs: 600_000 });
  const peer = await peerP;
  const peerClosed = new Promise((resolve) => peer.once('close', resolve));
  const errors: RpcError[] = [];
  client.on('error', (e) => errors.push(e));
  const waiting = assert.rejects(client.request('svc.silent'), { code: 'unavailable' });
  const err = await new Promise<RpcError | undefined>((resolve) => client.on('close', resolve));
  await waiting;
  await peerClosed;
  // Not closed at once: it sent a heartbeat, one interval in, before giving up. (Its second, due as
  // the two silent intervals end, races the close, so only one is certain.)
  assert.ok(peer.heartbeats >= 1, `heartbeats sent before closing: ${peer.heartbeats}`);
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
