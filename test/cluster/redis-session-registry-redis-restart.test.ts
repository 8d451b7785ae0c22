import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import pino from 'pino';
import { RedisSessionRegistry } from '../../src/cluster/redis-session-registry.js';
import { RpcError } from '../../src/rpc/errors.js';
import { until } from '../support/poll.js';
import { startRedis } from '../support/services.js';

const unavailable = (err: unknown) => err instanceof RpcError && err.code === 'unavailable';

test('Redis killed: calls fail fast with unavailable; Redis back: the same registry works again', async (t) => {
  const redis = await startRedis();
  t.after(() => redis.stop());
  // A command timeout far past the test's: a command queued for Redis could only end by Redis
  // coming back, never by the registry giving up on it.
  const r = new RedisSessionRegistry({ url: redis.url, commandTimeoutMs: 600_000, logger: pino({ level: 'silent' }) });
  t.after(() => r.close());
  await r.bind('u1', { frontendId: 'gate1', sessionId: 's1' });

  await redis.kill();
  await until(
    () =>
      r.lookup('u1').then(
        () => Promise.reject(new Error('still answering')),
        (err: unknown) => {
          assert.ok(unavailable(err));
          return true;
        },
      ),
    10_000,
    'a lookup fails unavailable with Redis killed',
  );
  // Refused by the registry itself, before reaching the Redis client: nothing is queued. All three
  // are settled while Redis is still down (it is restarted only below).
  const results = await Promise.allSettled([
    r.lookup('u1'),
    r.bind('u1', { frontendId: 'gate2', sessionId: 's2' }),
    r.unbind('u1', 's1'),
  ]);
  for (const result of results) {
    assert.ok(result.status === 'rejected' && unavailable(result.reason), `not unavailable: ${inspect(result)}`);
    assert.match((result.reason as RpcError).message, /Redis is unreachable/);
  }

  await redis.restart();
  // No persistence in the test server: the restarted Redis is empty, and the registry writes to it.
  // Nothing queued while it was down is replayed either: the bind to gate2 above is not there.
  const found = await until(async () => ({ location: await r.lookup('u1') }), 5000, 'a lookup succeeds once Redis is back');
  assert.equal(found.location, undefined);
  assert.equal(await r.bind('u1', { frontendId: 'gate2', sessionId: 's2' }), undefined);
  assert.deepEqual(await r.lookup('u1'), { frontendId: 'gate2', sessionId: 's2' });
});

test('a registry made while Redis is down fails within its command timeout, then works once Redis starts', async (t) => {
  const redis = await startRedis();
  t.after(() => redis.stop());
  await redis.kill();
  const r = new RedisSessionRegistry({ url: redis.url, commandTimeoutMs: 500, logger: pino({ level: 'silent' }) });
  t.after(() => r.close());
  const failed = await r.lookup('u1').then(() => assert.fail('a lookup with Redis down succeeded'), (err: unknown) => err);
  // Failed while Redis is still down (started only below), by one of the client's own limits (the
  // command timeout or the one retry per command, whichever ends first), not left waiting for Redis.
  assert.ok(unavailable(failed), `not unavailable: ${inspect(failed)}`);
  assert.match((failed as RpcError).message, /Command timed out|max retries per request/);
  await redis.restart();
  // bind answers the location it replaced, here none (undefined): only not throwing means done.
  await until(
    async () => {
      await r.bind('u1', { frontendId: 'gate1', sessionId: 's1' });
      return true;
    },
    5000,
    'a bind succeeds once Redis is up',
  );
  assert.deepEqual(await r.lookup('u1'), { frontendId: 'gate1', sessionId: 's1' });
});
