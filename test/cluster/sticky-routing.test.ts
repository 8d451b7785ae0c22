/**
 * Sticky services: a session stays on the instance that first served it while that instance is up,
 * even when a new instance joins and hashing alone would move it; it moves when its instance leaves.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { connect, type Client } from '../../src/client/index.js';
import type { ServerInfo } from '../../src/cluster/server-info.js';
import { StaticDiscovery } from '../../src/cluster/static-discovery.js';
import { createApp, type Application, type HandlerContext } from '../../src/index.js';
import { silentLogger } from '../../src/rpc/index.js';
import { TcpPoolTransport } from '../../src/transport/index.js';
import { freePort } from '../support/services.js';

const apps: Application[] = [];
after(async () => {
  for (const a of apps.reverse()) await a.stop();
});

function info(id: string, port: number, frontend = false): ServerInfo {
  return { id, type: frontend ? 'gateway' : 'room', host: '127.0.0.1', port, frontend, services: frontend ? [] : ['room'] };
}

async function start(self: ServerInfo, members: ServerInfo[], sticky: string[] = []): Promise<{ app: Application; discovery: StaticDiscovery }> {
  const discovery = new StaticDiscovery(members.filter((m) => m.id !== self.id));
  const app = createApp({
    gateway: self.frontend ? { ws: { port: 0 } } : undefined,
    cluster: { self, discovery, transport: new TcpPoolTransport({ poolSize: 2, logger: silentLogger }), stickyServices: sticky },
  });
  if (!self.frontend) app.handler('room', { where: (_b: unknown, ctx: HandlerContext) => ({ server: app.serverId, bound: ctx.session.get('yard.sticky.room') }) });
  await app.start();
  apps.push(app);
  return { app, discovery };
}

test('sessions of a sticky service stay on their instance when another joins, and move when theirs leaves', async () => {
  const [g, r1, r2, r3] = [info('gate', await freePort(), true), info('room1', await freePort()), info('room2', await freePort()), info('room3', await freePort())];
  const first = [g, r1, r2];
  const room1 = await start(r1, first);
  await start(r2, first);
  const gate = await start(g, first, ['room']);
  const clients: Client[] = [];
  const home = new Map<Client, string>();
  for (let i = 0; i < 30; i++) {
    const c = await connect(`ws://127.0.0.1:${gate.app.gateway.addresses.ws!.port}/`);
    clients.push(c);
    home.set(c, ((await c.request('room.where', {})) as { server: string }).server);
  }
  assert.deepEqual(new Set(home.values()), new Set(['room1', 'room2']));
  const again = (await clients[0]!.request('room.where', {})) as { server: string; bound: string };
  assert.equal(again.bound, again.server, 'the binding travels in the session data');

  await start(r3, [g, r1, r2, r3]);
  gate.discovery.setMembers([r1, r2, r3]);
  for (const c of clients) assert.equal(((await c.request('room.where', {})) as { server: string }).server, home.get(c), 'stays put');

  await room1.app.stop();
  gate.discovery.setMembers([r2, r3]);
  for (const c of clients) {
    const now = ((await c.request('room.where', {})) as { server: string }).server;
    if (home.get(c) === 'room1') assert.notEqual(now, 'room1');
    else assert.equal(now, home.get(c));
  }
  for (const c of clients) await c.close();
});
