import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { Etcd3 } from 'etcd3';
import pino from 'pino';
import { EtcdDiscovery } from '../../src/cluster/etcd-discovery.js';
import { startEtcd } from '../support/services.js';
import { eventually, ids, server } from './cluster-helpers.js';

const TTL_SEC = 2;
/** Where the fixture registers (EtcdDiscovery's default prefix + id). */
const CHILD_KEY = '/switchyard/servers/chat9';

test('a server SIGKILLed in another process disappears from the others once its lease lapses', async (t) => {
  const etcd = await startEtcd();
  t.after(() => etcd.stop());
  const raw = new Etcd3({ hosts: etcd.endpoint });
  t.after(() => raw.close());
  const watcher = new EtcdDiscovery({ endpoints: [etcd.endpoint], ttlSec: TTL_SEC, logger: pino({ level: 'silent' }) });
  t.after(() => watcher.stop());
  await watcher.start(server('gate1', 'gateway', true));

  const fixture = new URL('./fixtures/register-member.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, etcd.endpoint, 'chat9', String(TTL_SEC)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => child.kill('SIGKILL'));
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  assert.equal(line.toString().trim(), 'registered');
  await eventually(() => ids(watcher).includes('chat9'), 10_000, 'the child is seen');

  // The child's registration hangs on a lease of TTL_SEC that only the child keeps alive.
  const lease = (await raw.get(CHILD_KEY).exec()).kvs[0]!.lease;
  assert.notEqual(lease, '0', 'the registration is attached to a lease');
  assert.equal(Number((await raw.leaseClient.leaseTimeToLive({ ID: lease })).grantedTTL), TTL_SEC);

  child.kill('SIGKILL');
  await once(child, 'exit');
  // The poll's limit only bounds a failing run; nothing here depends on how fast the machine is.
  const tookMs = await eventually(() => !ids(watcher).includes('chat9'), 60_000, 'the dead child is dropped');
  t.diagnostic(`dropped ${tookMs} ms after SIGKILL (TTL ${TTL_SEC} s)`);
  // What dropped it is its lease ending: the lease no longer exists and its key went with it.
  assert.equal(Number((await raw.leaseClient.leaseTimeToLive({ ID: lease })).TTL), -1, 'the lease is gone');
  assert.equal(await raw.get(CHILD_KEY).string(), null, 'the key went with the lease');
  assert.deepEqual(ids(watcher), ['gate1']);
});
