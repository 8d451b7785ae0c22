/**
 * The SDK resumes its session on its own when `reconnect` is on and the gateway offers resume: a
 * connection dropped by the network (a relay cut between client and gateway) comes back with the
 * same session and every push, in order, none twice; when that is impossible it says so.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect, type Client } from '../../src/client/index.js';
import type { Application, HandlerContext } from '../../src/index.js';
import { sleep, startTestApp, waitFor } from '../support/apps.js';
import { freePort } from '../support/services.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const GRACE_MS = 500;
const REPLAY_LIMIT = 8;

let app: Application;
let tcpPort: number;
let proxy: TcpProxy;
const closed = new Map<string, string>();

before(async () => {
  ({ app, tcpPort } = await startTestApp(
    (a) =>
      a.handler('room', {
        login(body: { uid: string }, ctx: HandlerContext) {
          ctx.session.bind(body.uid);
          ctx.session.set('joined', true);
          ctx.session.onClose((s, reason) => closed.set(s.id, reason));
          return { sessionId: ctx.session.id };
        },
        whoami: (_b: unknown, ctx: HandlerContext) => ({ id: ctx.session.id, uid: ctx.session.uid, joined: ctx.session.get('joined') ?? false }),
      }),
    { serverId: 'sdkres', resume: { graceMs: GRACE_MS, replayLimit: REPLAY_LIMIT } },
  ));
  proxy = await TcpProxy.start(tcpPort);
});
after(async () => {
  await proxy.close();
  await app.stop();
});

const RECONNECT = { initialDelayMs: 20, maxDelayMs: 40 };

function collect(client: Client): number[] {
  const got: number[] = [];
  client.on('room.onPush', (body: { n: number }) => got.push(body.n));
  return got;
}

function events(client: Client): string[] {
  const seen: string[] = [];
  client.on('disconnect', () => seen.push('disconnect'));
  client.on('reconnect', () => seen.push('reconnect'));
  client.on('resume', (id) => seen.push(`resume:${id}`));
  client.on('resync', (reason) => seen.push(`resync:${reason}`));
  return seen;
}

const push = (sid: string, from: number, to: number): void => {
  for (let n = from; n <= to; n++) app.pushToSession(sid, 'room.onPush', { n });
};

test('a dropped connection resumes by itself: same session, and every push in order, none twice', async () => {
  const client = await connect(`tcp://127.0.0.1:${proxy.port}`, { reconnect: RECONNECT });
  const got = collect(client);
  const seen = events(client);
  const { sessionId } = await client.request<{ sessionId: string }>('room.login', { uid: 'dora' });
  assert.equal(client.sessionId, sessionId);
  push(sessionId, 1, 3);
  assert.ok(await waitFor(() => got.length === 3));
  push(sessionId, 4, 5); // possibly still in flight when the network drops
  proxy.cut(true);
  push(sessionId, 6, 7); // sent while the client is away
  await sleep(60);
  push(sessionId, 8, 8);
  proxy.up();
  assert.ok(await waitFor(() => seen.includes(`resume:${sessionId}`)), `events: ${seen.join(', ')}`);
  push(sessionId, 9, 10);
  assert.ok(await waitFor(() => got.length >= 10));
  await sleep(30);
  assert.deepEqual(got, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(seen.slice(-2), ['reconnect', `resume:${sessionId}`]);
  assert.deepEqual(await client.request('room.whoami'), { id: sessionId, uid: 'dora', joined: true });
  assert.equal(closed.has(sessionId), false);
  await client.close();
});

test('close() says goodbye: the gateway ends the session at once instead of keeping it', async () => {
  const client = await connect(`tcp://127.0.0.1:${proxy.port}`, { reconnect: RECONNECT });
  const { sessionId } = await client.request<{ sessionId: string }>('room.login', { uid: 'ed' });
  await client.close();
  assert.ok(await waitFor(() => closed.get(sessionId) === 'connection closed by peer'));
  assert.equal(app.gateway.stats.parked, 0);
});

test('away longer than the replay buffer holds: resync, with the session (user, data) back', async () => {
  const client = await connect(`tcp://127.0.0.1:${proxy.port}`, { reconnect: RECONNECT });
  const got = collect(client);
  const seen = events(client);
  const { sessionId } = await client.request<{ sessionId: string }>('room.login', { uid: 'flo' });
  proxy.cut(true);
  await sleep(20);
  push(sessionId, 1, REPLAY_LIMIT + 2);
  proxy.up();
  assert.ok(await waitFor(() => seen.includes('resync:resync')), `events: ${seen.join(', ')}`);
  assert.equal(client.sessionId, sessionId);
  assert.deepEqual(await client.request('room.whoami'), { id: sessionId, uid: 'flo', joined: true });
  push(sessionId, 100, 101);
  assert.ok(await waitFor(() => got.length === 2));
  assert.deepEqual(got, [100, 101], 'only what came after the resync');
  await client.close();
});

test('away longer than the grace period: a new session, and resync("expired")', async () => {
  const client = await connect(`tcp://127.0.0.1:${proxy.port}`, { reconnect: RECONNECT });
  const seen = events(client);
  const { sessionId } = await client.request<{ sessionId: string }>('room.login', { uid: 'gus' });
  proxy.cut(true);
  assert.ok(await waitFor(() => closed.get(sessionId) === 'resume timeout', GRACE_MS * 6));
  proxy.up();
  assert.ok(await waitFor(() => seen.includes('resync:expired')), `events: ${seen.join(', ')}`);
  assert.notEqual(client.sessionId, sessionId);
  assert.deepEqual(await client.request('room.whoami'), { id: client.sessionId, joined: false });
  await client.close();
});

test('without reconnect the SDK does not ask for resume: a drop ends the session at once', async () => {
  const client = await connect(`tcp://127.0.0.1:${proxy.port}`);
  const { sessionId } = await client.request<{ sessionId: string }>('room.login', { uid: 'hal' });
  assert.equal(client.sessionId, undefined);
  proxy.cut();
  assert.ok(await waitFor(() => closed.get(sessionId) === 'connection closed by peer'));
  await client.close();
});

test('given several URLs, connect() takes the first that answers', async () => {
  const urls = [`tcp://127.0.0.1:${await freePort()}`, `tcp://127.0.0.1:${proxy.port}`];
  const client = await connect(urls);
  assert.equal(client.url, urls[1]);
  assert.deepEqual(client.urls, urls);
  await client.close();
});
