/**
 * Caps per remote address and the allowAddress hook, over real sockets from two loopback addresses
 * (127.0.0.1 and 127.0.0.2): the refused address is turned away while the other keeps working.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Application } from '../../src/index.js';
import { startTestApp, waitFor } from '../support/apps.js';
import { RawClient } from '../support/pomelo-raw-client.js';
import { upgradeStatus } from '../support/ws-upgrade.js';

const echo = (a: Application): void => {
  a.handler('echo', { echo: (b: unknown) => b });
};

describe('maxConnectionsPerAddress', () => {
  let app: Application;
  let wsUrl: string;
  let tcpPort: number;
  before(async () => {
    ({ app, wsUrl, tcpPort } = await startTestApp(echo, { serverId: 'cap', maxConnectionsPerAddress: 2 }));
  });
  after(() => app.stop());

  test('a third connection from one address is refused (ws 429, tcp closed); another address still connects', async () => {
    const a = await (await RawClient.ws(wsUrl)).open();
    const b = await (await RawClient.tcp(tcpPort)).open();
    assert.equal(app.gateway.connectionsFrom('127.0.0.1'), 2);
    assert.equal(await upgradeStatus(wsUrl), 429);
    const refusedTcp = await RawClient.tcp(tcpPort);
    await refusedTcp.closed;
    assert.equal(app.gateway.stats.errors.ERR_TOO_MANY_FROM_ADDRESS, 2);
    // Another loopback address has its own share.
    const fromOther = await (await RawClient.ws(wsUrl, { localAddress: '127.0.0.2' })).open();
    const fromOtherTcp = await (await RawClient.tcp(tcpPort, '127.0.0.1', '127.0.0.2')).open();
    assert.equal(await fromOther.request('echo.echo', 'x'), 'x');
    assert.equal(await fromOtherTcp.request('echo.echo', 'y'), 'y');
    assert.equal(await a.request('echo.echo', 1), 1);
    // A closed connection gives its slot back.
    a.close();
    await waitFor(() => app.gateway.connectionsFrom('127.0.0.1') === 1);
    const c = await (await RawClient.ws(wsUrl)).open();
    assert.equal(await c.request('echo.echo', 3), 3);
    for (const x of [b, c, fromOther, fromOtherTcp]) x.close();
    await waitFor(() => app.gateway.stats.connections === 0);
    assert.equal(app.gateway.connectionsFrom('127.0.0.1'), 0);
  });
});

describe('allowAddress', () => {
  let app: Application;
  let wsUrl: string;
  let tcpPort: number;
  const seen: string[] = [];
  before(async () => {
    ({ app, wsUrl, tcpPort } = await startTestApp(echo, {
      serverId: 'allow',
      allowAddress: (address) => {
        seen.push(address);
        if (address === '127.0.0.3') throw new Error('hook bug');
        return address !== '127.0.0.2';
      },
    }));
  });
  after(() => app.stop());

  test('a refused address gets HTTP 403 on ws and a closed socket on tcp; others connect', async () => {
    const ok = await (await RawClient.tcp(tcpPort)).open();
    assert.equal(await upgradeStatus(wsUrl, { localAddress: '127.0.0.2' }), 403);
    const refused = await RawClient.tcp(tcpPort, '127.0.0.1', '127.0.0.2');
    await refused.closed;
    assert.equal(refused.handshake, undefined);
    assert.equal(app.gateway.stats.errors.ERR_ADDRESS_REFUSED, 2);
    assert.ok(seen.includes('127.0.0.1') && seen.includes('127.0.0.2'));
    assert.equal(await ok.request('echo.echo', 'fine'), 'fine');
    ok.close();
  });

  test('a hook that throws refuses the address', async () => {
    assert.equal(await upgradeStatus(wsUrl, { localAddress: '127.0.0.3' }), 403);
    const refused = await RawClient.tcp(tcpPort, '127.0.0.1', '127.0.0.3');
    await refused.closed;
    assert.equal(app.gateway.stats.errors.ERR_ADDRESS_REFUSED, 4);
    const ok = await (await RawClient.ws(wsUrl)).open();
    assert.equal(await ok.request('echo.echo', 'fine'), 'fine');
    ok.close();
  });
});
