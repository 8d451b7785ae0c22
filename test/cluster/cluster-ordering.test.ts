/**
 * Ordering across processes: 200 sessions × 500 requests each, sent without waiting, through a
 * gateway to 2 backends, over TCP pools (poolNums 16) and over NATS. Every reply must come back in
 * order and every handler must have seen its session's requests in order.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { connect } from '../../src/client/index.js';
import { startServer, stopServer, writeConfig, type ServerProc } from '../support/cluster-procs.js';
import { freePort, startNats, type NatsService } from '../support/services.js';

const SESSIONS = 200;
const REQUESTS = 500;

async function runLoad(gateway: ServerProc): Promise<void> {
  const clients = await Promise.all(Array.from({ length: SESSIONS }, () => connect(`ws://127.0.0.1:${gateway.ws}/`, { timeoutMs: 60_000 })));
  const results = await Promise.all(
    clients.map(async (c) => {
      const replies: { n: number; inOrder: boolean }[] = [];
      const sent: Promise<void>[] = [];
      for (let n = 0; n < REQUESTS; n++) sent.push(c.request('probe.seq', { n }).then((r) => void replies.push(r as { n: number; inOrder: boolean })));
      await Promise.all(sent);
      return replies;
    }),
  );
  let reordered = 0;
  for (const replies of results) {
    replies.forEach((r, i) => {
      if (r.n !== i || !r.inOrder) reordered++;
    });
  }
  assert.equal(results.flat().length, SESSIONS * REQUESTS);
  assert.equal(reordered, 0, 'replies or handler executions out of order');
  await Promise.all(clients.map((c) => c.close()));
}

async function cluster(transport: object): Promise<ServerProc[]> {
  const config = writeConfig({
    app: resolve('test/cluster/fixtures/cluster-test-app.ts'),
    discovery: { kind: 'static' },
    transport,
    servers: [
      { id: 'gate1', type: 'gateway', port: await freePort(), ws: await freePort() },
      { id: 'chat1', type: 'chat', port: await freePort(), services: ['chat', 'probe'] },
      { id: 'chat2', type: 'chat', port: await freePort(), services: ['chat', 'probe'] },
    ],
  });
  const backends = await Promise.all([startServer(config, 'chat1'), startServer(config, 'chat2')]);
  return [await startServer(config, 'gate1'), ...backends];
}

describe('per-session order through the cluster', () => {
  let nats: NatsService | undefined;
  const procs: ServerProc[] = [];
  after(async () => {
    await Promise.all(procs.map((p) => stopServer(p)));
    await nats?.stop();
  });

  test(`TCP pools with poolNums=16: ${SESSIONS} sessions × ${REQUESTS} requests, zero reorderings`, async () => {
    const servers = await cluster({ kind: 'tcp', poolSize: 16 });
    procs.push(...servers);
    await runLoad(servers[0]!);
  });

  test(`NATS: ${SESSIONS} sessions × ${REQUESTS} requests, zero reorderings`, async () => {
    nats = await startNats();
    const servers = await cluster({ kind: 'nats', servers: nats.url });
    procs.push(...servers);
    await runLoad(servers[0]!);
  });
});
