import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Etcd3 } from 'etcd3';
import { Redis } from 'ioredis';
import pino from 'pino';
import { allocateServerIdEtcd, allocateServerIdRedis, type ServerIdLease } from '../../src/cluster/server-id-allocator.js';
import { RpcError } from '../../src/rpc/errors.js';
import { ConfigError } from '../../src/wire/errors.js';
import { startEtcd, startRedis, type EtcdService, type RedisService } from '../support/services.js';

const logger = pino({ level: 'silent' });
let redis: RedisService;
let etcd: EtcdService;
let rawRedis: Redis;
let rawEtcd: Etcd3;
before(async () => {
  [redis, etcd] = await Promise.all([startRedis(), startEtcd()]);
  rawRedis = new Redis(redis.url);
  rawEtcd = new Etcd3({ hosts: etcd.endpoint });
});
after(async () => {
  rawRedis.disconnect();
  rawEtcd.close();
  await Promise.all([redis.stop(), etcd.stop()]);
});

const stores = {
  redis: (type: string, opts: { base?: number; max?: number; ttlSec?: number } = {}) => allocateServerIdRedis(redis.url, type, { ...opts, logger }),
  etcd: (type: string, opts: { base?: number; max?: number; ttlSec?: number } = {}) => allocateServerIdEtcd([etcd.endpoint], type, { ...opts, logger }),
};

for (const [store, allocate] of Object.entries(stores)) {
  test(`${store}: 10 concurrent allocations get 10 distinct ids from the base up; a released id is reused`, async () => {
    const held = await Promise.all(Array.from({ length: 10 }, () => allocate(`conc_${store}`, { base: 100 })));
    try {
      assert.deepEqual(held.map((h) => h.id).sort((a, b) => a - b), [100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
      const third = held.find((h) => h.id === 103)!;
      await third.release();
      await third.release();
      const again = await allocate(`conc_${store}`, { base: 100 });
      assert.equal(again.id, 103, 'the lowest free id');
      held.splice(held.indexOf(third), 1, again);
      const next = await allocate(`conc_${store}`, { base: 100 });
      assert.equal(next.id, 110);
      held.push(next);
    } finally {
      await Promise.all(held.map((h) => h.release()));
    }
  });

  test(`${store}: types are counted apart; a full range fails with unavailable`, async () => {
    const a = await allocate(`gate_${store}`, { base: 0, max: 1 });
    const b = await allocate(`gate_${store}`, { base: 0, max: 1 });
    const c = await allocate(`chat_${store}`, { base: 0, max: 1 });
    try {
      assert.deepEqual([a.id, b.id, c.id], [0, 1, 0]);
      await assert.rejects(allocate(`gate_${store}`, { base: 0, max: 1 }), (err: unknown) => err instanceof RpcError && err.code === 'unavailable');
    } finally {
      await Promise.all([a, b, c].map((h) => h.release()));
    }
  });

  test(`${store}: bad options are ConfigErrors`, async () => {
    await assert.rejects(allocate('has space'), ConfigError);
    await assert.rejects(allocate('chat', { base: -1 }), ConfigError);
    await assert.rejects(allocate('chat', { base: 5, max: 4 }), ConfigError);
    await assert.rejects(allocate('chat', { ttlSec: 0 }), ConfigError);
  });
}

test('redis: the claim is switchyard:server-id:<type>:<id> with a TTL, refreshed while held, deleted on release', async () => {
  const held: ServerIdLease = await stores.redis('layout', { ttlSec: 1 });
  try {
    const key = `switchyard:server-id:layout:${held.id}`;
    assert.equal(held.id, 1, 'default base is 1');
    assert.match((await rawRedis.get(key))!, /:\d+:[0-9a-f-]{36}$/, 'host:pid:token of the holder');
    await sleep(1500);
    assert.ok((await rawRedis.pttl(key)) > 0, 'refreshed past its 1 s TTL');
    await rawRedis.del(key); // as if Redis restarted empty
    await sleep(500);
    assert.ok((await rawRedis.exists(key)) === 1, 'claimed again by the next refresh');
    await held.release();
    assert.equal(await rawRedis.exists(key), 0);
  } finally {
    await held.release();
  }
});

test('etcd: the claim is /switchyard/server-ids/<type>/<id> under a lease, revoked on release', async () => {
  const held = await stores.etcd('layout');
  const key = `/switchyard/server-ids/layout/${held.id}`;
  const kv = (await rawEtcd.get(key).exec()).kvs[0];
  assert.ok(kv && kv.lease !== '0');
  await held.release();
  assert.equal(await rawEtcd.get(key).string(), null);
});

test('unreachable stores fail with unavailable', async () => {
  const dead = new URL(redis.url);
  dead.port = '1';
  await assert.rejects(allocateServerIdRedis(dead.href, 'chat', { logger }), (err: unknown) => err instanceof RpcError && err.code === 'unavailable');
  await assert.rejects(allocateServerIdEtcd(['http://127.0.0.1:1'], 'chat', { logger }), (err: unknown) => err instanceof RpcError && err.code === 'unavailable');
});
