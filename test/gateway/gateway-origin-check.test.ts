/**
 * The WebSocket Origin check: a page from an origin not allowed gets HTTP 403 before any WebSocket
 * exists; allowed origins and clients sending no Origin (not browsers) connect and work.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError, createApp, Gateway, type Application, type Dispatcher } from '../../src/index.js';
import { RawClient } from '../support/pomelo-raw-client.js';
import { upgradeStatus } from '../support/ws-upgrade.js';

async function startWithOrigins(serverId: string, allowedOrigins: readonly string[] | ((origin: string | undefined) => boolean)): Promise<{ app: Application; url: string }> {
  const app = createApp({ serverId, gateway: { ws: { port: 0, allowedOrigins } } });
  app.handler('echo', { echo: (b: unknown) => b });
  const addr = await app.start();
  return { app, url: `ws://127.0.0.1:${addr.ws!.port}/` };
}

describe('allowedOrigins as a list', () => {
  let app: Application;
  let url: string;
  before(async () => {
    ({ app, url } = await startWithOrigins('olist', ['https://game.example', 'http://localhost:8080']));
  });
  after(() => app.stop());

  test('a listed origin connects (compared without case); an unlisted one gets 403 and is counted', async () => {
    const page = await (await RawClient.ws(url, { origin: 'https://game.example' })).open();
    assert.equal(await upgradeStatus(url, { origin: 'https://GAME.example' }), 101);
    assert.equal(await upgradeStatus(url, { origin: 'http://localhost:8080' }), 101);
    assert.equal(await upgradeStatus(url, { origin: 'https://evil.example' }), 403);
    assert.equal(await upgradeStatus(url, { origin: 'https://game.example.evil.example' }), 403);
    assert.equal(await upgradeStatus(url, { origin: 'null' }), 403);
    assert.equal(app.gateway.stats.errors.ERR_ORIGIN_REFUSED, 3);
    assert.equal(await page.request('echo.echo', 'still open'), 'still open');
    page.close();
  });

  test('a client without an Origin header (not a browser) connects', async () => {
    const native = await (await RawClient.ws(url)).open();
    assert.equal(await native.request('echo.echo', 1), 1);
    native.close();
  });
});

describe('allowedOrigins as a function', () => {
  let app: Application;
  let url: string;
  const asked: (string | undefined)[] = [];
  before(async () => {
    ({ app, url } = await startWithOrigins('ofn', (origin) => {
      asked.push(origin);
      if (origin === 'https://broken.example') throw new Error('check bug');
      return origin !== undefined && origin.endsWith('.game.example');
    }));
  });
  after(() => app.stop());

  test('decides every upgrade, including those without an Origin; a throw refuses', async () => {
    assert.equal(await upgradeStatus(url, { origin: 'https://eu.game.example' }), 101);
    assert.equal(await upgradeStatus(url), 403);
    assert.equal(await upgradeStatus(url, { origin: 'https://broken.example' }), 403);
    assert.deepEqual(asked, ['https://eu.game.example', undefined, 'https://broken.example']);
    assert.equal(app.gateway.stats.errors.ERR_ORIGIN_REFUSED, 2);
    const page = await (await RawClient.ws(url, { origin: 'https://us.game.example' })).open();
    assert.equal(await page.request('echo.echo', 'ok'), 'ok');
    page.close();
  });
});

test('a bad allowedOrigins is refused at start-up', () => {
  const dispatcher: Dispatcher = { dispatch: () => {}, isPublic: () => false };
  assert.throws(
    () => new Gateway({ serverId: 'x', ws: { port: 0, allowedOrigins: 'https://a.example' as never } }, dispatcher),
    (e: unknown) => e instanceof ConfigError && /ws\.allowedOrigins/.test(e.message),
  );
});
