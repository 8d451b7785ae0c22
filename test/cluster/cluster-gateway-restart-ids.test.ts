/**
 * A gateway restarted under the same id (SIGKILL, then `yard start` again; etcd, NATS, Redis, real
 * processes): its new process hands out no session id its previous process used, so a user of the
 * old process logging in again elsewhere (the Redis registry still points at the old session) does
 * not kick the stranger holding a new session on the restarted gateway.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect, type Client } from '../../src/client/index.js';
import { stopServer } from '../support/cluster-procs.js';
import { startResumeCluster, type ResumeCluster } from './resume-cluster.js';

let cluster: ResumeCluster;
const clients: Client[] = [];

before(async () => {
  cluster = await startResumeCluster();
});

after(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await cluster?.stop();
});

/** A client (no reconnect, so no resumable session) logged in as `uid`; answers it and its session id. */
async function login(url: string, uid: string): Promise<{ client: Client; sid: string; kicks: string[] }> {
  const client = await connect(url);
  clients.push(client);
  const kicks: string[] = [];
  client.on('kick', (reason: string) => kicks.push(reason));
  await client.request('probe.login', { uid });
  const { id } = (await client.request('probe.session', {})) as { id: string };
  return { client, sid: id, kicks };
}

test('a restarted gateway hands out no old session id, and a login elsewhere kicks no stranger', async () => {
  const { gateA, gateB } = cluster;
  const oldIds: string[] = [];
  const alice = await login(`ws://127.0.0.1:${gateA.ws}/`, 'alice');
  oldIds.push(alice.sid);
  for (const uid of ['old1', 'old2']) oldIds.push((await login(`ws://127.0.0.1:${gateA.ws}/`, uid)).sid);
  for (const sid of oldIds) assert.match(sid, /^gateA-[0-9a-z]+-\d+$/);

  await stopServer(gateA, 'SIGKILL');
  const restarted = await cluster.start('gateA');
  // The first sessions of the new process: with `<serverId>-<counter>` ids they were alice's, old1's and old2's.
  const carol = await login(`ws://127.0.0.1:${restarted.ws}/`, 'carol');
  const newIds = [carol.sid];
  for (const uid of ['new1', 'new2']) newIds.push((await login(`ws://127.0.0.1:${restarted.ws}/`, uid)).sid);
  for (const sid of newIds) assert.match(sid, /^gateA-[0-9a-z]+-\d+$/);
  assert.deepEqual(newIds.filter((sid) => oldIds.includes(sid)), [], `old ${oldIds.join(' ')}, new ${newIds.join(' ')}`);
  assert.notEqual(carol.sid.split('-')[1], alice.sid.split('-')[1], 'a new process tag');

  // Alice logs in again through gateway B: the registry hands back her old session (on gateway A),
  // and gateway B kicks that id on gateway A, where nobody holds it any more.
  const again = await login(`ws://127.0.0.1:${gateB.ws}/`, 'alice');
  assert.match(again.sid, /^gateB-/);
  // Then a user of the restarted gateway logs in twice: that kick travels the same way after
  // alice's (gateway B to gateway A, one ordered system connection) and must arrive.
  const dave = await login(`ws://127.0.0.1:${restarted.ws}/`, 'dave');
  const kicked = new Promise<string>((res) => dave.client.on('kick', (reason: string) => res(reason)));
  await login(`tcp://127.0.0.1:${gateB.tcp}`, 'dave');
  assert.equal(await kicked, 'logged in elsewhere');

  assert.deepEqual(carol.kicks, [], 'the stranger on the restarted gateway was not kicked');
  assert.deepEqual(await carol.client.request('probe.whoami', {}), { uid: 'carol', server: 'chat1' });
});
