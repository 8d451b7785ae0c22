/**
 * The per-connection token bucket over real sockets: a client over the limit has its messages
 * dropped (requests answered `unavailable`) or is kicked, per policy; other clients are untouched.
 * Where a test counts what is over the limit, the bucket refills too slowly to matter meanwhile.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect } from '../../src/client/index.js';
import { ConfigError, Gateway, RpcError, type Application, type Dispatcher } from '../../src/index.js';
import { sleep, startTestApp } from '../support/apps.js';
import { until } from '../support/poll.js';
import { RawClient } from '../support/pomelo-raw-client.js';

const echo = (a: Application): void => {
  a.handler('echo', { echo: (b: unknown) => b });
};

function isRateLimited(answer: unknown): boolean {
  return (answer as { error?: string }).error === 'unavailable' && /rate limited/.test((answer as { message: string }).message);
}

// A bucket that refills one token in 1000 s: while a test runs it holds what it held at the start,
// however slowly the machine sends, so the packets over the limit are exactly those past the burst.
const NO_REFILL = 0.001;

describe('policy drop', () => {
  let app: Application;
  let wsUrl: string;
  let tcpPort: number;
  before(async () => {
    ({ app, wsUrl, tcpPort } = await startTestApp(echo, { serverId: 'rld', rateLimit: { messagesPerSec: NO_REFILL, burst: 5, policy: 'drop' } }));
  });
  after(() => app.stop());

  for (const transport of ['ws', 'tcp'] as const) {
    test(`over ${transport}: a burst past the bucket is answered unavailable, notifies past it vanish, other clients are untouched`, async () => {
      const before = app.gateway.stats.errors.ERR_RATE_LIMITED ?? 0;
      const flood = await (await (transport === 'ws' ? RawClient.ws(wsUrl) : RawClient.tcp(tcpPort))).open();
      const other = await (await RawClient.ws(wsUrl)).open();
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => flood.request('echo.echo', i)));
      // The first five fit the burst; the other fifteen find the bucket empty.
      assert.deepEqual(answers.slice(0, 5), [0, 1, 2, 3, 4]);
      assert.equal(answers.slice(5).filter(isRateLimited).length, 15, JSON.stringify(answers.slice(5)));
      assert.equal(app.gateway.stats.errors.ERR_RATE_LIMITED! - before, 15);
      // Notifies over the limit vanish without an answer and without harm: the request after them
      // (answered after they were read) is limited too, and the connection stays.
      for (let i = 0; i < 10; i++) flood.notify('echo.echo', i);
      assert.ok(isRateLimited(await flood.request('echo.echo', 'after')));
      assert.equal(app.gateway.stats.errors.ERR_RATE_LIMITED! - before, 15 + 10 + 1);
      assert.equal(flood.isClosed, false);
      // Another client has its own bucket.
      assert.equal(await other.request('echo.echo', 'other'), 'other');
      flood.close();
      other.close();
    });
  }

  test('the SDK sees a dropped request as RpcError unavailable', async () => {
    const client = await connect(wsUrl);
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => client.request('echo.echo', i)));
    const answered = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<unknown>).value);
    const rejected = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as unknown);
    assert.deepEqual(answered, [0, 1, 2, 3, 4]);
    assert.equal(rejected.length, 5);
    for (const err of rejected) assert.ok(err instanceof RpcError && err.code === 'unavailable', String(err));
    await client.close();
  });
});

describe('policy drop, refilling', () => {
  let app: Application;
  let tcpPort: number;
  before(async () => {
    ({ app, tcpPort } = await startTestApp(echo, { serverId: 'rlr', rateLimit: { messagesPerSec: 20, burst: 5, policy: 'drop' } }));
  });
  after(() => app.stop());

  test('the bucket refills with time, with no timer having run for the client', async () => {
    const c = await (await RawClient.tcp(tcpPort)).open();
    // Empty the bucket: 20 requests sent at once outrun 20 per second (a slow machine may need more tries).
    const before = app.gateway.stats.errors.ERR_RATE_LIMITED ?? 0;
    await until(
      async () => (await Promise.all(Array.from({ length: 20 }, (_, i) => c.request('echo.echo', i)))).some(isRateLimited),
      30_000,
      'a request sent with 19 others is rate limited',
      0,
    );
    assert.ok(app.gateway.stats.errors.ERR_RATE_LIMITED! > before);
    // 20 per second: 300 ms (or longer) after the last packet there is a token again.
    await sleep(300);
    assert.equal(await c.request('echo.echo', 'again'), 'again');
    assert.equal(c.isClosed, false);
    c.close();
  });

  test('a client within the rate is never limited', async () => {
    const c = await (await RawClient.tcp(tcpPort)).open();
    for (let i = 0; i < 12; i++) {
      assert.equal(await c.request('echo.echo', i), i);
      await sleep(60);
    }
    c.close();
  });
});

describe('policy kick', () => {
  let app: Application;
  let wsUrl: string;
  let tcpPort: number;
  before(async () => {
    ({ app, wsUrl, tcpPort } = await startTestApp(echo, { serverId: 'rlk', rateLimit: { messagesPerSec: NO_REFILL, burst: 3, policy: 'kick' } }));
  });
  after(() => app.stop());

  for (const transport of ['ws', 'tcp'] as const) {
    test(`over ${transport}: the first packet past the bucket kicks the client with reason "rate limited"`, async () => {
      const before = app.gateway.stats.errors.ERR_RATE_LIMITED ?? 0;
      const other = await (await RawClient.tcp(tcpPort)).open();
      const flood = await (await (transport === 'ws' ? RawClient.ws(wsUrl) : RawClient.tcp(tcpPort))).open();
      const answered = [0, 1, 2].map((i) => flood.request('echo.echo', i));
      for (let i = 0; i < 5; i++) flood.notify('echo.echo', i);
      assert.deepEqual(await Promise.all(answered), [0, 1, 2]);
      await flood.closed;
      assert.deepEqual(flood.kicks, [{ reason: 'rate limited' }]);
      // One packet over the limit was read: the kick ends the connection before the ones after it.
      assert.equal(app.gateway.stats.errors.ERR_RATE_LIMITED! - before, 1);
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
