/**
 * User bindings expire unless the gateway holding the session refreshes them, the same in both
 * registries (Redis for real): a killed gateway's users are freed, a live one's stay, a refresh
 * never takes back a binding a newer login replaced. Also: an expired resumable snapshot is gone
 * to refresh/update/take in both.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { BindingRefresher } from '../../src/app/binding-refresher.js';
import { parseClusterConfig } from '../../src/app/cluster-config.js';
import { MemorySessionRegistry } from '../../src/cluster/memory-session-registry.js';
import { RedisSessionRegistry } from '../../src/cluster/redis-session-registry.js';
import { DEFAULT_BINDING_TTL_MS, type BindingRefreshResult, type BoundSession, type SessionRegistry } from '../../src/cluster/session-registry.js';
import { StaticDiscovery } from '../../src/cluster/static-discovery.js';
import { connect } from '../../src/client/index.js';
import { createApp, type HandlerContext } from '../../src/index.js';
import { silentLogger } from '../../src/rpc/index.js';
import { TcpPoolTransport } from '../../src/transport/index.js';
import { ConfigError } from '../../src/wire/errors.js';
import { until } from '../support/poll.js';
import { useRedis } from '../support/redis-fixture.js';

const logger = pino({ level: 'silent' });
const redis = useRedis();
let n = 0;

const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));

const kinds: { name: string; make: (bindingTtlMs?: number) => SessionRegistry }[] = [
  { name: 'MemorySessionRegistry', make: (bindingTtlMs) => new MemorySessionRegistry({ bindingTtlMs }) },
  { name: 'RedisSessionRegistry', make: (bindingTtlMs) => new RedisSessionRegistry({ url: redis.url, keyPrefix: `ttl${++n}:uid:`, bindingTtlMs, logger }) },
];

/** A refresher for a fake gateway `frontendId` holding `held` (mutable: the test adds and drops sessions). */
function refresherOf(registry: SessionRegistry, frontendId: string, held: BoundSession[], intervalMs = 50): BindingRefresher {
  const refresher = BindingRefresher.for(registry, { frontendId: () => frontendId, boundSessions: () => held }, logger, { intervalMs });
  assert.ok(refresher, 'a registry whose bindings expire gets a refresher');
  return refresher;
}

/**
 * `registry` with every answer of its `refreshBindings` recorded in `answers`, in order, so a test
 * can wait until a refresher has surely refreshed; everything else goes to `registry` itself.
 */
function recordingRefreshes(registry: SessionRegistry): { registry: SessionRegistry; answers: BindingRefreshResult[] } {
  const answers: BindingRefreshResult[] = [];
  const refreshBindings = async (frontendId: string, sessions: readonly BoundSession[]): Promise<BindingRefreshResult> => {
    const answer = await registry.refreshBindings!(frontendId, sessions);
    answers.push(answer);
    return answer;
  };
  const recording = new Proxy(registry, {
    get: (target, key) => {
      if (key === 'refreshBindings') return refreshBindings;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { registry: recording, answers };
}

for (const { name, make } of kinds) {
  test(`${name}: a binding nobody refreshes expires (a killed gateway frees its users)`, async () => {
    const r = make(300);
    try {
      assert.equal(r.bindingTtlMs, 300);
      await r.bind('dead1', { frontendId: 'gateX', sessionId: 'gateX-1' });
      assert.deepEqual(await r.lookup('dead1'), { frontendId: 'gateX', sessionId: 'gateX-1' });
      await until(async () => (await r.lookup('dead1')) === undefined, 15_000, 'the binding expired');
      assert.equal(await r.bind('dead1', { frontendId: 'gateY', sessionId: 'gateY-1' }), undefined, 'a later login sees no stale previous location');
      await r.unbind('dead1', 'gateY-1');
    } finally {
      await r.close();
    }
  });

  test(`${name}: a binding the gateway refreshes outlives several TTLs; it expires once refreshing stops`, async () => {
    const r = make(500);
    const refresher = refresherOf(r, 'gate1', [{ uid: 'live1', sessionId: 'gate1-1' }]);
    try {
      await r.bind('live1', { frontendId: 'gate1', sessionId: 'gate1-1' });
      refresher.start();
      // Five TTLs, checked throughout: never gone while refreshed.
      for (let i = 0; i < 25; i++) {
        await sleep(100);
        assert.deepEqual(await r.lookup('live1'), { frontendId: 'gate1', sessionId: 'gate1-1' }, `still bound after ${i + 1} checks`);
      }
      await refresher.stop();
      await until(async () => (await r.lookup('live1')) === undefined, 15_000, 'the binding expired once not refreshed');
    } finally {
      await refresher.stop();
      await r.close();
    }
  });

  test(`${name}: a refresh leaves a newer login's binding alone and does not keep it alive`, async () => {
    const r = make(1000);
    const recorded = recordingRefreshes(r);
    const refresher = refresherOf(recorded.registry, 'gate1', [{ uid: 'moved1', sessionId: 'gate1-7' }]);
    try {
      await r.bind('moved1', { frontendId: 'gate1', sessionId: 'gate1-7' });
      assert.deepEqual(await r.bind('moved1', { frontendId: 'gate2', sessionId: 'gate2-3' }), { frontendId: 'gate1', sessionId: 'gate1-7' });
      assert.deepEqual(await r.refreshBindings!('gate1', [{ uid: 'moved1', sessionId: 'gate1-7' }]), { kept: 0, missing: 0, replaced: 1 });
      // Same gateway, another session of the user (a relogin there): also not this session's binding.
      await r.bind('moved2', { frontendId: 'gate1', sessionId: 'gate1-9' });
      assert.deepEqual(await r.refreshBindings!('gate1', [{ uid: 'moved2', sessionId: 'gate1-8' }]), { kept: 0, missing: 0, replaced: 1 });
      assert.deepEqual(await r.lookup('moved2'), { frontendId: 'gate1', sessionId: 'gate1-9' });
      // gate1 keeps refreshing its stale session: gate2's binding stays gate2's and still expires.
      refresher.start();
      // Once gate1's refresher has refreshed (found its session's binding replaced), gate2's is intact.
      await until(() => recorded.answers.length > 0, 15_000, "a refresh by gate1's refresher", 5);
      assert.deepEqual(recorded.answers[0], { kept: 0, missing: 0, replaced: 1 });
      assert.deepEqual(await r.lookup('moved1'), { frontendId: 'gate2', sessionId: 'gate2-3' });
      await until(async () => (await r.lookup('moved1')) === undefined, 15_000, "gate2's unrefreshed binding expired");
      await sleep(200);
      assert.equal(await r.lookup('moved1'), undefined, 'and gate1, still refreshing, did not take it back');
    } finally {
      await refresher.stop();
      await r.close();
    }
  });

  test(`${name}: refreshBindings keeps what is still this session's and does not write back what is gone`, async () => {
    const r = make();
    try {
      assert.equal(r.bindingTtlMs, DEFAULT_BINDING_TTL_MS);
      await r.bind('k1', { frontendId: 'gate1', sessionId: 'gate1-1' });
      const result = await r.refreshBindings!('gate1', [
        { uid: 'k1', sessionId: 'gate1-1' },
        { uid: 'lost1', sessionId: 'gate1-2' },
      ]);
      assert.deepEqual(result, { kept: 1, missing: 1, replaced: 0 });
      assert.equal(await r.lookup('lost1'), undefined, 'a missing binding is not resurrected');
      assert.deepEqual(await r.refreshBindings!('gate1', []), { kept: 0, missing: 0, replaced: 0 });
      await assert.rejects(r.refreshBindings!('gate1', [{ uid: '', sessionId: 's' }]), { code: 'bad_payload' });
      await assert.rejects(r.refreshBindings!('', [{ uid: 'u', sessionId: 's' }]), { code: 'bad_payload' });
    } finally {
      await r.close();
    }
  });

  test(`${name}: an expired resumable snapshot is gone to refresh, update and take`, async () => {
    const r = make();
    try {
      const snap = { uid: 'u5', data: { n: 1 }, groups: [] };
      await r.saveResumable!('keep', snap, 60_000);
      await r.saveResumable!('lapse', snap, 150);
      await sleep(400); // past its TTL: expired (Redis deletes it on access; memory must act the same)
      await r.refreshResumable!(['keep', 'lapse'], 60_000);
      assert.equal(await r.updateResumable!('lapse', snap, 60_000), false, 'not updated');
      assert.equal(await r.takeResumable!('lapse'), undefined, 'not revived by the refresh');
      assert.deepEqual(await r.takeResumable!('keep'), snap);
    } finally {
      await r.close();
    }
  });
}

test('RedisSessionRegistry: BIND sets the TTL on the key in the same script', async () => {
  const r = new RedisSessionRegistry({ url: redis.url, keyPrefix: 'ttlkey:uid:', bindingTtlMs: 30_000, logger });
  try {
    await r.bind('alice', { frontendId: 'gate3', sessionId: 'gate3-17' });
    const pttl = await redis.raw.pttl('ttlkey:uid:alice');
    assert.ok(pttl > 0 && pttl <= 30_000, `key has a TTL of at most bindingTtlMs, got ${pttl}`);
    assert.deepEqual(await redis.raw.hgetall('ttlkey:uid:alice'), { frontendId: 'gate3', sessionId: 'gate3-17' });
  } finally {
    await r.close();
  }
});

test('bindingTtlMs: bad values are ConfigErrors at start-up (registries, cluster config, refresher)', () => {
  for (const bad of [0, -1, 50, 1.5, '60000', 86_400_001, Number.NaN]) {
    const bindingTtlMs = bad as number;
    assert.throws(() => new MemorySessionRegistry({ bindingTtlMs }), ConfigError, `memory ${String(bad)}`);
    assert.throws(() => new RedisSessionRegistry({ url: redis.url, bindingTtlMs, logger }), ConfigError, `redis ${String(bad)}`);
    for (const kind of ['memory', 'redis']) {
      const config = { app: 'app.js', registry: { kind, url: redis.url, bindingTtlMs: bad }, servers: [{ id: 'gate1', type: 'gateway', ws: 0 }] };
      assert.throws(() => parseClusterConfig(config, '/tmp'), ConfigError, `config ${kind} ${String(bad)}`);
    }
  }
  assert.throws(() => new RedisSessionRegistry({ url: redis.url, bindingTtlMs: 0, logger }), /bindingTtlMs must be an integer in 100\.\.86400000/);
  const config = parseClusterConfig({ app: 'app.js', registry: { kind: 'redis', url: redis.url, bindingTtlMs: 5000 }, servers: [{ id: 'g', type: 'gateway' }] }, '/tmp');
  assert.deepEqual(config.registry, { kind: 'redis', url: redis.url, bindingTtlMs: 5000 });
  assert.deepEqual(parseClusterConfig({ app: 'app.js', servers: [{ id: 'g', type: 'gateway' }] }, '/tmp').registry, { kind: 'memory' }, 'omitted: the registry default');
  const memory = new MemorySessionRegistry({ bindingTtlMs: 300 });
  const host = { frontendId: () => 'g', boundSessions: () => [] };
  assert.throws(() => BindingRefresher.for(memory, host, logger, { intervalMs: 300 }), ConfigError, 'refreshing no more often than the TTL');
  assert.throws(() => BindingRefresher.for(memory, host, logger, { batchSize: 0 }), ConfigError);
});

test('a clustered gateway keeps its logged-in user bound in Redis past several TTLs, and unbinds on logout', async () => {
  const registry = new RedisSessionRegistry({ url: redis.url, keyPrefix: 'ttlapp:uid:', bindingTtlMs: 600, logger });
  const app = createApp({
    gateway: { ws: { port: 0 } },
    cluster: {
      self: { id: 'gate1', type: 'gateway', host: '127.0.0.1', port: 0, frontend: true },
      discovery: new StaticDiscovery([]),
      transport: new TcpPoolTransport({ poolSize: 1, logger: silentLogger }),
      registry,
    },
  });
  app.handler('acct', {
    login(body: { uid: string }, ctx: HandlerContext) {
      ctx.session.bind(body.uid);
      return {};
    },
  });
  await app.start();
  try {
    const c = await connect(`ws://127.0.0.1:${app.gateway.addresses.ws!.port}/`);
    await c.request('acct.login', { uid: 'carol' });
    await until(async () => (await redis.raw.hget('ttlapp:uid:carol', 'frontendId')) === 'gate1', 15_000, 'carol is bound to gate1');
    for (let i = 0; i < 20; i++) {
      await sleep(150);
      assert.equal(await redis.raw.hget('ttlapp:uid:carol', 'frontendId'), 'gate1', `still bound after ${i + 1} checks (five TTLs in all)`);
    }
    await c.close();
    await until(async () => (await redis.raw.exists('ttlapp:uid:carol')) === 0, 15_000, 'carol was unbound when her session closed');
  } finally {
    await app.stop();
  }
});
