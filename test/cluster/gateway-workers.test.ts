/**
 * A gateway with `workers: 2` runs two processes sharing its client port (node:cluster); each is
 * its own server (`gate1_0`, `gate1_1`) forwarding to the same backend. Their server-to-server
 * ports are their own, not shared: what a backend sends `gate1_0` reaches `gate1_0`.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, test } from 'node:test';
import { connect, type Client } from '../../src/client/index.js';
import { startServer, stopServer, writeConfig, type ServerProc } from '../support/cluster-procs.js';
import { until } from '../support/poll.js';
import { freePort, startEtcd, type EtcdService } from '../support/services.js';

const procs: ServerProc[] = [];
const etcds: EtcdService[] = [];
after(async () => {
  await Promise.all(procs.map((p) => stopServer(p)));
  await Promise.all(etcds.map((e) => e.stop()));
});

test('two gateway workers share one client port and both serve clients', async () => {
  const config = writeConfig({
    app: resolve('test/cluster/fixtures/cluster-test-app.ts'),
    servers: [
      // RPC port 0: each worker binds a free one (nothing here calls into the gateways).
      { id: 'gate1', type: 'gateway', port: 0, ws: await freePort(), workers: 2 },
      { id: 'chat1', type: 'chat', port: await freePort(), services: ['chat', 'probe'] },
    ],
  });
  procs.push(await startServer(config, 'chat1'));
  const gate = await startServer(config, 'gate1');
  procs.push(gate);
  for (let i = 0; i < 100 && (gate.output.match(/"server started"/g) ?? []).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
  const frontends = new Set<string>();
  for (let i = 0; i < 40 && frontends.size < 2; i++) {
    const c = await connect(`ws://127.0.0.1:${gate.ws}/`);
    await c.request('probe.login', { uid: `w${i}` });
    frontends.add(((await c.request('probe.frontend', {})) as { frontendId: string }).frontendId);
    await c.close();
  }
  assert.deepEqual([...frontends].sort(), ['gate1_0', 'gate1_1']);
  assert.equal(await stopServer(gate), 0, 'SIGTERM stops the primary and its workers');
});

test('over TCP pools, with RPC port 0, each worker gets its own port: group adds and broadcasts from the backend reach the right worker', async () => {
  const etcd = await startEtcd();
  etcds.push(etcd);
  const config = writeConfig({
    app: resolve('test/cluster/fixtures/cluster-test-app.ts'),
    discovery: { kind: 'etcd', endpoints: [etcd.endpoint], ttlSec: 10 },
    transport: { kind: 'tcp' },
    servers: [
      { id: 'gate1', type: 'gateway', port: 0, ws: await freePort(), workers: 2 },
      { id: 'chat1', type: 'chat', port: 0, services: ['chat', 'probe'] },
    ],
  });
  procs.push(await startServer(config, 'chat1'));
  const gate = await startServer(config, 'gate1');
  procs.push(gate);
  await until(() => (gate.output.match(/"server started"/g) ?? []).length >= 2, 10_000, 'both workers started');
  const clients: { client: Client; heard: string[]; frontendId: string }[] = [];
  try {
    // At least four sessions on each worker, all in one room.
    for (let i = 0; i < 60 && !(['gate1_0', 'gate1_1'].every((w) => clients.filter((c) => c.frontendId === w).length >= 4)); i++) {
      const client = await connect(`ws://127.0.0.1:${gate.ws}/`);
      const heard: string[] = [];
      client.on('chat.onMessage', (b: { text: string }) => heard.push(b.text));
      const { frontendId } = (await client.request('probe.frontend', {})) as { frontendId: string };
      await client.request('chat.join', { room: 'wk', name: `c${i}` });
      clients.push({ client, heard, frontendId });
    }
    for (const w of ['gate1_0', 'gate1_1']) assert.ok(clients.filter((c) => c.frontendId === w).length >= 4, `four sessions on ${w}`);
    await clients[0]!.client.request('chat.say', { text: 'to all' });
    await until(() => clients.every((c) => c.heard.includes('to all')), 10_000, () => `every member got the broadcast (missing on ${clients.filter((c) => !c.heard.includes('to all')).map((c) => c.frontendId).join(', ')})`);
  } finally {
    await Promise.all(clients.map((c) => c.client.close()));
  }
});
