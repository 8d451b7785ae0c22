/**
 * A gateway that stops gracefully hands its resumable sessions over instead of ending them: two
 * Gateway instances in one process share a resume store (the in-memory session registry); closing
 * the first saves each resumable session with its push number, kicks its client with the reconnect
 * reason, and keeps collecting its pushes into the store; the SDK (reconnect on, both URLs) resumes
 * the same session on the second gateway with every push, in order, none twice. Clients that are
 * not resumable get the ordinary shutdown kick, as before.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { registryResumeStore } from '../../src/app/registry-resume-store.js';
import { connect, type Client } from '../../src/client/index.js';
import { MemorySessionRegistry } from '../../src/cluster/memory-session-registry.js';
import {
  encodeJsonBody,
  Gateway,
  MessageType,
  parseJsonBody,
  RECONNECT_KICK_REASON,
  type Dispatcher,
  type Message,
  type ResumeStore,
  type Session,
} from '../../src/index.js';
import { waitFor } from '../support/apps.js';
import { RawClient } from '../support/pomelo-raw-client.js';

/** Routes answered right here: log in (user, data, group), read the session back. */
function dispatcherFor(gateway: () => Gateway): Dispatcher {
  return {
    isPublic: () => true,
    dispatch(session: Session, msg: Message): void {
      if (msg.type !== MessageType.Request) return;
      const body = (parseJsonBody(msg.body) ?? {}) as { uid?: string; group?: string };
      if (msg.route === 'room.login') {
        session.bind(body.uid!);
        session.set('name', body.uid);
        gateway().group(body.group!).add(session);
        session.respond(msg.id, encodeJsonBody({ sessionId: session.id }));
      } else if (msg.route === 'room.get') {
        const groups = ['lobby'].filter((g) => gateway().group(g).has(session));
        session.respond(msg.id, encodeJsonBody({ id: session.id, uid: session.uid, data: session.data(), groups }));
      }
    },
  };
}

const opened: Gateway[] = [];
const clients: Client[] = [];

async function startGateway(serverId: string, store: ResumeStore | undefined, handoverMs = 5000): Promise<{ gw: Gateway; url: string }> {
  const gw: Gateway = new Gateway(
    {
      serverId,
      ws: { host: '127.0.0.1', port: 0 },
      tcp: { host: '127.0.0.1', port: 0 },
      heartbeatSec: 0,
      resume: { graceMs: 10_000, handoverMs },
    },
    dispatcherFor(() => gw),
    { resumeStore: store },
  );
  const addr = await gw.start();
  opened.push(gw);
  return { gw, url: `ws://127.0.0.1:${addr.ws!.port}/` };
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(opened.splice(0).map((g) => g.close()));
});

const RECONNECT = { initialDelayMs: 20, maxDelayMs: 40 };

function pushTo(session: Session, from: number, to: number): void {
  for (let n = from; n <= to; n++) session.push('room.onPush', { n });
}

test('close() hands a resumable session over: reconnect kick, resumed on another gateway with every push in order', async () => {
  const registry = new MemorySessionRegistry();
  const store = registryResumeStore(registry)!;
  const a = await startGateway('gwa', store);
  const b = await startGateway('gwb', store);
  const ann = await connect([a.url, b.url], { reconnect: RECONNECT });
  clients.push(ann);
  const got: number[] = [];
  ann.on('room.onPush', (body: { n: number }) => got.push(body.n));
  const seen: string[] = [];
  ann.on('kick', (reason) => seen.push(`kick:${reason}`));
  ann.on('disconnect', () => seen.push('disconnect'));
  ann.on('reconnect', () => seen.push('reconnect'));
  ann.on('resume', () => seen.push('resume'));
  ann.on('resync', (reason) => seen.push(`resync:${reason}`));

  await ann.request('room.login', { uid: 'ann', group: 'lobby' });
  const onA = a.gw.sessionOfUser('ann')!;
  pushTo(onA, 1, 3);
  assert.ok(await waitFor(() => got.length === 3), `before: ${got.join(',')}`);

  // Not awaited: the session is handed over at once (before close() first waits), so the pushes
  // made now go to its replay buffer and from there into the store, not to the closing socket.
  const closing = a.gw.close();
  pushTo(onA, 4, 6);
  a.gw.group('lobby').broadcast('room.onPush', { n: 7 });

  assert.ok(await waitFor(() => seen.includes('resume'), 10_000), `events: ${seen.join(', ')}`);
  assert.deepEqual(seen, ['disconnect', 'reconnect', 'resume']);
  assert.equal(ann.url, b.url, 'moved to the other gateway');

  // The same user, data and group, now held by gateway B.
  const onB = b.gw.sessionOfUser('ann');
  assert.ok(onB, 'gateway B holds the user');
  assert.equal(onB.id, ann.sessionId);
  const state = (await ann.request('room.get', {})) as { id: string; uid: string; data: Record<string, unknown>; groups: string[] };
  assert.match(state.id, /^gwb-/);
  assert.equal(state.uid, 'ann');
  assert.deepEqual(state.data, { name: 'ann' });
  assert.deepEqual(state.groups, ['lobby']);

  // After the handover: a push to the session and a broadcast to its group, on gateway B.
  pushTo(onB, 8, 9);
  b.gw.group('lobby').broadcast('room.onPush', { n: 10 });
  assert.ok(await waitFor(() => got.length >= 10), `after: ${got.join(',')}`);
  assert.deepEqual(got, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

  await closing;
  assert.equal(a.gw.sessionOfUser('ann'), undefined, 'gateway A let the session go');
  assert.equal(a.gw.stats.connections, 0);
});

test('close() with a store: clients that are not resumable get the ordinary shutdown kick; the wire says the reconnect reason to pomelo clients that asked', async () => {
  const store = registryResumeStore(new MemorySessionRegistry())!;
  const a = await startGateway('gwc', store, 200); // the raw client never comes back for its session
  const plainSdk = await connect(a.url); // no reconnect: does not ask for resume
  clients.push(plainSdk);
  const sdkKicks: string[] = [];
  const sdkClosed = new Promise<void>((r) => plainSdk.on('close', () => r()));
  plainSdk.on('kick', (reason) => sdkKicks.push(reason));
  const port = Number(new URL(a.url).port);
  const plainRaw = await RawClient.ws(`ws://127.0.0.1:${port}/`);
  await plainRaw.open({}, { type: 'raw-test', version: '0.0.1' });
  const resumableRaw = await RawClient.ws(`ws://127.0.0.1:${port}/`);
  await resumableRaw.open({}, { type: 'raw-test', version: '0.0.1', resume: true });

  await a.gw.close();
  await Promise.all([plainRaw.closed, resumableRaw.closed, sdkClosed]);
  assert.deepEqual(plainRaw.kicks, [{ reason: 'server shutting down' }]);
  assert.deepEqual(resumableRaw.kicks, [{ reason: RECONNECT_KICK_REASON }]);
  assert.deepEqual(sdkKicks, ['server shutting down']);
});

test('close() without a shared store ends resumable sessions as before: the SDK is kicked and does not reconnect', async () => {
  const a = await startGateway('gwd', undefined);
  const b = await startGateway('gwe', undefined);
  const bob = await connect([a.url, b.url], { reconnect: RECONNECT });
  clients.push(bob);
  const seen: string[] = [];
  bob.on('kick', (reason) => seen.push(`kick:${reason}`));
  bob.on('disconnect', () => seen.push('disconnect'));
  const closed = new Promise<void>((r) => bob.on('close', () => r()));
  await bob.request('room.login', { uid: 'bob', group: 'lobby' });
  await a.gw.close();
  await closed;
  assert.deepEqual(seen, ['kick:server shutting down']);
  assert.equal(b.gw.stats.connectionsTotal, 0, 'never went to the other gateway');
});

test('a handed-over session nobody takes stays in the store after close() gives up, for its client to take later', async () => {
  const registry = new MemorySessionRegistry();
  const store = registryResumeStore(registry)!;
  const { gw, url } = await startGateway('gwf', store, 50);
  const raw = await RawClient.ws(url);
  await raw.open({}, { type: 'raw-test', version: '0.0.1', resume: true });
  await raw.request('room.login', { uid: 'cid', group: 'lobby' });
  const token = (raw.handshake!.sys as { resume: { token: string } }).resume.token;
  const session = gw.sessionOfUser('cid')!;
  const closing = gw.close();
  pushTo(session, 1, 2);
  await closing;
  await raw.closed;
  assert.equal(gw.sessionOfUser('cid'), undefined);
  const kept = await registry.takeResumable(token);
  assert.ok(kept, 'still in the store');
  assert.equal(kept.uid, 'cid');
  assert.deepEqual(kept.groups, ['lobby']);
  assert.equal(kept.seq, 2);
  assert.deepEqual(
    kept.pushes?.map((p) => p.length > 0),
    [true, true],
  );
});
