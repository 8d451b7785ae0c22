/**
 * The per-connection token bucket over real sockets: a client over the limit has its messages
 * dropped (requests answered `unavailable`) or is kicked, per policy; other clients are untouched.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect } from '../../src/client/index.js';
import { ConfigError, Gateway, RpcError, type Application, type Dispatcher } from '../../src/index.js';
import { sleep, startTestApp } from '../support/apps.js';
import { RawClient } from '../support/pomelo-raw-client.js';

const echo = (a: Application): void => {
  a.handler('echo', { echo: (b: unknown) => b });
};

function isRateLimited(answer: unknown): boolean {
  return (answer as { error?: string }).error === 'unavailable' && /rate limited/.test((answer as { message: string }).message);
}

describe('policy drop', () => {
  let app: Application;
  let wsUrl: string;
  let tcpPort: number;
  before(async () => {
    ({ app, wsUrl, tcpPort } = await startTestApp(echo, { serverId: 'rld', rateLimit: { messagesPerSec: 20, burst: 5, policy: 'drop' } }));
  });
  after(() => app.stop());

  for (const transport of ['ws', 'tcp'] as const) {
    test(`over ${transport}: a burst past the bucket is answered unavailable, and the bucket refills with time`, async () => {
      const before = app.gateway.stats.errors.ERR_RATE_LIMITED ?? 0;
      const flood = await (await (transport === 'ws' ? RawClient.ws(wsUrl) : RawClient.tcp(tcpPort))).open();
      const other = await (await RawClient.ws(wsUrl)).open();
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => flood.request('echo.echo', i)));
      // The first five fit the burst; the rest arrive within a few ms, when barely a token has refilled.
      assert.deepEqual(answers.slice(0, 5), [0, 1, 2, 3, 4]);
      const limited = answers.filter(isRateLimited).length;
      assert.ok(limited >= 13, `rate-limited answers: ${limited}`);
      assert.equal(app.gateway.stats.errors.ERR_RATE_LIMITED! - before, limited);
      // Notifies over the limit vanish without an answer and without harm.
      for (let i = 0; i < 10; i++) flood.notify('echo.echo', i);
      // Another client has its own bucket.
      assert.equal(await other.request('echo.echo', 'other'), 'other');
      // 20 per second: after 300 ms there are tokens again, with no timer having run for the client.
      await sleep(300);
      assert.equal(await flood.request('echo.echo', 'again'), 'again');
      assert.equal(flood.isClosed, false);
      flood.close();
      other.close();
    });
  }

  test('a client within the rate is never limited', async () => {
    const c = await (await RawClient.tcp(tcpPort)).open();
    for (let i = 0; i < 12; i++) {
      assert.equal(await c.request('echo.echo', i), i);
      await sleep(60);
    }
    c.close();
  });

  test('the SDK sees a dropped request as RpcError unavailable', async () => {
    const client = await connect(wsUrl);
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => client.request('echo.echo', i)));
    const rejected = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as unknown);
    assert.ok(rejected.length >= 4, `rejected: ${rejected.length}`);
    for (const err of rejected) assert.ok(err instanceof RpcError && err.code === 'unavailable', String(err));
    await client.close();
  });
});

describe('policy kick', () => {
  let app: Application;
  let wsUrl: string;
  let tcpPort: number;
  before(async () => {
    ({ app, wsUrl, tcpPort } = await startTestApp(echo, { serverId: 'rlk', rateLimit: { messagesPerSec: 10, burst: 3, policy: 'kick' } }));
  });
  after(() => app.stop());

  for (const transport of ['ws', 'tcp'] as const) {
    test(`over ${transport}: the first packet past the bucket kicks the client with reason "rate limited"`, async () => {
      const other = await (await RawClient.tcp(tcpPort)).open();
      const flood = await (await (transport === 'ws' ? RawClient.ws(wsUrl) : RawClient.tcp(tcpPort))).open();
      const answered = [0, 1, 2].map((i) => flood.request('echo.echo', i));
      for (let i = 0; i < 5; i++) flood.notify('echo.echo', i);
      assert.deepEqual(await Promise.all(answered), [0, 1, 2]);
      await flood.closed;
      assert.deepEqual(flood.kicks, [{ reason: 'rate limited' }]);
      assert.ok(app.gateway.stats.errors.ERR_RATE_LIMITED! >= 1);
      // Only the flooding connection went; the kick did not count as any other error.
      assert.equal(app.gateway.stats.errors.ERR_STATE, undefined);
      assert.equal(await other.request('echo.echo', 'still here'), 'still here');
      other.close();
    });
  }
});

test('rate limit options are checked at start-up', () => {
  const dispatcher: Dispatcher = { dispatch: () => {}, isPublic: () => false };
  const bad: [unknown, RegExp][] = [
    [{ messagesPerSec: 0 }, /rateLimit\.messagesPerSec must be a positive number/],
    [{ messagesPerSec: Infinity }, /rateLimit\.messagesPerSec/],
    [{ messagesPerSec: 5, burst: 0 }, /rateLimit\.burst must be an integer/],
    [{ messagesPerSec: 5, policy: 'ban' }, /rateLimit\.policy must be 'drop' or 'kick'/],
  ];
  for (const [rateLimit, message] of bad) {
    assert.throws(() => new Gateway({ serverId: 'x', rateLimit } as never, dispatcher), (e: unknown) => e instanceof ConfigError && message.test(e.message));
  }
});
