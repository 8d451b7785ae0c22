import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { RedisSessionRegistry } from '../../src/cluster/redis-session-registry.js';
import { ConfigError } from '../../src/wire/errors.js';
import { useRedis } from '../support/redis-fixture.js';
import { sessionRegistryContract } from './session-registry-contract.js';

const redis = useRedis();
let n = 0;

/** Each test gets its own key prefix, so they share one Redis without seeing each other. */
function registry(keyPrefix = `t${++n}:uid:`): RedisSessionRegistry {
  return new RedisSessionRegistry({ url: redis.url, keyPrefix, logger: pino({ level: 'silent' }) });
}

sessionRegistryContract('RedisSessionRegistry', async () => registry());

test('RedisSessionRegistry: a binding is the hash keyPrefix + uid → {frontendId, sessionId}', async () => {
  const r = registry('layout:uid:');
  try {
    await r.bind('alice', { frontendId: 'gate3', sessionId: 'gate3.17' });
    assert.deepEqual(await redis.raw.hgetall('layout:uid:alice'), { frontendId: 'gate3', sessionId: 'gate3.17' });
    assert.ok((await redis.raw.pttl('layout:uid:alice')) > 0, 'it expires unless its gateway refreshes it');
    await r.unbind('alice', 'gate3.17');
    assert.equal(await redis.raw.exists('layout:uid:alice'), 0);
  } finally {
    await r.close();
  }
});

test('RedisSessionRegistry: the default key prefix is switchyard:uid:', async () => {
  const r = new RedisSessionRegistry({ url: redis.url, logger: pino({ level: 'silent' }) });
  try {
    await r.bind('bob', { frontendId: 'gate1', sessionId: 's1' });
    assert.equal(await redis.raw.hget('switchyard:uid:bob', 'sessionId'), 's1');
  } finally {
    await r.close();
  }
});

test('RedisSessionRegistry: bad options are ConfigErrors', () => {
  assert.throws(() => new RedisSessionRegistry({ url: 'http://127.0.0.1:6379' }), ConfigError);
  assert.throws(() => new RedisSessionRegistry({ url: 'not a url' }), ConfigError);
  assert.throws(() => new RedisSessionRegistry({ url: redis.url, keyPrefix: '' }), ConfigError);
  assert.throws(() => new RedisSessionRegistry({ url: redis.url, commandTimeoutMs: 0 }), ConfigError);
});
