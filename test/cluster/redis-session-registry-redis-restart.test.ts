import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { RedisSessionRegistry } from '../../src/cluster/redis-session-registry.js';
import { RpcError } from '../../src/rpc/errors.js';
import { until } from '../support/poll.js';
import { startRedis } from '../support/services.js';

const unavailable = (err: unknown) => err instanceof RpcError && err.code === 'unavailable';

test('Redis killed: calls fail fast with unavailable; Redis back: the same registry works again', async (t) => {
  const redis = await startRedis();
  t.after(() => redis.stop());
  const r = new RedisSessionRegistry({ url: redis.url, logger: pino({ level: 'silent' }) });
  t.after(() => r.close());
  await r.bind('u1', { frontendId: 'gate1', sessionId: 's1' });

  await redis.kill();
  await until(() => r.lookup('u1').then(() => Promise.reject(new Error('still answering')), (err: unknown) => assert.ok(unavailable(err))), 2000, 'a lookup fails unavailable with Redis killed');
  const started = Date.now();
  const results = await Promise.allSettled([
    r.lookup('u1'),
    r.bind('u1', { frontendId: 'gate2', sessionId: 's2' }),
    r.unbind('u1', 's1'),
  ]);
  assert.ok(Date.now() - started < 100, `failed in ${Date.now() - started} ms: nothing queued`);
  for (const result of results) assert.ok(result.status === 'rejected' && unavailable(result.reason));

  await redis.restart();
  // No persistence in the test server: the restarted Redis is empty, and the registry writes to it.
  assert.equal(await until(() => r.lookup('u1'), 5000, 'a lookup succeeds once Redis is back'), undefined);
  assert.equal(await r.bind('u1', { frontendId: 'gate2', sessionId: 's2' }), undefined);
  assert.deepEqual(await r.lookup('u1'), { frontendId: 'gate2', sessionId: 's2' });
});

test('a registry made while Redis is down fails within its command timeout, then works once Redis starts', async (t) => {
  const redis = await startRedis();
  t.after(() => redis.stop());
  await redis.kill();
  const r = new RedisSessionRegistry({ url: redis.url, commandTimeoutMs: 500, logger: pino({ level: 'silent' }) });
  t.after(() => r.close());
  const started = Date.now();
  await assert.rejects(r.lookup('u1'), unavailable);
  assert.ok(Date.now() - started < 1500, `failed after ${Date.now() - started} ms`);
  await redis.restart();
  await until(() => r.bind('u1', { frontendId: 'gate1', sessionId: 's1' }), 5000, 'a bind succeeds once Redis is up');
  assert.deepEqual(await r.lookup('u1'), { frontendId: 'gate1', sessionId: 's1' });
});
