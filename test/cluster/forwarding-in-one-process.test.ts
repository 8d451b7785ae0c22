/**
 * Gateways and backends as separate applications in one test process, joined by the real TCP pool
 * transport and static discovery: forwarding, session changes, pushes, groups across gateways.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect, type Client } from '../../src/client/index.js';
import { StaticDiscovery } from '../../src/cluster/static-discovery.js';
import type { ServerInfo } from '../../src/cluster/server-info.js';
import { MemorySessionRegistry } from '../../src/cluster/memory-session-registry.js';
import { createApp, RpcError, type Application, type HandlerContext } from '../../src/index.js';
import { silentLogger } from '../../src/rpc/index.js';
import { TcpPoolTransport } from '../../src/transport/index.js';
import { ChatHandler } from '../../examples/chat/chat-handler.js';

const apps: Application[] = [];
let servers: ServerInfo[];
/** One registry all servers share (one process); the Redis one is used across processes. */
const registry = new MemorySessionRegistry();

/** A fixed membership: ports chosen by listening first is racy, so each server binds 0 and the list is patched. */
async function startServer(id: string, type: string, frontend: boolean, setup: (app: Application) => void): Promise<Application> {
  const discovery = new StaticDiscovery(servers.filter((s) => s.id !== id));
  const app = createApp({
    gateway: frontend ? { ws: { port: 0 }, tcp: { port: 0 } } : undefined,
    cluster: {
      self: { id, type, host: '127.0.0.1', port: servers.find((s) => s.id === id)!.port, frontend },
      discovery,
      transport: new TcpPoolTransport({ poolSize: 4, logger: silentLogger }),
      registry,
    },
  });
  setup(app);
  await app.start();
  apps.push(app);
  return app;
}

function nextPush<T>(client: Client, route: string): Promise<T> {
  return new Promise((resolve) => {
    const fn = (body: unknown): void => {
      client.off(route, fn);
      resolve(body as T);
    };
    client.on(route, fn);
  });
}

let gateA: Application;
let gateB: Application;

before(async () => {
  const base = 20000 + Math.floor(Math.random() * 20000);
  servers = [
    { id: 'gateA', type: 'gateway', host: '127.0.0.1', port: base, frontend: true, services: [] },
    { id: 'gateB', type: 'gateway', host: '127.0.0.1', port: base + 1, frontend: true, services: [] },
    { id: 'chat1', type: 'chat', host: '127.0.0.1', port: base + 2, frontend: false, services: ['chat', 'acct'] },
    { id: 'chat2', type: 'chat', host: '127.0.0.1', port: base + 3, frontend: false, services: ['chat', 'acct'] },
  ];
  const backend = (app: Application): void => {
    app.handler('chat', new ChatHandler(app));
    app.handler('acct', {
      login(body: { uid: string }, ctx: HandlerContext) {
        ctx.session.bind(body.uid);
        ctx.session.set('level', 3);
        return { server: app.serverId };
      },
      whoami: (_b: unknown, ctx: HandlerContext) => ({ uid: ctx.session.uid, level: ctx.session.get('level'), server: app.serverId }),
      poke: async (body: { uid: string; text: string }) => ({ delivered: await app.pushToUser(body.uid, 'acct.onPoke', { text: body.text }) }),
      fail: () => {
        throw new RpcError('permission_denied', 'no');
      },
    });
  };
  await startServer('chat1', 'chat', false, backend);
  await startServer('chat2', 'chat', false, backend);
  gateA = await startServer('gateA', 'gateway', true, () => {});
  gateB = await startServer('gateB', 'gateway', true, () => {});
});
after(async () => {
  for (const app of apps.reverse()) await app.stop();
});

const url = (app: Application): string => `ws://127.0.0.1:${app.gateway.addresses.ws!.port}/`;

test('a request forwarded to a backend answers; errors keep their code; unknown services are not_found', async () => {
  const c = await connect(url(gateA));
  const r = (await c.request('acct.login', { uid: 'u1' })) as { server: string };
  assert.match(r.server, /^chat[12]$/);
  assert.deepEqual(await c.request('acct.whoami', {}), { uid: 'u1', level: 3, server: r.server });
  await assert.rejects(c.request('acct.fail', {}), { code: 'permission_denied', message: 'no' });
  await assert.rejects(c.request('nosuch.route', {}), { code: 'not_found' });
  await c.close();
});

test('session changes made on the backend reach the gateway session', async () => {
  const c = await connect(url(gateA));
  await c.request('acct.login', { uid: 'u2' });
  const session = [...gateA.gateway.sessions()].find((s) => s.uid === 'u2');
  assert.ok(session, 'the gateway session has the uid bound by the backend');
  assert.equal(session.get('level'), 3);
  await c.close();
});

test('a client on gateway A gets a push caused by a request from a client on gateway B', async () => {
  const a = await connect(url(gateA));
  const b = await connect(`tcp://127.0.0.1:${gateB.gateway.addresses.tcp!.port}`);
  await a.request('acct.login', { uid: 'alice' });
  await b.request('acct.login', { uid: 'bob' });
  const poked = nextPush<{ text: string }>(a, 'acct.onPoke');
  assert.deepEqual(await b.request('acct.poke', { uid: 'alice', text: 'hi alice' }), { delivered: true });
  assert.deepEqual(await poked, { text: 'hi alice' });
  assert.deepEqual(await b.request('acct.poke', { uid: 'nobody', text: 'x' }), { delivered: false });
  await a.close();
  await b.close();
});

test('group broadcast reaches members on both gateways; leaving members are announced', async () => {
  const a = await connect(url(gateA));
  const b = await connect(url(gateB));
  await a.request('chat.join', { room: 'r1', name: 'ann' });
  const annSeesJoin = nextPush<{ name: string }>(a, 'chat.onJoin');
  await b.request('chat.join', { room: 'r1', name: 'ben' });
  assert.deepEqual(await annSeesJoin, { name: 'ben' });
  const got = [nextPush<{ from: string; text: string }>(a, 'chat.onMessage'), nextPush<{ from: string; text: string }>(b, 'chat.onMessage')];
  await b.request('chat.say', { text: 'hello both' });
  for (const m of await Promise.all(got)) assert.deepEqual(m, { from: 'ben', text: 'hello both' });
  const left = nextPush<{ name: string }>(a, 'chat.onLeave');
  await b.close();
  assert.deepEqual(await left, { name: 'ben' });
  await a.close();
});

test('a second login of the same user on gateway B kicks the first on gateway A', async () => {
  const first = await connect(url(gateA));
  await first.request('acct.login', { uid: 'carol' });
  const kicked = new Promise<string>((resolve) => first.on('kick', (reason: string) => resolve(reason)));
  const second = await connect(url(gateB));
  await second.request('acct.login', { uid: 'carol' });
  assert.equal(await kicked, 'logged in elsewhere');
  await second.close();
});
