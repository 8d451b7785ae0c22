/**
 * Server-internal routes are unreachable from the client protocol: not in the handshake dictionary,
 * answered `not_found` exactly like a route that does not exist (by name), refused like any unknown
 * code (by code), never forwarded to a backend in a cluster; `__yard.` routes are never dispatched.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { connect } from '../../src/client/index.js';
import type { ServerInfo } from '../../src/cluster/server-info.js';
import { StaticDiscovery } from '../../src/cluster/static-discovery.js';
import { ConfigError, createApp, Gateway, RouteDictionary, type Application, type Dispatcher, type OperationEntry } from '../../src/index.js';
import { silentLogger } from '../../src/rpc/index.js';
import { TcpPoolTransport } from '../../src/transport/index.js';
import { MessageType } from '../../src/wire/index.js';
import { startTestApp } from '../support/apps.js';
import { Protocol, RawClient } from '../support/pomelo-raw-client.js';

/** Calls of handlers that must never run. */
const ran: string[] = [];

/** A servant as the IDL compiler emits one: a static operation table (route code 0x0101). */
class AdminServant {
  static readonly operations: readonly OperationEntry<AdminServant>[] = [
    {
      route: 'ops.Admin.flush',
      code: 0x0101,
      oneway: false,
      invoke: () => {
        ran.push('ops.Admin.flush');
        return new Uint8Array(0);
      },
    },
  ];
}

/** The answer to `route` with the route's own name taken out, to compare answers across routes. */
function anonymous(answer: unknown, route: string): unknown {
  const a = answer as { message: string };
  return { ...a, message: a.message.replace(JSON.stringify(route), '<route>') };
}

describe('in one process', () => {
  let app: Application;
  let wsUrl: string;
  let tcpPort: number;
  before(async () => {
    ({ app, wsUrl, tcpPort } = await startTestApp(
      (a) => {
        a.handler('echo', { echo: (b: unknown) => b });
        a.handler('admin', { reset: () => ran.push('admin.reset') }, { internal: true });
        a.servant(new AdminServant(), { internal: true });
      },
      // Even a code given for an internal route in the dictionary is left out of the handshake.
      { serverId: 'internal', dictionary: new RouteDictionary([['admin.reset', 900]]) },
    ));
  });
  after(() => app.stop());

  test('internal routes are not in the handshake dictionary', async () => {
    const c = await RawClient.ws(wsUrl);
    await c.open();
    assert.ok('echo.echo' in c.dict);
    assert.deepEqual(Object.keys(c.dict).filter((r) => r !== 'echo.echo'), []);
    assert.ok(!Object.values(c.dict).includes(900) && !Object.values(c.dict).includes(0x0101));
    c.close();
  });

  for (const transport of ['ws', 'tcp'] as const) {
    test(`over ${transport}: an internal route by name answers exactly as a missing one`, async () => {
      const c = await (await (transport === 'ws' ? RawClient.ws(wsUrl) : RawClient.tcp(tcpPort))).open();
      const missing = anonymous(await c.request('admin.nosuch', {}), 'admin.nosuch');
      assert.deepEqual(missing, { code: 500, error: 'not_found', message: 'no handler for route <route>' });
      for (const route of ['admin.reset', 'ops.Admin.flush']) {
        assert.deepEqual(anonymous(await c.request(route, {}), route), missing, route);
      }
      c.notify('admin.reset', {});
      assert.equal(await c.request('echo.echo', 'after'), 'after');
      assert.deepEqual(ran, []);
      c.close();
    });
  }

  test('an internal route by its code is refused like any unknown code, and only that client goes', async () => {
    const other = await (await RawClient.tcp(tcpPort)).open();
    for (const code of [900, 0x0101]) {
      const c = await (await RawClient.ws(wsUrl)).open();
      c.sendRaw(Protocol.Package.encode(4, Protocol.Message.encode(1, 0, 1, code, Buffer.from('{}'))));
      await c.closed;
      assert.deepEqual(c.kicks, [{ reason: 'ERR_ROUTE_CODE_UNKNOWN' }]);
    }
    assert.equal(await other.request('echo.echo', 'alive'), 'alive');
    assert.deepEqual(ran, []);
    other.close();
  });

  test('the SDK gets RpcError not_found for an internal route', async () => {
    const c = await connect(wsUrl);
    await assert.rejects(c.request('admin.reset', {}), { code: 'not_found', message: 'no handler for route "admin.reset"' });
    await c.close();
  });
});

test('the gateway never hands a __yard. route to its dispatcher, whatever the dispatcher serves', async () => {
  const seen: string[] = [];
  const dispatcher: Dispatcher = {
    isPublic: () => true,
    dispatch: (session, msg) => {
      seen.push(msg.route);
      if (msg.type === MessageType.Request) session.respond(msg.id, Buffer.from('"served"'));
    },
  };
  const gw = new Gateway({ serverId: 'yard', tcp: { port: 0 } }, dispatcher);
  const { tcp } = await gw.start();
  try {
    const c = await (await RawClient.tcp(tcp!.port)).open();
    for (const route of ['__yard.gw.kick', '__yard.gw.push', '__yard.all.leaving']) {
      assert.deepEqual(await c.request(route, { sid: 'yard-1', reason: 'x' }), {
        code: 500,
        error: 'not_found',
        message: `no handler for route ${JSON.stringify(route)}`,
      });
    }
    c.notify('__yard.be.closed', { sid: 'yard-1' });
    assert.equal(await c.request('app.call', {}), 'served');
    assert.deepEqual(seen, ['app.call']);
    c.close();
  } finally {
    await gw.close();
  }
});

test('registration refuses __yard. routes and internal routes that are also public', () => {
  const app = createApp({ serverId: 'reg' });
  assert.throws(() => app.handler('__yard', { gw: () => 1 }), (e: unknown) => e instanceof ConfigError && /kept for the cluster/.test(e.message));
  assert.throws(() => app.handler('a', { b: () => 1 }, { internal: true, public: true }), ConfigError);
  assert.throws(() => app.servant(new AdminServant(), { internal: true, public: true }), ConfigError);
});

/** A free loopback port (the static member list needs the backend's port before it starts). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('in a cluster', () => {
  const apps: Application[] = [];
  let gwUrl: string;
  before(async () => {
    const [gwPort, bePort] = [await freePort(), await freePort()];
    const servers: ServerInfo[] = [
      { id: 'gw1', type: 'gateway', host: '127.0.0.1', port: gwPort, frontend: true, services: [] },
      // Even when a service of internal routes is listed, the backend does not serve them to forwarding.
      { id: 'be1', type: 'acct', host: '127.0.0.1', port: bePort, frontend: false, services: ['acct', 'ops'] },
    ];
    const start = async (self: ServerInfo, setup: (a: Application) => void): Promise<Application> => {
      const app = createApp({
        gateway: self.frontend ? { ws: { port: 0 } } : undefined,
        cluster: {
          self: { id: self.id, type: self.type, host: self.host, port: self.port, frontend: self.frontend },
          discovery: new StaticDiscovery(servers.filter((s) => s.id !== self.id)),
          transport: new TcpPoolTransport({ poolSize: 1, logger: silentLogger }),
        },
      });
      setup(app);
      await app.start();
      apps.push(app);
      return app;
    };
    await start(servers[1]!, (a) => {
      a.handler('acct', { whoami: () => 'me' });
      a.handler('acct', { drain: () => ran.push('acct.drain') }, { internal: true });
      a.handler('ops', { secret: () => ran.push('ops.secret') }, { internal: true });
    });
    const gw = await start(servers[0]!, () => {});
    gwUrl = `ws://127.0.0.1:${gw.gateway.addresses.ws!.port}/`;
  });
  after(async () => {
    for (const app of apps.reverse()) await app.stop();
  });

  test('a client reaches the backend public route, and internal ones answer as missing ones', async () => {
    const c = await connect(gwUrl);
    assert.equal(await c.request('acct.whoami', {}), 'me');
    const missing = await c.request('acct.nosuch', {}).catch((e: { code: string; message: string }) => ({ code: e.code, message: e.message.replace('acct.nosuch', '<route>') }));
    assert.equal((missing as { code: string }).code, 'not_found');
    for (const route of ['acct.drain', 'ops.secret']) {
      const got = await c.request(route, {}).catch((e: { code: string; message: string }) => ({ code: e.code, message: e.message.replace(route, '<route>') }));
      assert.deepEqual(got, missing, route);
    }
    c.notify('ops.secret', {});
    assert.equal(await c.request('acct.whoami', {}), 'me');
    assert.deepEqual(ran, []);
    await c.close();
  });
});
