/**
 * Backends leaving a running cluster (etcd discovery with a 2 s lease, TCP pools): one SIGKILLed
 * under load, one stopped with SIGTERM under load while another of its type runs.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { connect, type Client } from '../../src/client/index.js';
import { RpcError } from '../../src/index.js';
import { startServer, stopServer, writeConfig, type ServerProc } from '../support/cluster-procs.js';
import { freePort, startEtcd, type EtcdService } from '../support/services.js';

let etcd: EtcdService;
let configFile: string;
let gate: ServerProc;
const procs: ServerProc[] = [];

before(async () => {
  etcd = await startEtcd();
  configFile = writeConfig({
    app: resolve('test/cluster/fixtures/cluster-test-app.ts'),
    discovery: { kind: 'etcd', endpoints: [etcd.endpoint], ttlSec: 2 },
    transport: { kind: 'tcp', poolSize: 4 },
    servers: [
      { id: 'gate1', type: 'gateway', ws: await freePort() },
      { id: 'chat1', type: 'chat', services: ['chat', 'probe'] },
      { id: 'chat2', type: 'chat', services: ['chat', 'probe'] },
      { id: 'chat3', type: 'chat', services: ['chat', 'probe'] },
    ],
  });
  procs.push(...(await Promise.all(['chat1', 'chat2', 'chat3'].map((id) => startServer(configFile, id)))));
  gate = await startServer(configFile, 'gate1');
  procs.push(gate);
});

after(async () => {
  await Promise.all(procs.map((p) => stopServer(p)));
  await etcd?.stop();
});

/** Connects clients until each of `servers` serves at least `perServer` of them. */
async function clientsOn(servers: string[], perServer: number): Promise<Map<string, Client[]>> {
  const by = new Map<string, Client[]>(servers.map((s) => [s, []]));
  for (let i = 0; i < 400 && [...by.values()].some((l) => l.length < perServer); i++) {
    const c = await connect(`ws://127.0.0.1:${gate.ws}/`);
    const { server } = (await c.request('probe.whoami', {})) as { server: string };
    const list = by.get(server);
    if (list && list.length < perServer) list.push(c);
    else await c.close();
  }
  return by;
}

test('a backend killed with SIGKILL: in-flight requests get error responses, the others are unaffected, its sessions move once its lease lapses', async () => {
  const by = await clientsOn(['chat1', 'chat2'], 5);
  const onVictim = by.get('chat1')!;
  const onSurvivor = by.get('chat2')!;
  assert.equal(onVictim.length, 5);
  // A client deadline far past the test's: every outcome below is an answer from the cluster, not the client giving up.
  const inFlight = onVictim.map((c) => c.request('probe.slow', { ms: 5000 }, { timeoutMs: 600_000 }).then(() => 'ok', (e: RpcError) => e));
  await new Promise((r) => setTimeout(r, 200));
  const victim = procs.find((p) => p.id === 'chat1')!;
  await stopServer(victim, 'SIGKILL');
  for (const outcome of await Promise.all(inFlight)) {
    assert.ok(outcome instanceof RpcError, 'an error response, not silence or success');
    assert.ok(['unavailable', 'deadline_exceeded'].includes(outcome.code), outcome.code);
    assert.doesNotMatch(outcome.message, /no response within/, 'answered by the cluster (at the latest at its forwarding deadline), not timed out by the client');
  }
  for (const c of onSurvivor) assert.equal(((await c.request('probe.whoami', {})) as { server: string }).server, 'chat2');
  // Once the lease lapses (2 s TTL) the router stops choosing chat1: its sessions are served elsewhere.
  const moved = async (): Promise<boolean> => {
    for (const c of onVictim) {
      const r = await c.request('probe.whoami', {}).catch(() => undefined);
      if (!r || (r as { server: string }).server === 'chat1') return false;
    }
    return true;
  };
  let ok = false;
  for (let i = 0; i < 50 && !ok; i++) {
    ok = await moved();
    if (!ok) await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(ok, 'sessions of the killed backend are served by the others');
  for (const list of by.values()) for (const c of list) await c.close();
});

test('SIGTERM on a backend under load while another of its type runs: zero failed requests', async () => {
  const by = await clientsOn(['chat2', 'chat3'], 10);
  const clients = [...by.values()].flat();
  let failed = 0;
  let answered = 0;
  let running = true;
  const loops = clients.map(async (c) => {
    for (let n = 0; running && n < 100_000; n++) {
      try {
        await c.request('probe.slow', { ms: 5 });
        answered++;
      } catch {
        failed++;
      }
    }
  });
  await new Promise((r) => setTimeout(r, 500));
  const target = procs.find((p) => p.id === 'chat3')!;
  const code = await stopServer(target, 'SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  running = false;
  await Promise.all(loops);
  assert.equal(code, 0, 'the backend exited cleanly');
  assert.ok(answered > 100, `answered ${answered}`);
  assert.equal(failed, 0, `${failed} requests failed during the graceful stop`);
  for (const c of clients) await c.close();
});
