/**
 * A gateway killed (SIGKILL) under its clients: with etcd, NATS and Redis as processes, 2 gateways
 * and a chat backend, a client whose gateway dies reconnects to the other gateway by itself and
 * resumes there: its user binding, session data and room come back from the snapshot the dead
 * gateway kept in Redis, and it is told to resync (the pushes held by the dead gateway are lost).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { connect } from '../../src/client/index.js';
import { waitFor } from '../support/apps.js';
import { stopServer } from '../support/cluster-procs.js';
import { until } from '../support/poll.js';
import { nextPush, startResumeCluster, storedSnapshots, type ResumeCluster } from './resume-cluster.js';

let cluster: ResumeCluster;

before(async () => {
  cluster = await startResumeCluster({ resume: { graceMs: 10_000 } });
});

after(async () => {
  await cluster?.stop();
});

test('gateway A killed: its client reconnects to gateway B and gets its user, data and room back, told to resync', async () => {
  const { redis, gateA, gateB } = cluster;
  const raw = new Redis(redis.url);
  const urls = [`ws://127.0.0.1:${gateA.ws}/`, `ws://127.0.0.1:${gateB.ws}/`];
  const zoe = await connect(urls, { reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
  const yan = await connect(`tcp://127.0.0.1:${gateB.tcp}`);
  try {
    assert.equal(zoe.url, urls[0]);
    await zoe.request('probe.login', { uid: 'zoe' });
    await zoe.request('chat.join', { room: 'den', name: 'zoe' });
    await yan.request('probe.login', { uid: 'yan' });
    await yan.request('chat.join', { room: 'den', name: 'yan' });
    const before = (await zoe.request('probe.session', {})) as { id: string };
    assert.match(before.id, /^gateA-/);
    // Gateway A saves the session at its next sweep (a debounce), within a second.
    await until(async () => (await storedSnapshots(raw)).get('zoe')?.groups.includes('room:den') === true, 3000, 'snapshot in Redis with the room');

    const events: string[] = [];
    zoe.on('disconnect', () => events.push('disconnect'));
    zoe.on('reconnect', () => events.push('reconnect'));
    zoe.on('resync', (reason) => events.push(`resync:${reason}`));
    zoe.on('resume', () => events.push('resume'));
    await stopServer(gateA, 'SIGKILL');
    assert.ok(await waitFor(() => events.includes('resync:resync'), 10_000), `events: ${events.join(', ')}`);
    assert.deepEqual(events, ['disconnect', 'reconnect', 'resync:resync']);
    assert.equal(zoe.url, urls[1], 'moved to gateway B');

    // A request sees the user and the data.
    const after = (await zoe.request('probe.session', {})) as { id: string; uid: string; data: Record<string, unknown> };
    assert.match(after.id, /^gateB-/);
    assert.equal(after.uid, 'zoe');
    assert.equal(after.data.name, 'zoe');
    assert.equal(after.data.room, 'den');
    // A broadcast to the room reaches it.
    const heard = nextPush<{ from: string; text: string }>(zoe, 'chat.onMessage');
    await yan.request('chat.say', { text: 'still there?' });
    assert.deepEqual(await heard, { from: 'yan', text: 'still there?' });
    // A push to the user finds it on gateway B.
    const poked = nextPush<{ text: string }>(zoe, 'probe.onPoke');
    assert.deepEqual(await yan.request('probe.poke', { uid: 'zoe', text: 'found you' }), { delivered: true });
    assert.deepEqual(await poked, { text: 'found you' });
    // Gateway B keeps the restored session in Redis in turn, under a new token; the old one was taken.
    await until(async () => (await storedSnapshots(raw)).get('zoe')?.groups.includes('room:den') === true, 3000, "gateway B's snapshot in Redis with the room");
    assert.equal((await storedSnapshots(raw)).get('zoe')?.copies, 1);
  } finally {
    await zoe.close();
    await yan.close();
    raw.disconnect();
  }
});
