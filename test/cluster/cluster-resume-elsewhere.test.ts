/**
 * A client whose connection drops while its gateway lives on, and which comes back through another
 * gateway: that gateway takes the snapshot from Redis and asks the first one for the parked session
 * (`__yard.gw.release`), which gives it up with its pushes, so the client resumes whole there and
 * gets the room message said while it was away, once. etcd, NATS and Redis as processes, two
 * gateways, a chat backend; the client reaches each gateway through a TCP relay the test opens and
 * closes, so which gateway it comes back to, and when, is the test's choice.
 */
import assert from 'node:assert/strict';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { connect, type Client } from '../../src/client/index.js';
import { until } from '../support/poll.js';
import { nextPush, startResumeCluster, storedSnapshots, type ResumeCluster } from './resume-cluster.js';

let cluster: ResumeCluster;

before(async () => {
  cluster = await startResumeCluster({ resume: { graceMs: 30_000 } });
});

after(async () => {
  await cluster?.stop();
});

/**
 * A TCP relay to `target` on a fixed port: `close()` cuts every relayed connection and stops
 * listening (with `keepServerSide`, only the client side: the gateway still sees its connection
 * open); `open()` listens again.
 */
class Relay {
  readonly #target: number;
  readonly #sockets = new Set<Socket>();
  readonly #toServer = new Set<Socket>();
  #keepServerSide = false;
  #server: Server | undefined;
  port = 0;

  constructor(target: number) {
    this.#target = target;
  }

  async open(): Promise<void> {
    const server = createServer((inbound) => {
      const outbound = tcpConnect(this.#target, '127.0.0.1');
      for (const s of [inbound, outbound]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => undefined);
      }
      this.#toServer.add(outbound);
      inbound.pipe(outbound, { end: false });
      outbound.pipe(inbound);
      inbound.on('close', () => {
        if (!this.#keepServerSide) outbound.destroy();
      });
      outbound.on('close', () => inbound.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  async close(keepServerSide = false): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.#keepServerSide = keepServerSide;
    for (const s of this.#sockets) if (!(keepServerSide && this.#toServer.has(s))) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Every chat message a client gets, as `from:text`, in arrival order. */
function heard(c: Client): string[] {
  const out: string[] = [];
  c.on('chat.onMessage', (b: { from: string; text: string }) => out.push(`${b.from}:${b.text}`));
  return out;
}

/** A relay to each gateway (open) and a client that reaches them only through those relays. */
async function roamingClient(): Promise<{ client: Client; toA: Relay; toB: Relay }> {
  const toA = new Relay(cluster.gateA.tcp!);
  const toB = new Relay(cluster.gateB.tcp!);
  await toA.open();
  await toB.open();
  const client = await connect([`tcp://127.0.0.1:${toA.port}`, `tcp://127.0.0.1:${toB.port}`], { reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
  return { client, toA, toB };
}

test('a client that comes back through another gateway resumes whole: the first gateway gives up the parked session with its pushes', () =>
  comesBackElsewhere('zoe', false));

test('the same when the first gateway still sees the old connection open: it drops it and gives the session up', () => comesBackElsewhere('ann', true));

async function comesBackElsewhere(uid: string, halfOpen: boolean): Promise<void> {
  const { redis, gateA, gateB } = cluster;
  const room = `den-${uid}`;
  const raw = new Redis(redis.url);
  const { client: zoe, toA, toB } = await roamingClient();
  const kim = await connect(`tcp://127.0.0.1:${gateA.tcp}`);
  const yan = await connect(`tcp://127.0.0.1:${gateB.tcp}`);
  try {
    await zoe.request('probe.login', { uid });
    await zoe.request('chat.join', { room, name: uid });
    await kim.request('probe.login', { uid: `kim-${uid}` });
    await kim.request('chat.join', { room, name: 'kim' });
    await yan.request('probe.login', { uid: `yan-${uid}` });
    await yan.request('chat.join', { room, name: 'yan' });
    const first = (await zoe.request('probe.session', {})) as { id: string };
    assert.match(first.id, /^gateA-/);
    await until(async () => (await storedSnapshots(raw)).get(uid)?.groups.includes(`room:${room}`) === true, 5000, 'snapshot in Redis with the room');

    const events: string[] = [];
    zoe.on('disconnect', () => events.push('disconnect'));
    zoe.on('resync', (reason) => events.push(`resync:${reason}`));
    zoe.on('resume', () => events.push('resume'));
    const zoeHeard = heard(zoe);
    const kimHeard = heard(kim);

    // Both relays shut: zoe's connection to A drops and neither gateway can be reached for now.
    await toA.close(halfOpen);
    await toB.close();
    await until(() => events.includes('disconnect'), 10_000, 'zoe saw its connection drop');
    // Said while zoe is away; once kim (on A) has it, A has put it in zoe's parked session too.
    await yan.request('chat.say', { text: 'while away' });
    await until(() => kimHeard.includes('yan:while away'), 10_000, 'kim, on gateway A, got the message');

    // Only B can be reached now: zoe comes back there.
    await toB.open();
    await until(() => events.includes('resume') || events.some((e) => e.startsWith('resync')), 15_000, () => `zoe came back (events: ${events.join(', ')})`);
    assert.deepEqual(events, ['disconnect', 'resume'], 'resumed whole on gateway B, not told to resync');
    await until(() => zoeHeard.includes('yan:while away'), 5000, 'the message said while zoe was away was replayed');

    const now = (await zoe.request('probe.session', {})) as { id: string; uid: string; data: Record<string, unknown> };
    assert.match(now.id, /^gateB-/);
    assert.equal(now.uid, uid);
    assert.equal(now.data.room, room);
    // The room reaches zoe on B exactly once (A holds no copy of the session any more), and a push by user id finds it.
    const next = nextPush<{ from: string; text: string }>(yan, 'chat.onMessage');
    await kim.request('chat.say', { text: 'welcome back' });
    await next;
    await until(() => zoeHeard.includes('kim:welcome back'), 5000, 'a later room message reached zoe on gateway B');
    assert.deepEqual(zoeHeard, ['yan:while away', 'kim:welcome back'], 'each message once, in order');
    const poked = nextPush<{ text: string }>(zoe, 'probe.onPoke');
    assert.deepEqual(await yan.request('probe.poke', { uid, text: 'found you' }), { delivered: true });
    assert.deepEqual(await poked, { text: 'found you' });
  } finally {
    await Promise.all([zoe.close(), kim.close(), yan.close()]);
    await Promise.all([toA.close(), toB.close()]);
    raw.disconnect();
  }
}

test('a client that drops again right after resuming comes back whole through the first gateway: its new token is stored at once', async () => {
  const uid = 'bob';
  const raw = new Redis(cluster.redis.url);
  const { client: bob, toA, toB } = await roamingClient();
  try {
    await bob.request('probe.login', { uid });
    await bob.request('chat.join', { room: 'den-bob', name: uid });
    await until(async () => (await storedSnapshots(raw)).has(uid), 5000, 'snapshot in Redis');
    const events: string[] = [];
    bob.on('disconnect', () => events.push('disconnect'));
    bob.on('resync', (reason) => events.push(`resync:${reason}`));
    bob.on('resume', () => events.push('resume'));
    const cameBack = (where: string) =>
      until(() => events.includes('resume') || events.some((e) => e.startsWith('resync')), 15_000, () => `bob came back to ${where} (events: ${events.join(', ')})`);

    await toA.close(); // only B can be reached: bob resumes there, with a new token
    await cameBack('B');
    assert.deepEqual(events, ['disconnect', 'resume']);
    // At once, well within a sweep of B: only A can be reached, and A knows the new token only from Redis.
    events.length = 0;
    await toA.open();
    await toB.close();
    await cameBack('A');
    assert.deepEqual(events, ['disconnect', 'resume'], 'resumed whole on A, not told the token expired');
    const now = (await bob.request('probe.session', {})) as { id: string; uid: string };
    assert.match(now.id, /^gateA-/);
    assert.equal(now.uid, uid);
  } finally {
    await bob.close();
    await Promise.all([toA.close(), toB.close()]);
    raw.disconnect();
  }
});
