import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Etcd3 } from 'etcd3';
import pino from 'pino';
import { EtcdDiscovery } from '../../src/cluster/etcd-discovery.js';
import { until } from '../support/poll.js';
import { startEtcd } from '../support/services.js';
import { eventually, ids, server } from './cluster-helpers.js';

const TTL_SEC = 2;

test('etcd killed: members stay as last known; etcd back: everyone re-registers and watches resume', async (t) => {
  const etcd = await startEtcd();
  t.after(() => etcd.stop());
  const make = () => {
    const d = new EtcdDiscovery({ endpoints: [etcd.endpoint], ttlSec: TTL_SEC, logger: pino({ level: 'silent' }) });
    t.after(() => d.stop());
    return d;
  };
  const a = make();
  const b = make();
  await a.start(server('gate1', 'gateway', true));
  await b.start(server('chat1'));
  await eventually(() => ids(a).length === 2, 2000, 'a sees b');

  const raw = new Etcd3({ hosts: etcd.endpoint });
  t.after(() => raw.close());
  const leases = async () => {
    const res = await raw.getAll().prefix('/switchyard/servers/').exec();
    return new Map(res.kvs.map((kv) => [kv.key.toString(), kv.lease]));
  };
  const before = await leases();

  await etcd.kill();
  // Down for longer than twice the TTL, so the clients give their leases up as lost.
  const downUntil = Date.now() + TTL_SEC * 2500;
  while (Date.now() < downUntil) {
    assert.deepEqual(ids(a), ['chat1', 'gate1'], 'routing keeps the last known membership');
    assert.deepEqual(ids(b), ['chat1', 'gate1']);
    await sleep(200);
  }

  await etcd.restart();
  const backAt = Date.now();
  const reregistered = async () => {
    const now = await leases().catch(() => new Map<string, string>());
    return now.size === 2 && [...now].every(([key, lease]) => before.has(key) && before.get(key) !== lease);
  };
  await until(reregistered, 60_000, 'both registered under new leases', 100);
  t.diagnostic(`re-registered under new leases ${Date.now() - backAt} ms after etcd came back`);
  // Stable: the old leases lapsing after the restart must not take the new registrations along.
  await sleep(TTL_SEC * 1500);
  assert.deepEqual([...(await leases()).keys()].sort(), ['/switchyard/servers/chat1', '/switchyard/servers/gate1']);
  assert.deepEqual(ids(a), ['chat1', 'gate1']);

  const c = make();
  await c.start(server('chat2'));
  assert.deepEqual(ids(c), ['chat1', 'chat2', 'gate1']);
  await eventually(() => ids(a).includes('chat2'), 5000, "a's watch resumed");
  await b.stop();
  await eventually(() => !ids(a).includes('chat1') && !ids(c).includes('chat1'), 2000, 'a stopped server leaves');
  assert.deepEqual(ids(a), ['chat2', 'gate1']);
});

test('a short etcd outage keeps the same lease alive: no re-registration needed', async (t) => {
  const etcd = await startEtcd();
  t.after(() => etcd.stop());
  const a = new EtcdDiscovery({ endpoints: [etcd.endpoint], ttlSec: TTL_SEC, logger: pino({ level: 'silent' }) });
  t.after(() => a.stop());
  await a.start(server('gate1', 'gateway', true));
  const raw = new Etcd3({ hosts: etcd.endpoint });
  const leaseBefore = (await raw.get('/switchyard/servers/gate1').exec()).kvs[0]!.lease;
  raw.close();
  await etcd.kill();
  await sleep(500);
  await etcd.restart();
  const again = new Etcd3({ hosts: etcd.endpoint });
  t.after(() => again.close());
  await sleep(TTL_SEC * 1500);
  const kv = (await again.get('/switchyard/servers/gate1').exec()).kvs[0];
  assert.ok(kv, 'still registered after the old TTL passed');
  assert.equal(kv.lease, leaseBefore);
});
