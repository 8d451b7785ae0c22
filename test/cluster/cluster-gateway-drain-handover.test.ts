/**
 * A gateway stopped gracefully (SIGTERM, as in a rolling deploy) hands its resumable sessions
 * over: with etcd, NATS and Redis as processes, 2 gateways and a chat backend, gateway A saves its
 * client's session to Redis with its push number, kicks it with the reconnect reason, and keeps
 * writing the pushes that still reach it into Redis; the client (the SDK, reconnect on, both URLs)
 * resumes the same session on gateway B — user, data, room — with every push sent before, during
 * and after the handover, in order, none twice, none lost.
 *
 * "During" is made a window the test controls: the client reaches gateway B through a relay that
 * refuses connections until the pushes sent while the client is away are in Redis.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { connect, type Client } from '../../src/client/index.js';
import { waitFor } from '../support/apps.js';
import { stopServer } from '../support/cluster-procs.js';
import { until } from '../support/poll.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { startResumeCluster, storedSnapshots, type ResumeCluster } from './resume-cluster.js';

let cluster: ResumeCluster;
let relayToB: TcpProxy;

before(async () => {
  // Gateway A keeps handed-over sessions until they are taken, well past the steps below; the
  // process may take that long to stop.
  cluster = await startResumeCluster({ resume: { graceMs: 20_000, handoverMs: 30_000 }, shutdownTimeoutMs: 40_000 });
  relayToB = await TcpProxy.start(cluster.gateB.ws!);
});

after(async () => {
  await relayToB?.close();
  await cluster?.stop();
});

/** Every push zoe gets, as numbers: pokes (to the user) and room messages (to the group) alike. */
function numbered(client: Client): number[] {
  const got: number[] = [];
  client.on('probe.onPoke', (b: { text: string }) => got.push(Number(b.text)));
  client.on('chat.onMessage', (b: { text: string }) => got.push(Number(b.text)));
  return got;
}

/** Sends pushes `from`..`to` to zoe, one at a time, alternating a push to the user and a room message. */
async function sendPushes(yan: Client, from: number, to: number): Promise<void> {
  for (let n = from; n <= to; n++) {
    if (n % 2 === 0) assert.deepEqual(await yan.request('probe.poke', { uid: 'zoe', text: String(n) }), { delivered: true });
    else await yan.request('chat.say', { text: String(n) });
  }
}

test('gateway A stopped with SIGTERM: its client resumes on gateway B with its session and every push, in order, none twice', async () => {
  const { redis, gateA, gateB } = cluster;
  const raw = new Redis(redis.url);
  relayToB.cut(true); // gateway B unreachable for zoe until the test lets it through
  const urls = [`ws://127.0.0.1:${gateA.ws}/`, `ws://127.0.0.1:${relayToB.port}/`];
  const zoe = await connect(urls, { reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
  const yan = await connect(`tcp://127.0.0.1:${gateB.tcp}`);
  try {
    assert.equal(zoe.url, urls[0]);
    await zoe.request('probe.login', { uid: 'zoe' });
    await zoe.request('chat.join', { room: 'den', name: 'zoe' });
    await yan.request('probe.login', { uid: 'yan' });
    const joined = new Promise<void>((r) => zoe.on('chat.onJoin', () => r()));
    await yan.request('chat.join', { room: 'den', name: 'yan' });
    await joined;
    // What yan sees in the room, in order: "left" notices and messages alike.
    const room: string[] = [];
    const leftNotices = (): string[] => room.filter((e) => e.startsWith('left:'));
    yan.on('chat.onLeave', (b: { name?: string }) => room.push(`left:${b.name}`));
    yan.on('chat.onMessage', (b: { text: string }) => room.push(`say:${b.text}`));
    const before = (await zoe.request('probe.session', {})) as { id: string };
    assert.match(before.id, /^gateA-/);

    const got = numbered(zoe);
    const events: string[] = [];
    zoe.on('kick', (reason) => events.push(`kick:${reason}`));
    zoe.on('disconnect', () => events.push('disconnect'));
    zoe.on('reconnect', () => events.push('reconnect'));
    zoe.on('resync', (reason) => events.push(`resync:${reason}`));
    zoe.on('resume', () => events.push('resume'));

    // Before: pushes 1..6 reach zoe on gateway A.
    await sendPushes(yan, 1, 6);
    assert.ok(await waitFor(() => got.length === 6, 5000), `before: ${got.join(',')}`);

    // Gateway A stops. It saves zoe's session with its push number before the kick, so once zoe
    // has seen the connection go, the snapshot is in Redis.
    const exited = stopServer(gateA, 'SIGTERM');
    assert.ok(await waitFor(() => events.includes('disconnect'), 10_000), `events: ${events.join(', ')}`);
    const handedOver = (await storedSnapshots(raw)).get('zoe');
    assert.ok(handedOver?.seq !== undefined, 'the snapshot carries the push number');
    assert.ok(handedOver.groups.includes('room:den'));
    const base = handedOver.seq;

    // During: zoe is away; pushes 7..12 still reach gateway A, which writes them into the snapshot.
    await sendPushes(yan, 7, 12);
    let snapshot: unknown;
    await until(
      async () => (snapshot = (await storedSnapshots(raw)).get('zoe'))?.seq === base + 6,
      10_000,
      () => `gateway A wrote pushes 7..12 into the snapshot: ${JSON.stringify(snapshot)}`,
    );
    assert.equal((await storedSnapshots(raw)).get('zoe')?.pushes?.length, 6);

    // Zoe may reach gateway B now, and resumes there: the same session, no gap.
    relayToB.up();
    assert.ok(await waitFor(() => events.includes('resume'), 15_000), `events: ${events.join(', ')}`);
    assert.deepEqual(events, ['disconnect', 'reconnect', 'resume']);
    assert.equal(zoe.url, urls[1], 'moved to gateway B');
    assert.ok(await waitFor(() => got.length >= 12, 5000), `during: ${got.join(',')}`);

    const state = (await zoe.request('probe.session', {})) as { id: string; uid: string; data: Record<string, unknown> };
    assert.match(state.id, /^gateB-/);
    assert.equal(state.uid, 'zoe');
    assert.equal(state.data.name, 'zoe');
    assert.equal(state.data.room, 'den');
    // The registry sends pushes to the user to gateway B once it has bound zoe there again.
    await until(async () => (await raw.hget('switchyard:uid:zoe', 'frontendId')) === 'gateB', 5000, 'zoe bound on gateway B');

    // After: pushes 13..18 (to the user and to the room) reach zoe on gateway B.
    await sendPushes(yan, 13, 18);
    assert.ok(await waitFor(() => got.length >= 18, 5000), `after: ${got.join(',')}`);
    assert.deepEqual(
      got,
      Array.from({ length: 18 }, (_, i) => i + 1),
    );

    // Gateway A exits cleanly once the session is taken. It does not report the session closed, so
    // at the handover nobody in the room is told the user left (backends close their copies of a
    // gone gateway's sessions later, gatewayGoneMs after it left: 30 s by default).
    assert.equal(await exited, 0);
    assert.match(gateA.output, /sessions handed over/);
    assert.deepEqual(leftNotices(), []);
    // Gateway B keeps the session in Redis under its new token; the handed-over one was taken.
    await until(async () => (await storedSnapshots(raw)).get('zoe')?.copies === 1, 5000, "one snapshot of zoe in Redis, gateway B's");
    const now = (await storedSnapshots(raw)).get('zoe')!;
    assert.ok(now.groups.includes('room:den'));
    // A later room message, sent after gateway A exited: a close notice gateway A sent before it
    // exited reaches chat1 before this message does, and chat1 broadcasts to the room in order; so
    // once yan has this message, no "left" notice for the handover can still be on its way.
    await zoe.request('chat.say', { text: '19' });
    assert.ok(await waitFor(() => got.length === 19 && room.includes('say:19'), 5000), `room: ${room.join(', ')}`);
    assert.deepEqual(got.slice(-1), [19]);
    assert.deepEqual(leftNotices(), [], `room: ${room.join(', ')}`);
  } finally {
    await zoe.close();
    await yan.close();
    raw.disconnect();
  }
});
