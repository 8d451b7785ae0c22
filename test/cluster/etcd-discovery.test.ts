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


/** A discovery with a 2 s TTL, stopped after the file's tests even if one fails. */
function discovery(prefix: string, logger = pino({ level: 'silent' })): EtcdDiscovery {
  const d = new EtcdDiscovery({ endpoints: [etcd.endpoint], prefix, ttlSec: 2, logger });
  started.push(d);
  return d;
}

test('servers see each other, and a stopped one leaves everyone at once (lease revoked)', async () => {
  const a = discovery('/t1/');
  const b = discovery('/t1/');
  await a.start(server('chat1'));
  const changes: string[][] = [];
  a.subscribe((members) => changes.push(members.map((m) => m.id).sort()));
  await b.start(server('gate1', 'gateway', true));
  await eventually(() => ids(a).length === 2, 2000, 'a sees b');
  assert.deepEqual(ids(a), ['chat1', 'gate1']);
  assert.deepEqual(ids(b), ['chat1', 'gate1']);
  assert.equal(b.members().find((m) => m.id === 'gate1')?.frontend, true);
  const left = Date.now();
  await b.stop();
  await eventually(() => ids(a).length === 1, 1000, 'a sees b leave');
  assert.ok(Date.now() - left < 1000);
  assert.deepEqual(changes, [['chat1', 'gate1'], ['chat1']]);
  assert.equal(await raw.get('/t1/gate1').string(), null, 'its key is gone');
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
  await eventually(() => ids(a).includes('chat4'), 2000, 'valid foreign registration appears');
  assert.deepEqual(ids(a), ['chat1', 'chat4']);
  assert.equal(warnings.filter((m) => m.includes('malformed')).length, 3);
  await raw.put('/t3/chat4').value('{broken');
  await eventually(() => !ids(a).includes('chat4'), 2000, 'a registration overwritten with junk is dropped');
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
  const started = Date.now();
  await assert.rejects(nowhere.start(server('chat1')), (err: unknown) => err instanceof RpcError && err.code === 'unavailable');
  assert.ok(Date.now() - started < 10_000);
});
