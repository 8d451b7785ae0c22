/**
 * A gateway with `workers: 2` runs two processes sharing its client port (node:cluster); each is
 * its own server (`gate1_0`, `gate1_1`) forwarding to the same backend.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, test } from 'node:test';
import { connect } from '../../src/client/index.js';
import { startServer, stopServer, writeConfig, type ServerProc } from '../support/cluster-procs.js';
import { freePort } from '../support/services.js';

const procs: ServerProc[] = [];
after(async () => {
  await Promise.all(procs.map((p) => stopServer(p)));
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
