/**
 * A session that moves to another gateway keeps its copy on the backend (etcd with 2 s leases, NATS,
 * Redis, real `yard start` processes, `gatewayGoneMs` 1 s): after its gateway is SIGKILLed, and
 * after its gateway hands it over on SIGTERM, the client resumes on the other gateway under a new
 * session id; the backend re-keys its copy (told by the new gateway, or by the next forwarded call),
 * so once the old gateway has been gone `gatewayGoneMs` the copy's close hook has not run, nobody in
 * the room is told the user left, and the next request sees the same copy (a note kept on it).
 * When the session really ends on the new gateway, the backend is told and the hook runs. The same
 * when the session comes back to a restarted process of its own gateway.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { Redis } from 'ioredis';
import { connect, type Client } from '../../src/client/index.js';
import { waitFor } from '../support/apps.js';
import { stopServer } from '../support/cluster-procs.js';
import { until } from '../support/poll.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { startResumeCluster, storedSnapshots, type ResumeCluster } from './resume-cluster.js';

let cluster: ResumeCluster | undefined;
const clients: Client[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => undefined);
  await cluster?.stop();
  cluster = undefined;
});

type Closed = { server: string; closed: Record<string, string> };

/** Which sessions' copies on chat1 ran their `watchClose` hook (with the reason), asked through `via`. */
async function closedOnBackend(via: Client): Promise<Record<string, string>> {
  const r = (await via.request('probe.closedCopies', {}, { timeoutMs: 2000 })) as Closed;
  assert.equal(r.server, 'chat1');
  return r.closed;
}

async function client(urls: string | string[], reconnect: boolean): Promise<Client> {
  const c = await connect(urls, reconnect ? { reconnect: { initialDelayMs: 50, maxDelayMs: 200 } } : {});
  clients.push(c);
  return c;
}

/** Logs `c` in as `uid`, joins room den, has chat1 watch its copy's close and keep a note on it; answers the session id. */
async function settle(c: Client, uid: string): Promise<string> {
  await c.request('probe.login', { uid });
  await c.request('chat.join', { room: 'den', name: uid });
  const { id } = (await c.request('probe.watchClose', {})) as { id: string };
  await c.request('probe.remember', { note: `note of ${uid}` });
  return id;
}

/**
 * Runs one move: zoe (resumable, both gateways' URLs) is moved off gateway A by `fault`; `control`
 * is a session whose copy stays with gateway A, closed `gateway gone` once gateway A has been away
 * `gatewayGoneMs`, which tells the test the copies of gateway A's sessions have been dealt with.
 */
async function moveOff(signal: 'SIGKILL' | 'SIGTERM', expected: 'resync' | 'resume'): Promise<void> {
  cluster = await startResumeCluster({
    resume: { graceMs: 10_000, handoverMs: 2000 },
    sessionCopies: { gatewayGoneMs: 1000, checkIntervalMs: 0 },
  });
  const { gateA, gateB, redis } = cluster;
  const raw = new Redis(redis.url);
  try {
    const zoe = await client([`ws://127.0.0.1:${gateA.ws}/`, `ws://127.0.0.1:${gateB.ws}/`], true);
    const yan = await client(`tcp://127.0.0.1:${gateB.tcp}`, false);
    // On SIGKILL a session that is not resumable stays with the dead gateway; on SIGTERM one that is
    // resumable but can only come back to gateway A is handed over and never taken.
    const control = await client(`ws://127.0.0.1:${gateA.ws}/`, signal === 'SIGTERM');
    const oldSid = await settle(zoe, 'zoe');
    await settle(yan, 'yan');
    const controlSid = await settle(control, 'ctl');
    assert.match(oldSid, /^gateA-/);
    const left: unknown[] = [];
    yan.on('chat.onLeave', (body: unknown) => left.push(body));
    // Gateway A's snapshot of zoe lists chat1 as holding a copy.
    await until(
      async () => (await storedSnapshots(raw)).get('zoe')?.servedBy?.includes('chat1') === true,
      3000,
      'the snapshot names the backends that served the session',
    );
    assert.equal((await storedSnapshots(raw)).get('zoe')?.sessionId, oldSid);

    const events: string[] = [];
    zoe.on('resync', (reason) => events.push(`resync:${reason}`));
    zoe.on('resume', () => events.push('resume'));
    await stopServer(gateA, signal);
    const want = expected === 'resume' ? 'resume' : 'resync:resync';
    assert.ok(await waitFor(() => events.includes(want), 15_000), `events: ${events.join(', ')}`);
    assert.equal(zoe.url, `ws://127.0.0.1:${gateB.ws}/`);

    // Gateway A has been gone gatewayGoneMs once the control session's copy is closed.
    let closed: Record<string, string> = {};
    await until(
      async () => controlSid in (closed = await closedOnBackend(yan)),
      20_000,
      () => `the control session's copy was closed: ${JSON.stringify(closed)}`,
    );
    assert.equal(closed[controlSid], 'gateway gone');
    const now = (await zoe.request('probe.recall', {})) as { id: string; note?: string; server: string };
    assert.match(now.id, /^gateB-/);
    assert.notEqual(now.id, oldSid);
    assert.deepEqual([now.note, now.server], ['note of zoe', 'chat1'], 'the same copy serves the moved session');
    closed = await closedOnBackend(yan);
    assert.ok(!(oldSid in closed) && !(now.id in closed), `zoe's copy ran no close hook: ${JSON.stringify(closed)}`);
    const seen = (await zoe.request('probe.session', {})) as { uid: string; data: Record<string, unknown> };
    assert.deepEqual([seen.uid, seen.data.room, seen.data.name], ['zoe', 'den', 'zoe']);
    assert.deepEqual(left.filter((b) => (b as { name?: string }).name === 'zoe'), [], 'nobody was told zoe left');

    // The session ends on gateway B: chat1 is told, and the hook of the copy runs now.
    await zoe.close();
    await until(async () => now.id in (closed = await closedOnBackend(yan)), 10_000, 'the moved copy closes with the session');
    assert.ok(await waitFor(() => left.some((b) => (b as { name?: string }).name === 'zoe'), 5000), 'the room is told zoe left when she does');
  } finally {
    raw.disconnect();
  }
}

test('gateway A SIGKILLed and started again: the restarted process takes the session, and the copy follows it', async () => {
  cluster = await startResumeCluster({ resume: { graceMs: 10_000 }, sessionCopies: { gatewayGoneMs: 3000, checkIntervalMs: 0 } });
  const { gateA, gateB, chat, redis } = cluster;
  const raw = new Redis(redis.url);
  // Zoe reaches gateway A through a relay, held shut after the kill until the backend has seen the restart.
  const relay = await TcpProxy.start(gateA.ws!);
  try {
    const zoe = await client(`ws://127.0.0.1:${relay.port}/`, true);
    const yan = await client(`tcp://127.0.0.1:${gateB.tcp}`, false);
    const control = await client(`ws://127.0.0.1:${gateA.ws}/`, false);
    const oldSid = await settle(zoe, 'zoe');
    await settle(yan, 'yan');
    const controlSid = await settle(control, 'ctl');
    await until(async () => (await storedSnapshots(raw)).get('zoe')?.servedBy?.includes('chat1') === true, 3000, 'the snapshot names chat1 as holding a copy');
    const events: string[] = [];
    zoe.on('resync', (reason) => events.push(`resync:${reason}`));
    await stopServer(gateA, 'SIGKILL');
    relay.cut(true);
    const restarted = await cluster.start('gateA');
    // A client of the new process: its first forwarded call tells chat1 that gateway A restarted.
    const fresh = await client(`ws://127.0.0.1:${restarted.ws}/`, false);
    await fresh.request('probe.whoami', {});
    assert.ok(
      await waitFor(() => chat.output.includes('closing the copies of its earlier sessions unless they move'), 10_000),
      'chat1 checked its copies with the restarted gateway',
    );
    relay.up();
    assert.ok(await waitFor(() => events.includes('resync:resync'), 15_000), `events: ${events.join(', ')}`);
    const now = (await zoe.request('probe.recall', {})) as { id: string; note?: string };
    assert.match(now.id, /^gateA-/);
    assert.notEqual(now.id, oldSid);
    assert.equal(now.note, 'note of zoe', 'the same copy serves the session in the new process');
    // The earlier process's other sessions are closed gatewayGoneMs after the restart was seen; zoe's copy moved.
    let closed: Record<string, string> = {};
    await until(async () => controlSid in (closed = await closedOnBackend(yan)), 20_000, () => `the control session's copy was closed: ${JSON.stringify(closed)}`);
    assert.equal(closed[controlSid], 'gateway restarted');
    assert.ok(!(oldSid in closed) && !(now.id in closed), `zoe's copy ran no close hook: ${JSON.stringify(closed)}`);
    assert.equal(((await zoe.request('probe.recall', {})) as { note?: string }).note, 'note of zoe');
  } finally {
    raw.disconnect();
    await relay.close();
  }
});

test('gateway A SIGKILLed: the session resumed on gateway B keeps its copy on the backend past gatewayGoneMs', () => moveOff('SIGKILL', 'resync'));

test('gateway A stopped (SIGTERM, handover): the session resumed on gateway B keeps its copy past gatewayGoneMs', () => moveOff('SIGTERM', 'resume'));
