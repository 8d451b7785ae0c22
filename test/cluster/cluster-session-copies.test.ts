/**
 * A backend's copies of sessions when close notices cannot reach it (real etcd with 2 s leases, TCP
 * pools or NATS, real `yard start` processes): a backend paused past its lease misses a session's
 * close and closes its copy once it is back; a restarted gateway's old sessions are closed
 * (`gatewayGoneMs` after the restart is seen), and its new ones (whose ids differ from the old
 * ones) do not see the old sessions' data; a gateway killed for good has its sessions' copies
 * closed after `sessionCopies.gatewayGoneMs`.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, test } from 'node:test';
import { connect, type Client } from '../../src/client/index.js';
import { RpcError } from '../../src/index.js';
import { startServer, stopServer, writeConfig, type ServerProc } from '../support/cluster-procs.js';
import { until } from '../support/poll.js';
import { freePort, startEtcd, startNats, type EtcdService, type NatsService } from '../support/services.js';

const etcds: EtcdService[] = [];
const natses: NatsService[] = [];
const procs: ServerProc[] = [];
const clients: Client[] = [];

after(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  for (const p of procs) p.child.kill('SIGCONT');
  await Promise.all(procs.map((p) => stopServer(p)));
  await Promise.all([...etcds, ...natses].map((e) => e.stop()));
});

interface ClusterOptions {
  /** Default TCP pools. */
  transport?: object;
  /** The etcd lease TTL: how long a killed server stays listed. Default 2 s. */
  ttlSec?: number;
  /** More config fields. */
  extra?: object;
}

/** Starts etcd and writes a config of `gateways` and backend chat1 (services chat, probe). */
async function cluster(gateways: string[], sessionCopies: object, options: ClusterOptions = {}): Promise<string> {
  const { transport = { kind: 'tcp', poolSize: 2 }, ttlSec = 2, extra = {} } = options;
  const etcd = await startEtcd();
  etcds.push(etcd);
  const servers: object[] = [{ id: 'chat1', type: 'chat', services: ['chat', 'probe'] }];
  for (const id of gateways) servers.push({ id, type: 'gateway', ws: await freePort() });
  return writeConfig({
    app: resolve('test/cluster/fixtures/cluster-test-app.ts'),
    discovery: { kind: 'etcd', endpoints: [etcd.endpoint], ttlSec },
    transport,
    sessionCopies,
    servers,
    ...extra,
  });
}

async function start(configFile: string, id: string): Promise<ServerProc> {
  const p = await startServer(configFile, id);
  procs.push(p);
  return p;
}

async function client(gate: ServerProc): Promise<Client> {
  const c = await connect(`ws://127.0.0.1:${gate.ws}/`);
  clients.push(c);
  return c;
}

type Closed = { server: string; closed: Record<string, string> };

/** Which sessions' copies on chat1 ran their `watchClose` hook, asked through `via`. */
async function closedOnBackend(via: Client): Promise<Record<string, string>> {
  const r = (await via.request('probe.closedCopies', {}, { timeoutMs: 2000 })) as Closed;
  assert.equal(r.server, 'chat1');
  return r.closed;
}

/** Waits (20 s at most) until chat1 has closed the copy of session `sid`; answers every closed copy, as {@link closedOnBackend}. */
async function waitClosedOnBackend(via: Client, sid: string, what: string): Promise<Record<string, string>> {
  let closed: Record<string, string> = {};
  await until(
    async () => {
      closed = await closedOnBackend(via);
      return sid in closed;
    },
    20_000,
    what,
    100,
  );
  return closed;
}

/** Has chat1 hold a copy of `c`'s session with a close hook; answers the session id. */
async function watched(c: Client): Promise<string> {
  const r = (await c.request('probe.watchClose', {}, { timeoutMs: 5000 })) as { id: string; server: string };
  assert.equal(r.server, 'chat1');
  return r.id;
}

/**
 * The backend paused past its lease while a session it serves closes (no periodic check: only its
 * return may set it right). The gateway holds the close notice for a server not in its membership
 * for `systemMessages.holdMs` (1 s here), then drops it; the backend stays paused past that.
 */
async function pausedBackend(transport?: object): Promise<void> {
  const configFile = await cluster(['gate1'], { gatewayGoneMs: 60_000, checkIntervalMs: 0 }, { transport, extra: { systemMessages: { holdMs: 1000 } } });
  const chat1 = await start(configFile, 'chat1');
  const gate1 = await start(configFile, 'gate1');
  const victim = await client(gate1);
  const keeper = await client(gate1);
  const victimSid = await watched(victim);
  const keeperSid = await watched(keeper);

  chat1.child.kill('SIGSTOP');
  // The gateway drops chat1 once its lease lapses: a new request then finds no server for `probe`.
  const prober = await client(gate1);
  await until(
    () => prober.request('probe.whoami', {}, { timeoutMs: 300 }).then(() => false, (e: RpcError) => e.code === 'not_found'),
    15_000,
    'the gateway dropped the paused backend',
    100,
  );
  await victim.close();
  await until(
    async () => gate1.output.split('\n').some((l) => l.includes('system message to an unknown server dropped') && l.includes('__yard.be.closed') && l.includes('"reason":"expired"')),
    5000,
    'the close notice to the paused backend was held, then dropped',
    100,
  );

  chat1.child.kill('SIGCONT');
  const closed = await waitClosedOnBackend(keeper, victimSid, "the backend ran the close hook of the session that closed while it was away");
  assert.equal(closed[victimSid], 'session closed while away');
  assert.ok(!(keeperSid in closed), 'the copy of a session still open is kept');
  assert.equal(await watched(keeper), keeperSid, 'the open session is still served');
  assert.ok(chat1.output.includes('closed copies of sessions their gateway no longer holds'));
}

test('a backend out of the membership when a session closes closes its copy once it is back (TCP pools)', () => pausedBackend());

test('the same over NATS', async () => {
  const nats = await startNats();
  natses.push(nats);
  await pausedBackend({ kind: 'nats', servers: nats.url });
});

test('a gateway restarted: the old sessions’ copies are closed, and a new session (a new id) does not see their data', async (t) => {
  // The copies of the earlier process's sessions are closed gatewayGoneMs after the restart is seen.
  // The killed process stays listed for its lease's 60 s, so the restart (its new registration, or
  // the new process's first call) is seen before the gateway could ever be taken as gone
  // (gatewayGoneMs after it left the membership), however long the restart takes.
  const configFile = await cluster(['gate1'], { gatewayGoneMs: 1000, checkIntervalMs: 0 }, { ttlSec: 60 });
  const chat1 = await start(configFile, 'chat1');
  let gate1 = await start(configFile, 'gate1');
  const old = await client(gate1);
  assert.equal(((await old.request('probe.login', { uid: 'alice' })) as { server: string }).server, 'chat1');
  const oldSid = await watched(old);

  await stopServer(gate1, 'SIGKILL');
  gate1 = await start(configFile, 'gate1');
  const fresh = await client(gate1);
  const seen = (await fresh.request('probe.session', {}, { timeoutMs: 5000 })) as { id: string; uid?: string };
  t.diagnostic(`old session ${oldSid}, new session ${seen.id}`);
  assert.notEqual(seen.id, oldSid, 'session ids do not repeat across restarts');
  assert.equal(seen.uid, undefined, 'the new session is not logged in as the old one');
  const closed = await waitClosedOnBackend(fresh, oldSid, "the backend closed the killed gateway's session");
  assert.equal(closed[oldSid], 'gateway restarted');
  assert.ok(chat1.child.exitCode === null);
});

test('a gateway killed for good: its sessions’ copies are closed after gatewayGoneMs', async () => {
  const configFile = await cluster(['gate1', 'gate2'], { gatewayGoneMs: 1000, checkIntervalMs: 0 });
  await start(configFile, 'chat1');
  const [gate1, gate2] = await Promise.all([start(configFile, 'gate1'), start(configFile, 'gate2')]);
  const onGone = await client(gate2);
  const onLive = await client(gate1);
  const goneSid = await watched(onGone);
  const liveSid = await watched(onLive);

  await stopServer(gate2, 'SIGKILL');
  const closed = await waitClosedOnBackend(onLive, goneSid, "the backend closed the dead gateway's session");
  assert.equal(closed[goneSid], 'gateway gone');
  assert.ok(!(liveSid in closed), 'sessions of the other gateway are kept');
});
