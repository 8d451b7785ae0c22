/**
 * A forwarded reply that never reaches the gateway takes the session changes it carried with it:
 * the backend's copy keeps its own write while the gateway's session never got it. Here the reply
 * comes after the gateway's call deadline (200 ms against a handler that answers after 1 s), so the
 * gateway drops it; the session's next forwarded call carries a `resync` snapshot and the copy
 * agrees with the gateway again. A gateway and a backend as applications in this process, joined by
 * the real TCP pool transport.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { connect } from '../../src/client/index.js';
import type { ServerInfo } from '../../src/cluster/server-info.js';
import { StaticDiscovery } from '../../src/cluster/static-discovery.js';
import { createApp, RpcError, type Application, type HandlerContext } from '../../src/index.js';
import { silentLogger } from '../../src/rpc/index.js';
import { TcpPoolTransport } from '../../src/transport/index.js';
import { freePort } from '../support/services.js';
import { until } from '../support/poll.js';

const apps: Application[] = [];
/** Late handlers that have made their write and answered. */
let lateDone = 0;

before(async () => {
  const servers: ServerInfo[] = [
    { id: 'gate1', type: 'gateway', host: '127.0.0.1', port: await freePort(), frontend: true, services: [] },
    { id: 'back1', type: 'back', host: '127.0.0.1', port: await freePort(), frontend: false, services: ['probe'] },
  ];
  const start = async (self: ServerInfo, setup: (app: Application) => void): Promise<void> => {
    const app = createApp({
      gateway: self.frontend ? { ws: { port: 0 } } : undefined,
      cluster: {
        self,
        discovery: new StaticDiscovery(servers.filter((s) => s.id !== self.id)),
        transport: new TcpPoolTransport({ poolSize: 1, logger: silentLogger }),
        callTimeoutMs: 200,
      },
    });
    setup(app);
    await app.start();
    apps.push(app);
  };
  await start(servers[1]!, (app) =>
    app.handler('probe', {
      /** Writes `key` after 1 s, past the gateway's deadline, and answers: the change travels with the late reply. */
      async late(body: { key: string }, ctx: HandlerContext) {
        await sleep(1000);
        ctx.session.set(body.key, 'written');
        lateDone++;
        return {};
      },
      read: (body: { key: string }, ctx: HandlerContext) => ({ value: ctx.session.get(body.key) ?? null }),
      write(body: { key: string }, ctx: HandlerContext) {
        ctx.session.set(body.key, 'again');
        return {};
      },
    }),
  );
  await start(servers[0]!, () => {});
});

after(async () => {
  for (const app of apps.reverse()) await app.stop();
});

test("a reply lost past the deadline: the session's next call resyncs the backend's copy with the gateway", async () => {
  const gate = apps.find((a) => a.serverId === 'gate1')!;
  const client = await connect(`ws://127.0.0.1:${gate.gateway.addresses.ws!.port}/`);
  try {
    // Warm the copy: the backend holds one for this session from now on.
    assert.deepEqual(await client.request('probe.read', { key: 'k' }), { value: null });
    await assert.rejects(client.request('probe.late', { key: 'k' }, { timeoutMs: 30_000 }), (e: unknown) => e instanceof RpcError && e.code === 'deadline_exceeded');
    await until(() => lateDone === 1, 10_000, 'the late handler wrote and answered');
    const session = [...gate.gateway.sessions()][0]!;
    // The next call's snapshot says resync: the copy takes the gateway's data, so both agree.
    assert.deepEqual(await client.request('probe.read', { key: 'k' }), { value: null }, "the backend's copy agrees with the gateway");
    // The late reply was dropped: the gateway never got the write. Checked once the next reply is in:
    // the late one went first over the same connection (one per pool), so it has been dealt with by now.
    assert.equal(session.get('k'), undefined);
    // And writes work as before: a write that comes back with its reply reaches the gateway.
    await client.request('probe.write', { key: 'k' });
    assert.equal(session.get('k'), 'again');
    assert.deepEqual(await client.request('probe.read', { key: 'k' }), { value: 'again' });
  } finally {
    await client.close();
  }
});
