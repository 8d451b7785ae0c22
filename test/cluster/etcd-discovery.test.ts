import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Etcd3 } from 'etcd3';
import pino from 'pino';
import { EtcdDiscovery } from '../../src/cluster/etcd-discovery.js';
import type { ServerInfo } from '../../src/cluster/server-info.js';
import { RpcError } from '../../src/rpc/errors.js';
import { ConfigError } from '../../src/wire/errors.js';
import { freePort, startEtcd, type EtcdService } from '../support/services.js';
import { eventually, ids, server } from './cluster-helpers.js';

let etcd: EtcdService;
let raw: Etcd3;
const started: EtcdDiscovery[] = [];
before(async () => {
  etcd = await startEtcd();
  raw = new Etcd3({ hosts: etcd.endpoint });
});
after(async () => {
  await Promise.all(started.map((d) => d.stop()));
  raw.close();
  await etcd.stop();
});


/** A discovery with a 2 s TTL unless told, stopped after the file's tests even if one fails. */
function discovery(prefix: string, logger = pino({ level: 'silent' }), ttlSec = 2): EtcdDiscovery {
  const d = new EtcdDiscovery({ endpoints: [etcd.endpoint], prefix, ttlSec, logger });
  started.push(d);
  return d;
}

test('servers see each other, and a stopped one leaves everyone at once (lease revoked)', async () => {
  // Leases of 10 minutes: none can lapse during the test, so a key gone and a member seen leaving
  // can only come from stop() revoking the lease, however slow the machine is.
  const silent = pino({ level: 'silent' });
  const a = discovery('/t1/', silent, 600);
  const b = discovery('/t1/', silent, 600);
  await a.start(server('chat1'));
  const changes: string[][] = [];
  a.subscribe((members) => changes.push(members.map((m) => m.id).sort()));
  await b.start(server('gate1', 'gateway', true));
  await eventually(() => ids(a).length === 2, 10_000, 'a sees b');
  assert.deepEqual(ids(a), ['chat1', 'gate1']);
  assert.deepEqual(ids(b), ['chat1', 'gate1']);
  assert.equal(b.members().find((m) => m.id === 'gate1')?.frontend, true);
  const lease = (await raw.get('/t1/gate1').exec()).kvs[0]!.lease;
  await b.stop();
  assert.equal(await raw.get('/t1/gate1').string(), null, 'its key is gone once stop() resolves');
  assert.equal(Number((await raw.leaseClient.leaseTimeToLive({ ID: lease })).TTL), -1, 'its lease is revoked, long before its TTL');
  await eventually(() => ids(a).length === 1, 30_000, 'a sees b leave');
  assert.deepEqual(changes, [['chat1', 'gate1'], ['chat1']]);
  await a.stop();
  await a.stop();
});

test('registration is JSON ServerInfo under prefix + id, attached to a lease', async () => {
  const a = discovery('/t2/');
  const info: ServerInfo = { ...server('gate7', 'gateway', true), clientPorts: { ws: 3010 } };
  await a.start(info);
  const res = await raw.get('/t2/gate7').exec();
  assert.deepEqual(JSON.parse(res.kvs[0]!.value.toString()), info);
  assert.notEqual(res.kvs[0]!.lease, '0');
  await a.stop();
});

test('malformed values under the prefix are ignored and logged; valid foreign ones appear', async () => {
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
  const a = discovery('/t3/', logger);
  await raw.put('/t3/junk').value('not json');
  await a.start(server('chat1'));
  await raw.put('/t3/chat2').value(JSON.stringify(server('other-id')));
  await raw.put('/t3/chat3').value(JSON.stringify({ id: 'chat3', type: 'chat' }));
  await raw.put('/t3/chat4').value(JSON.stringify(server('chat4')));
  await eventually(() => ids(a).includes('chat4'), 10_000, 'valid foreign registration appears');
  assert.deepEqual(ids(a), ['chat1', 'chat4']);
  assert.equal(warnings.filter((m) => m.includes('malformed')).length, 3);
  await raw.put('/t3/chat4').value('{broken');
  await eventually(() => !ids(a).includes('chat4'), 10_000, 'a registration overwritten with junk is dropped');
  await a.stop();
});

test('bad options are ConfigErrors; an unreachable etcd fails start with unavailable', async () => {
  assert.throws(() => new EtcdDiscovery({ endpoints: [] }), ConfigError);
  assert.throws(() => new EtcdDiscovery({ endpoints: ['127.0.0.1'] }), ConfigError);
  assert.throws(() => new EtcdDiscovery({ endpoints: [etcd.endpoint], prefix: '/no-slash' }), ConfigError);
  assert.throws(() => new EtcdDiscovery({ endpoints: [etcd.endpoint], ttlSec: 0 }), ConfigError);
  assert.throws(() => new EtcdDiscovery({ endpoints: [etcd.endpoint], ttlSec: 1.5 }), ConfigError);
  await assert.rejects(discovery('/t4/').start(server('bad-id')), ConfigError);
  const nowhere = new EtcdDiscovery({ endpoints: [`http://127.0.0.1:${await freePort()}`], logger: pino({ level: 'silent' }) });
  await assert.rejects(nowhere.start(server('chat1')), (err: unknown) => err instanceof RpcError && err.code === 'unavailable' && /cannot be reached/.test(err.message));
});
