/**
 * Faults injected into a running multi-process cluster (1 gateway, 2 chat servers; etcd discovery,
 * NATS between servers, Redis registry): NATS, etcd and Redis each killed and restarted; and, over
 * TCP pools, a backend killed and restarted. No server is restarted to recover.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect, type Client } from '../../src/client/index.js';
import { RpcError } from '../../src/index.js';
import { startServer, stopServer, writeConfig, type ServerProc } from '../support/cluster-procs.js';
import { until } from '../support/poll.js';
import { freePort, startEtcd, startNats, startRedis, type EtcdService, type NatsService, type RedisService } from '../support/services.js';

const app = resolve('test/cluster/fixtures/cluster-test-app.ts');

describe('etcd, NATS and Redis outages', () => {
  let etcd: EtcdService;
  let nats: NatsService;
  let redis: RedisService;
  const procs: ServerProc[] = [];
  let client: Client;

  before(async () => {
    [etcd, nats, redis] = await Promise.all([startEtcd(), startNats(), startRedis()]);
    const config = writeConfig({
      app,
      discovery: { kind: 'etcd', endpoints: [etcd.endpoint], ttlSec: 3 },
      transport: { kind: 'nats', servers: nats.url },
      registry: { kind: 'redis', url: redis.url },
      servers: [
        { id: 'gate1', type: 'gateway', ws: await freePort() },
        { id: 'chat1', type: 'chat', services: ['chat', 'probe'] },
        { id: 'chat2', type: 'chat', services: ['chat', 'probe'] },
      ],
    });
    procs.push(...(await Promise.all([startServer(config, 'chat1'), startServer(config, 'chat2')])));
    const gate = await startServer(config, 'gate1');
    procs.push(gate);
    client = await connect(`ws://127.0.0.1:${gate.ws}/`, { timeoutMs: 5000 });
    await client.request('probe.login', { uid: 'faulty' });
  });
  after(async () => {
    await client?.close();
    await Promise.all(procs.map((p) => stopServer(p)));
    await Promise.all([etcd?.stop(), nats?.stop(), redis?.stop()]);
  });

  test('NATS killed: calls fail fast with unavailable; NATS back: the cluster recovers on its own', async () => {
    await nats.kill();
    // A deadline far off: a call that waited for one would end `deadline_exceeded` (the gateway's
    // own, 10 s, or this one), so `unavailable` shows the gateway failed it because NATS is gone.
    const err = await client.request('probe.whoami', {}, { timeoutMs: 30_000 }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof RpcError && err.code === 'unavailable', `got ${String(err)}`);
    await nats.restart();
    const r = await until(() => client.request('probe.whoami', {}), 20_000, 'a call succeeds once NATS is back', 200);
    assert.equal((r as { uid: string }).uid, 'faulty');
  });

  test('etcd killed: routing continues on the last known membership; registrations come back', async () => {
    await etcd.kill();
    for (let i = 0; i < 10; i++) assert.equal(((await client.request('probe.whoami', {})) as { uid: string }).uid, 'faulty');
    await new Promise((r) => setTimeout(r, 4000)); // past the lease TTL: nobody may drop anyone meanwhile
    for (let i = 0; i < 10; i++) assert.equal(((await client.request('probe.whoami', {})) as { uid: string }).uid, 'faulty');
    await etcd.restart();
    const { Etcd3 } = await import('etcd3');
    const etcdClient = new Etcd3({ hosts: [etcd.endpoint] });
    try {
      const keys = await until(
        async () => {
          const k = await etcdClient.getAll().prefix('/switchyard/servers/').keys();
          if (k.length < 3) throw new Error(`only ${k.length} registered`);
          return k;
        },
        20_000,
        'all three servers registered again in the restarted etcd',
        200,
      );
      assert.deepEqual(keys.map((k) => k.split('/').pop()).sort(), ['chat1', 'chat2', 'gate1']);
    } finally {
      etcdClient.close();
    }
  });

  test('Redis killed: push by user id fails with a clear error, everything else works; Redis back: it works again', async () => {
    await redis.kill();
    await assert.rejects(client.request('probe.poke', { uid: 'faulty', text: 'x' }), (e: unknown) => e instanceof RpcError && e.code === 'unavailable');
    assert.equal(((await client.request('probe.whoami', {})) as { uid: string }).uid, 'faulty');
    await redis.restart();
    // Redis came back empty (no persistence here): the gateway binds its users again by itself.
    const poked = new Promise<unknown>((res) => client.on('probe.onPoke', res));
    const delivered = await until(
      async () => {
        const r = (await client.request('probe.poke', { uid: 'faulty', text: 'back' })) as { delivered: boolean };
        if (!r.delivered) throw new Error('not bound again yet');
        return r;
      },
      20_000,
      'a push by user id is delivered once Redis is back',
      200,
    );
    assert.deepEqual(delivered, { delivered: true });
    assert.deepEqual(await poked, { text: 'back' });
  });
});

describe('a backend killed and restarted (TCP pools)', () => {
  const procs: ServerProc[] = [];
  after(async () => {
    await Promise.all(procs.map((p) => stopServer(p)));
  });

  test('in-flight calls fail within their deadline, pools reconnect, traffic returns to it, no gateway restart', async () => {
    const config = writeConfig({
      app,
      transport: { kind: 'tcp', poolSize: 4 },
      servers: [
        { id: 'gate1', type: 'gateway', port: await freePort(), ws: await freePort() },
        { id: 'chat1', type: 'chat', port: await freePort(), services: ['chat', 'probe'] },
      ],
    });
    const backend = await startServer(config, 'chat1');
    const gate = await startServer(config, 'gate1');
    procs.push(gate);
    const c = await connect(`ws://127.0.0.1:${gate.ws}/`, { timeoutMs: 10_000 });
    const inFlight = c.request('probe.slow', { ms: 3000 }).then(() => undefined, (e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    await stopServer(backend, 'SIGKILL');
    const err = await inFlight;
    assert.ok(err instanceof RpcError && err.code === 'unavailable', `in-flight call got ${String(err)}`);
    await assert.rejects(c.request('probe.whoami', {}), { code: 'unavailable' });
    procs.push(await startServer(config, 'chat1'));
    const r = await until(() => c.request('probe.whoami', {}), 20_000, 'a call reaches the restarted backend', 200);
    assert.equal((r as { server: string }).server, 'chat1');
    assert.equal(gate.child.exitCode, null, 'the gateway kept running');
    await c.close();
  });
});
