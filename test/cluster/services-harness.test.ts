import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { Etcd3 } from 'etcd3';
import { Redis } from 'ioredis';
import { connect } from 'nats';
import { startEtcd, startNats, startRedis } from '../support/services.js';

const run = promisify(execFile);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('etcd: starts on a loopback port, survives SIGKILL and restart with its data', async () => {
  const etcd = await startEtcd();
  assert.match(etcd.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
  const client = new Etcd3({ hosts: etcd.endpoint });
  try {
    await client.put('harness/key').value('kept');
    await etcd.kill();
    assert.equal(etcd.running, false);
    await assert.rejects(client.get('harness/key').string());
    await etcd.restart();
    const fresh = new Etcd3({ hosts: etcd.endpoint });
    assert.equal(await fresh.get('harness/key').string(), 'kept');
    fresh.close();
  } finally {
    client.close();
    await etcd.stop();
  }
});

test('redis: answers PING, is down after kill, back on the same url after restart', async () => {
  const redis = await startRedis();
  assert.match(redis.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
  const probe = () => {
    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {}); // the refused connect is the expected outcome after kill
    return client.connect().then(
      async () => {
        const pong = await client.ping();
        client.disconnect();
        return pong;
      },
      (err: unknown) => {
        client.disconnect();
        throw err;
      },
    );
  };
  try {
    assert.equal(await probe(), 'PONG');
    await redis.kill();
    await assert.rejects(probe());
    await redis.restart();
    assert.equal(await probe(), 'PONG');
  } finally {
    await redis.stop();
  }
});

test('nats: accepts a client, restarts on the same url', async () => {
  const nats = await startNats();
  assert.match(nats.url, /^nats:\/\/127\.0\.0\.1:\d+$/);
  try {
    const nc = await connect({ servers: nats.url });
    await nc.flush();
    await nc.close();
    await nats.kill();
    await assert.rejects(connect({ servers: nats.url, reconnect: false }));
    await nats.restart();
    const again = await connect({ servers: nats.url });
    await again.flush();
    await again.close();
  } finally {
    await nats.stop();
  }
});

test('servers die and data directories go when the test process exits', async () => {
  const fixture = new URL('./fixtures/start-services-and-exit.ts', import.meta.url).pathname;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', fixture], { timeout: 30_000 });
  const { pids, dirs } = JSON.parse(stdout) as { pids: number[]; dirs: string[] };
  assert.equal(pids.length, 3);
  const deadline = Date.now() + 2000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(pids.filter(alive), [], 'no server outlives the process');
  assert.deepEqual(dirs.filter((d) => existsSync(d)), []);
});
