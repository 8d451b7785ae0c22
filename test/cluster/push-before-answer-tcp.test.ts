/**
 * A backend's answer travels on the connection the gateway opened to it, and what the handler sent
 * the gateway (a push, a group change) on the backend's own connection to the gateway. A backend
 * just started has not opened that connection yet when the first call arrives; the answer must
 * still not reach the client before the push the call made.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect, type Client } from '../../src/client/index.js';
import { StaticDiscovery } from '../../src/cluster/static-discovery.js';
import type { ServerInfo } from '../../src/cluster/server-info.js';
import { createApp, type Application, type HandlerContext } from '../../src/index.js';
import { silentLogger } from '../../src/rpc/index.js';
import { TcpPoolTransport } from '../../src/transport/index.js';
import { freePort } from '../support/services.js';

const BACKENDS = 5;
const apps: Application[] = [];
let servers: ServerInfo[];

async function startServer(info: ServerInfo, setup: (app: Application) => void): Promise<Application> {
  const app = createApp({
    gateway: info.frontend ? { ws: { port: 0 } } : undefined,
    cluster: {
      self: { id: info.id, type: info.type, host: info.host, port: info.port, frontend: info.frontend },
      discovery: new StaticDiscovery(servers.filter((s) => s.id !== info.id)),
      transport: new TcpPoolTransport({ logger: silentLogger }),
    },
  });
  setup(app);
  await app.start();
  apps.push(app);
  return app;
}

let gate: Application;

before(async () => {
  servers = [{ id: 'gate1', type: 'gateway', host: '127.0.0.1', port: await freePort(), frontend: true, services: [] }];
  for (let i = 1; i <= BACKENDS; i++) servers.push({ id: `back${i}`, type: `svc${i}`, host: '127.0.0.1', port: await freePort(), frontend: false, services: [`svc${i}`] });
  gate = await startServer(servers[0]!, () => {});
});

after(async () => {
  for (const app of apps.reverse()) await app.stop();
});

/** What the client saw, in order: the pushes it got (answers are added by the test as they come). */
function recorder(client: Client): string[] {
  const seen: string[] = [];
  client.on('hello.pushed', (body) => seen.push(`push ${(body as { from: string }).from}`));
  return seen;
}

test("a backend's first answer to a gateway comes after the push its call made, though its own connection to the gateway was still opening", async () => {
  const client = await connect(`ws://127.0.0.1:${gate.gateway.addresses.ws!.port}/`);
  const seen = recorder(client);
  try {
    for (let i = 1; i <= BACKENDS; i++) {
      // Started now: its connection to the gateway opens on its first message there, the push below.
      await startServer(servers[i]!, (app) =>
        app.handler(`svc${i}`, {
          hello(_body: unknown, ctx: HandlerContext) {
            ctx.session.push('hello.pushed', { from: app.serverId });
            return { from: app.serverId };
          },
        }),
      );
      const answer = (await client.request(`svc${i}.hello`, {})) as { from: string };
      seen.push(`answer ${answer.from}`);
    }
    const want = Array.from({ length: BACKENDS }, (_, i) => [`push back${i + 1}`, `answer back${i + 1}`]).flat();
    assert.deepEqual(seen, want);
  } finally {
    client.close();
  }
});
