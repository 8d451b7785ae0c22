/**
 * 2 gateways + 2 chat backends, each its own process, with real etcd (discovery), NATS (between
 * servers) and Redis (session registry): pushes, groups and duplicate logins cross gateways.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { connect, type Client } from '../../src/client/index.js';
import { startServer, stopServer, writeConfig, type ServerProc } from '../support/cluster-procs.js';
import { freePort, startEtcd, startNats, startRedis, type EtcdService, type NatsService, type RedisService } from '../support/services.js';

let etcd: EtcdService;
let nats: NatsService;
let redis: RedisService;
const procs: ServerProc[] = [];
let gateA: ServerProc;
let gateB: ServerProc;

before(async () => {
  [etcd, nats, redis] = await Promise.all([startEtcd(), startNats(), startRedis()]);
  const config = writeConfig({
    app: resolve('test/cluster/fixtures/cluster-test-app.ts'),
    discovery: { kind: 'etcd', endpoints: [etcd.endpoint], ttlSec: 2 },
    transport: { kind: 'nats', servers: nats.url },
    registry: { kind: 'redis', url: redis.url },
    servers: [
      { id: 'gateA', type: 'gateway', ws: await freePort(), tcp: await freePort() },
      { id: 'gateB', type: 'gateway', ws: await freePort(), tcp: await freePort() },
      { id: 'chat1', type: 'chat', services: ['chat', 'probe'] },
      { id: 'chat2', type: 'chat', services: ['chat', 'probe'] },
    ],
  });
  const backends = await Promise.all([startServer(config, 'chat1'), startServer(config, 'chat2')]);
  [gateA, gateB] = await Promise.all([startServer(config, 'gateA'), startServer(config, 'gateB')]);
  procs.push(...backends, gateA, gateB);
});

after(async () => {
  await Promise.all(procs.map((p) => stopServer(p)));
  await Promise.all([etcd?.stop(), nats?.stop(), redis?.stop()]);
});

function nextPush<T>(client: Client, route: string): Promise<T> {
  return new Promise((res) => {
    const fn = (body: unknown): void => {
      client.off(route, fn);
      res(body as T);
    };
    client.on(route, fn);
  });
}

test('a client on gateway A gets a push caused by a request from a client on gateway B', async () => {
  const a = await connect(`ws://127.0.0.1:${gateA.ws}/`);
  const b = await connect(`tcp://127.0.0.1:${gateB.tcp}`);
  await a.request('probe.login', { uid: 'alice' });
  await b.request('probe.login', { uid: 'bob' });
  const poked = nextPush<{ text: string }>(a, 'probe.onPoke');
  assert.deepEqual(await b.request('probe.poke', { uid: 'alice', text: 'from B' }), { delivered: true });
  assert.deepEqual(await poked, { text: 'from B' });
  await assert.rejects(b.request('probe.fail', {}), { code: 'permission_denied', message: 'probe refused' });
  await a.close();
  await b.close();
});

test('group broadcast reaches members on both gateways', async () => {
  const clients = await Promise.all([gateA, gateB, gateA, gateB].map((g) => connect(`ws://127.0.0.1:${g.ws}/`)));
  for (const [i, c] of clients.entries()) await c.request('chat.join', { room: 'hall', name: `u${i}` });
  const got = clients.map((c) => nextPush<{ from: string; text: string }>(c, 'chat.onMessage'));
  await clients[1]!.request('chat.say', { text: 'to everyone' });
  for (const m of await Promise.all(got)) assert.deepEqual(m, { from: 'u1', text: 'to everyone' });
  for (const c of clients) await c.close();
});

test('a second login on gateway B kicks the first session on gateway A', async () => {
  const first = await connect(`ws://127.0.0.1:${gateA.ws}/`);
  await first.request('probe.login', { uid: 'carol' });
  const kicked = new Promise<string>((res) => first.on('kick', (reason: string) => res(reason)));
  const second = await connect(`ws://127.0.0.1:${gateB.ws}/`);
  await second.request('probe.login', { uid: 'carol' });
  assert.equal(await kicked, 'logged in elsewhere');
  assert.equal(((await second.request('probe.whoami', {})) as { uid: string }).uid, 'carol');
  await second.close();
});
