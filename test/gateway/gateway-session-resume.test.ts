/**
 * Resumable sessions on one gateway, over real sockets with an independent pomelo codec: a dropped
 * client comes back with its token within the grace period and gets its session and the pushes it
 * missed; later, or past the replay buffer, it is told so; clients that do not ask see nothing new.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Application, HandlerContext } from '../../src/index.js';
import { sleep, startTestApp, waitFor } from '../support/apps.js';
import { Protocol, RawClient } from '../support/pomelo-raw-client.js';

const GRACE_MS = 400;
const REPLAY_LIMIT = 5;

interface ResumeInfo {
  token: string;
  sessionId: string;
  seq: number;
  ok?: boolean;
  reason?: string;
}

/** Close hooks seen, by session id. */
const closes = new Map<string, string>();

function roomHandler(app: Application): object {
  return {
    login(body: { uid: string }, ctx: HandlerContext) {
      ctx.session.bind(body.uid);
      ctx.session.onClose((s, reason) => closes.set(s.id, reason));
      return { sessionId: ctx.session.id };
    },
    set(body: { key: string; value: unknown }, ctx: HandlerContext) {
      ctx.session.set(body.key, body.value);
      return {};
    },
    get: (_b: unknown, ctx: HandlerContext) => ({ id: ctx.session.id, uid: ctx.session.uid, data: ctx.session.data() }),
    join(body: { group: string }, ctx: HandlerContext) {
      app.group(body.group).add(ctx.session);
      return {};
    },
  };
}

let app: Application;
let wsUrl: string;
let tcpPort: number;

before(async () => {
  ({ app, wsUrl, tcpPort } = await startTestApp((a) => a.handler('room', roomHandler(a)), {
    serverId: 'resume1',
    resume: { graceMs: GRACE_MS, replayLimit: REPLAY_LIMIT },
  }));
});
after(() => app.stop());

const RESUME_SYS = { type: 'raw-test', version: '0.0.1' };

/** A raw client that asked for resume (or to resume with `resume`), handshaken and acked. */
async function openResumable(connect: () => Promise<RawClient>, resume: unknown = true): Promise<{ c: RawClient; info: ResumeInfo }> {
  const c = await connect();
  await c.open({}, { ...RESUME_SYS, resume });
  const info = (c.handshake!.sys as { resume: ResumeInfo }).resume;
  return { c, info };
}

function push(sessionId: string, n: number): void {
  app.pushToSession(sessionId, 'room.onPush', { n });
}

const bodies = (c: RawClient): unknown[] => c.pushes.map((p) => p.body);

/** Says goodbye with a kick packet, which ends a resumable session instead of parking it. */
function bye(c: RawClient): void {
  c.sendRaw(Protocol.Package.encode(5, Protocol.strencode('{}')));
  c.close();
}

const transports = { ws: () => RawClient.ws(wsUrl), tcp: () => RawClient.tcp(tcpPort) };

for (const [name, connect] of Object.entries(transports)) {
  describe(`session resume over ${name}`, () => {
    test('dropped, then back within grace: same session, uid, data and groups; missed pushes in order, none twice', async () => {
      const { c: first, info } = await openResumable(connect);
      assert.equal(typeof info.token, 'string');
      assert.equal(Buffer.from(info.token, 'base64url').length, 16, '128-bit token');
      assert.equal(info.seq, 0);
      const uid = `ann-${name}`;
      const { sessionId } = (await first.request('room.login', { uid })) as { sessionId: string };
      assert.equal(info.sessionId, sessionId);
      await first.request('room.set', { key: 'score', value: 42 });
      await first.request('room.join', { group: `hall-${name}` });
      push(sessionId, 1);
      push(sessionId, 2);
      assert.ok(await waitFor(() => first.pushes.length === 2));

      first.close();
      assert.ok(await waitFor(() => app.gateway.stats.parked === 1), 'the session waits for its client');
      push(sessionId, 3);
      app.group(`hall-${name}`).broadcast('room.onPush', { n: 4 });
      push(sessionId, 5);
      assert.equal(closes.has(sessionId), false, 'close hooks have not run');

      // The client processed push 1 only (push 2 was lost with the socket, say).
      const { c: second, info: back } = await openResumable(connect, { token: info.token, lastSeq: 1 });
      assert.equal(back.ok, true);
      assert.equal(back.sessionId, sessionId);
      assert.equal(back.seq, 1);
      assert.notEqual(back.token, info.token, 'a new token on each resume');
      assert.ok(await waitFor(() => second.pushes.length >= 4));
      await sleep(30);
      assert.deepEqual(bodies(second), [{ n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
      assert.equal(app.gateway.stats.parked, 0);
      assert.deepEqual(await second.request('room.get', {}), { id: sessionId, uid, data: { score: 42 } });
      app.group(`hall-${name}`).broadcast('room.onPush', { n: 6 });
      push(sessionId, 7);
      assert.ok(await waitFor(() => second.pushes.length === 6));
      assert.deepEqual(bodies(second).slice(4), [{ n: 6 }, { n: 7 }]);
      assert.equal(await app.pushToUser(uid, 'room.onPush', { n: 8 }), true, 'the uid binding is back');
      assert.ok(await waitFor(() => second.pushes.length === 7));

      // The old token is spent.
      const { c: third, info: spent } = await openResumable(connect, { token: info.token, lastSeq: 7 });
      assert.deepEqual([spent.ok, spent.reason], [false, 'expired']);
      assert.notEqual(spent.sessionId, sessionId);
      bye(third);
      bye(second);
    });

    test('back after the grace period: expired, a fresh session; the old one closed with its hooks', async () => {
      const { c: first, info } = await openResumable(connect);
      await first.request('room.login', { uid: `bob-${name}` });
      first.close();
      assert.ok(await waitFor(() => closes.get(info.sessionId) === 'resume timeout', GRACE_MS * 5), 'closed with reason resume timeout');
      const { c: second, info: again } = await openResumable(connect, { token: info.token, lastSeq: 0 });
      assert.deepEqual([again.ok, again.reason, again.seq], [false, 'expired', 0]);
      assert.notEqual(again.sessionId, info.sessionId);
      assert.deepEqual(await second.request('room.get', {}), { id: again.sessionId, data: {} });
      bye(second);
    });

    test('more pushes missed than the replay buffer holds: resync, the session back without them', async () => {
      const { c: first, info } = await openResumable(connect);
      await first.request('room.login', { uid: `cy-${name}` });
      await first.request('room.set', { key: 'room', value: 'blue' });
      first.close();
      assert.ok(await waitFor(() => app.gateway.stats.parked === 1));
      for (let n = 1; n <= REPLAY_LIMIT + 3; n++) push(info.sessionId, n);
      const { c: second, info: back } = await openResumable(connect, { token: info.token, lastSeq: 0 });
      assert.deepEqual([back.ok, back.reason, back.sessionId, back.seq], [false, 'resync', info.sessionId, REPLAY_LIMIT + 3]);
      assert.deepEqual(await second.request('room.get', {}), { id: info.sessionId, uid: `cy-${name}`, data: { room: 'blue' } });
      assert.equal(second.pushes.length, 0, 'no partial replay');
      push(info.sessionId, 99);
      assert.deepEqual((await second.nextPush('room.onPush')).body, { n: 99 });
      bye(second);
    });
  });
}

test('a plain pomelo client is unaffected: no resume in the answer, a drop closes its session at once', async () => {
  const c = await RawClient.ws(wsUrl);
  await c.open();
  const sys = c.handshake!.sys as Record<string, unknown>;
  assert.deepEqual(Object.keys(sys).sort(), ['dict', 'heartbeat']);
  const { sessionId } = (await c.request('room.login', { uid: 'plain' })) as { sessionId: string };
  c.close();
  assert.ok(await waitFor(() => closes.get(sessionId) === 'connection closed by peer'));
  assert.equal(app.gateway.stats.parked, 0);
});

test('a client that says goodbye with a kick packet ends its resumable session at once', async () => {
  const { c, info } = await openResumable(() => RawClient.tcp(tcpPort));
  await c.request('room.login', { uid: 'leaver' });
  c.sendRaw(Protocol.Package.encode(5, Protocol.strencode('{}'))); // the socket stays open: the packet alone ends it
  assert.ok(await waitFor(() => closes.get(info.sessionId) === 'connection closed by peer'));
  assert.equal(app.gateway.stats.parked, 0);
});

test('a resume while the old connection still looks alive takes the session over and drops the old one', async () => {
  const { c: first, info } = await openResumable(() => RawClient.ws(wsUrl));
  await first.request('room.login', { uid: 'twice' });
  const { c: second, info: back } = await openResumable(() => RawClient.ws(wsUrl), { token: info.token, lastSeq: 0 });
  assert.deepEqual([back.ok, back.sessionId], [true, info.sessionId]);
  await first.closed;
  assert.equal(closes.has(info.sessionId), false);
  push(info.sessionId, 1);
  assert.deepEqual((await second.nextPush('room.onPush')).body, { n: 1 });
  bye(second);
});

test('parked sessions are capped: past maxParked the longest-waiting one closes (resume evicted)', async () => {
  const evicted: string[] = [];
  const small = await startTestApp(
    (a) => a.handler('room', { login: (_b: unknown, ctx: HandlerContext) => void ctx.session.onClose((s, r) => evicted.push(`${s.id}:${r}`)) }),
    { serverId: 'resume2', resume: { graceMs: 60_000, maxParked: 1 } },
  );
  try {
    const a = await openResumable(() => RawClient.tcp(small.tcpPort));
    const b = await openResumable(() => RawClient.tcp(small.tcpPort));
    await a.c.request('room.login', {});
    await b.c.request('room.login', {});
    a.c.close();
    assert.ok(await waitFor(() => small.app.gateway.stats.parked === 1));
    b.c.close();
    assert.ok(await waitFor(() => evicted.length === 1));
    assert.deepEqual(evicted, [`${a.info.sessionId}:resume evicted`]);
    assert.equal(small.app.gateway.stats.parked, 1);
  } finally {
    await small.app.stop();
  }
  assert.ok(evicted.includes(`${small.app.gateway.sessionIdPrefix}2:server shutting down`), 'a parked session closes when the gateway stops');
});
