import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import pino from 'pino';
import { EtcdDiscovery } from '../../src/cluster/etcd-discovery.js';
import { startEtcd } from '../support/services.js';
import { eventually, ids, server } from './cluster-helpers.js';

const TTL_SEC = 2;

test('a server SIGKILLed in another process disappears from the others within its lease TTL', async (t) => {
  const etcd = await startEtcd();
  t.after(() => etcd.stop());
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
  await eventually(() => ids(watcher).includes('chat9'), 2000, 'the child is seen');

  const killedAt = Date.now();
  child.kill('SIGKILL');
  await once(child, 'exit');
  const tookMs = await eventually(() => !ids(watcher).includes('chat9'), TTL_SEC * 1000 + 1500, 'the dead child is dropped');
  t.diagnostic(`dropped ${tookMs} ms after SIGKILL (TTL ${TTL_SEC} s)`);
  // Still listed for a while (nobody revoked its lease), gone once the lease lapsed.
  assert.ok(tookMs > 500, `dropped after ${tookMs} ms: a lapse, not a revoke`);
  assert.ok(Date.now() - killedAt <= TTL_SEC * 1000 + 1500);
  assert.deepEqual(ids(watcher), ['gate1']);
});
