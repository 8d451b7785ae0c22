/**
 * Servers started from one config entry with `allocateId`: each process claims the first free id
 * in etcd (`chat1`, `chat2`, ...), registers under it, and frees it when it stops.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, test } from 'node:test';
import { connect } from '../../src/client/index.js';
import { startServer, stopServer, writeConfig, type ServerProc } from '../support/cluster-procs.js';
import { freePort, startEtcd, type EtcdService } from '../support/services.js';

let etcd: EtcdService | undefined;
const procs: ServerProc[] = [];
after(async () => {
  await Promise.all(procs.map((p) => stopServer(p)));
  await etcd?.stop();
});

const idOf = (p: ServerProc): string => /"server":"(chat\d+)"[^\n]*"server started"/.exec(p.output)?.[1] ?? '';

test('each process of an allocating server takes the next free id; a stopped one frees it', async () => {
  etcd = await startEtcd();
  const config = writeConfig({
    app: resolve('test/cluster/fixtures/cluster-test-app.ts'),
    discovery: { kind: 'etcd', endpoints: [etcd.endpoint], ttlSec: 2 },
    servers: [
      { id: 'gate1', type: 'gateway', ws: await freePort() },
      { id: 'chat', type: 'chat', services: ['chat', 'probe'], allocateId: true },
    ],
  });
  const a = await startServer(config, 'chat');
  const b = await startServer(config, 'chat');
  procs.push(a, b);
  assert.deepEqual([idOf(a), idOf(b)].sort(), ['chat1', 'chat2']);
  const gate = await startServer(config, 'gate1');
  procs.push(gate);
  const seen = new Set<string>();
  for (let i = 0; i < 30 && seen.size < 2; i++) {
    const c = await connect(`ws://127.0.0.1:${gate.ws}/`);
    seen.add(((await c.request('probe.whoami', {})) as { server: string }).server);
    await c.close();
  }
  assert.deepEqual([...seen].sort(), ['chat1', 'chat2'], 'both registered under their ids and serve');
  const first = idOf(a) === 'chat1' ? a : b;
  assert.equal(await stopServer(first), 0);
  const c = await startServer(config, 'chat');
  procs.push(c);
  assert.equal(idOf(c), 'chat1', 'the freed id is taken again');
});
