import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseClusterConfig, serverInstances } from '../../src/app/cluster-config.js';
import { ConfigError } from '../../src/index.js';

const base = { app: 'app.js', servers: [{ id: 'gate1', type: 'gateway', ws: 3250 }, { id: 'chat1', type: 'chat', port: 4201 }] };

test('defaults: static discovery, TCP pools of 1, memory registry, services from the type', () => {
  const c = parseClusterConfig(base, '/srv');
  assert.equal(c.app, '/srv/app.js');
  assert.deepEqual(c.discovery, { kind: 'static' });
  assert.deepEqual(c.transport, { kind: 'tcp', poolSize: 1 });
  assert.deepEqual(c.registry, { kind: 'memory' });
  assert.deepEqual(c.servers[1]!.services, ['chat']);
  assert.deepEqual(c.sessionCopies, { gatewayGoneMs: 30_000, checkIntervalMs: 60_000 });
  assert.deepEqual(serverInstances(c).map((i) => [i.id, i.frontend]), [['gate1', true], ['chat1', false]]);
});

test('gateway workers become instances <id>_<n> on port + n', () => {
  const c = parseClusterConfig({ ...base, servers: [{ id: 'gate1', type: 'gateway', port: 4100, ws: 3250, workers: 3 }] }, '/');
  assert.deepEqual(serverInstances(c).map((i) => [i.id, i.port, i.worker]), [['gate1_0', 4100, 0], ['gate1_1', 4101, 1], ['gate1_2', 4102, 2]]);
});

const bad: [string, unknown, RegExp][] = [
  ['no servers', { app: 'a.js', servers: [] }, /servers must be a non-empty array/],
  ['a dash in an id', { ...base, servers: [{ id: 'a-b', type: 'x' }] }, /must not contain '-'/],
  ['a duplicate id', { ...base, servers: [{ id: 'a', type: 'x' }, { id: 'a', type: 'y' }] }, /server id a appears twice/],
  ['an unknown discovery', { ...base, discovery: { kind: 'zookeeper' } }, /discovery.kind must be "static" or "etcd"/],
  ['etcd without endpoints', { ...base, discovery: { kind: 'etcd' } }, /discovery.endpoints/],
  ['a pool size of 0', { ...base, transport: { kind: 'tcp', poolSize: 0 } }, /transport.poolSize must be an integer in 1..256/],
  ['a port out of range', { ...base, servers: [{ id: 'a', type: 'x', ws: 70000 }] }, /servers\[0\].ws must be an integer in 0..65535/],
  [
    'a worker port that collides with another server',
    { ...base, servers: [{ id: 'g', type: 'gateway', ws: 3250, admin: 9101, workers: 2 }, { id: 'h', type: 'gateway', ws: 3260, admin: 9102 }] },
    /port 127.0.0.1:9102 is given twice: g worker 1 admin and h admin/,
  ],
  ['allocating ids with nowhere to claim them', { ...base, servers: [{ id: 'chat', type: 'chat', allocateId: true }] }, /needs etcd discovery or the Redis registry/],
  ['a route code out of range', { ...base, dictionary: { 'a.b': 70000 } }, /dictionary.a.b must be an integer in 1..65535/],
  ['a negative gatewayGoneMs', { ...base, sessionCopies: { gatewayGoneMs: -1 } }, /sessionCopies.gatewayGoneMs must be an integer in 0..86400000/],
  ['an unknown sessionCopies key', { ...base, sessionCopies: { graceMs: 5 } }, /sessionCopies.graceMs is not an option/],
];

for (const [name, config, message] of bad) {
  test(`refuses ${name} with a ConfigError naming the field`, () => {
    assert.throws(() => parseClusterConfig(config, '/'), (err: unknown) => err instanceof ConfigError && message.test(err.message));
  });
}

test('gateway tuning from the config: TLS paths resolve against the config file; unknown keys are refused', () => {
  const c = parseClusterConfig(
    { ...base, servers: [{ id: 'g', type: 'gateway', ws: 1, gateway: { heartbeatSec: 5, rateLimit: { messagesPerSec: 50 }, wsTls: { certFile: 'c.pem', keyFile: 'k.pem' } } }] },
    '/etc/yard',
  );
  assert.deepEqual(c.servers[0]!.gateway.wsTls, { certFile: '/etc/yard/c.pem', keyFile: '/etc/yard/k.pem' });
  assert.equal(c.servers[0]!.gateway.heartbeatSec, 5);
  assert.throws(() => parseClusterConfig({ ...base, servers: [{ id: 'g', type: 'gateway', gateway: { authenticate: 'x' } }] }, '/'), /servers\[0\].gateway.authenticate is not a gateway option a config file can set/);
});
