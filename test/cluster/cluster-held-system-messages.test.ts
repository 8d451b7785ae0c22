/**
 * A backend restarted under the same id answers forwarded calls before its discovery has loaded
 * the membership (it listens first, then registers and reads etcd): what its handlers send to the
 * gateway meanwhile (a group add, a push, a room broadcast) is held and delivered once discovery
 * lists the gateway, in order. Real etcd (SIGSTOPped while the backend starts, so the window stays
 * open until the test has been served in it), NATS or TCP pools, real `yard start` processes.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, test } from 'node:test';
import { connect, type Client } from '../../src/client/index.js';
import { startServer, stopServer, writeConfig, type ServerProc } from '../support/cluster-procs.js';
import { until } from '../support/poll.js';
import { freePort, startEtcd, startNats, type EtcdService, type NatsService } from '../support/services.js';

const etcds: EtcdService[] = [];
const natses: NatsService[] = [];
const procs: ServerProc[] = [];
const clients: Client[] = [];

after(async () => {
  for (const e of etcds) if (e.pid !== undefined) process.kill(e.pid, 'SIGCONT');
  for (const c of clients) await c.close().catch(() => undefined);
  await Promise.all(procs.map((p) => stopServer(p)));
  await Promise.all([...etcds, ...natses].map((s) => s.stop()));
});

async function client(port: number): Promise<Client> {
  const c = await connect(`ws://127.0.0.1:${port}/`);
  clients.push(c);
  return c;
}

/** Every push a client gets on the room routes, in arrival order, as `joined` or `say:<text>`. */
function record(c: Client): string[] {
  const events: string[] = [];
  c.on('room.onJoined', () => events.push('joined'));
  c.on('room.onSay', (b: { text: string }) => events.push(`say:${b.text}`));
  return events;
}

type Who = { server: string; pid: number };

async function restartedBackend(transport: 'nats' | 'tcp'): Promise<void> {
  const etcd = await startEtcd();
  etcds.push(etcd);
  let transportConfig: object = { kind: 'tcp', poolSize: 2 };
  if (transport === 'nats') {
    const nats = await startNats();
    natses.push(nats);
    transportConfig = { kind: 'nats', servers: nats.url };
  }
  const configFile = writeConfig({
    app: resolve('test/cluster/fixtures/held-messages-app.ts'),
    // Leases long enough that none lapses while etcd is stopped: only the new process's start is held up.
    discovery: { kind: 'etcd', endpoints: [etcd.endpoint], ttlSec: 30 },
    transport: transportConfig,
    servers: [
      { id: 'gate1', type: 'gateway', ws: await freePort() },
      // A fixed RPC port, so that over TCP the gateway reaches the restarted process where the old one was.
      { id: 'chat1', type: 'chat', port: transport === 'tcp' ? await freePort() : 0 },
    ],
  });
  const first = await startServer(configFile, 'chat1');
  procs.push(first);
  const gate1 = await startServer(configFile, 'gate1');
  procs.push(gate1);

  const early = await client(gate1.ws!);
  const earlyEvents = record(early);
  const before = (await early.request('room.join', { room: 'r', name: 'early' })) as Who;
  await until(() => earlyEvents.includes('say:early joined'), 10_000, 'the first member got its own join broadcast');

  // The backend dies; the gateway still lists chat1 (its lease has not lapsed) and keeps forwarding to it.
  await stopServer(first, 'SIGKILL');
  // etcd stopped: the new process listens for calls, then waits in discovery for etcd to answer.
  process.kill(etcd.pid!, 'SIGSTOP');
  let started = false;
  const starting = startServer(configFile, 'chat1').then((p) => {
    started = true;
    procs.push(p);
    return p;
  });
  starting.catch(() => undefined);

  const late = await client(gate1.ws!);
  const lateEvents = record(late);
  let who: Who | undefined;
  await until(
    async () => {
      who = (await late.request('room.whoami', {}, { timeoutMs: 1000 })) as Who;
      return who.pid !== before.pid;
    },
    30_000,
    'the restarted backend answered a forwarded call',
  );
  const joined = (await late.request('room.join', { room: 'r', name: 'late' }, { timeoutMs: 3000 })) as Who;
  assert.equal(joined.pid, who!.pid, 'the join ran on the restarted backend');
  assert.equal(started, false, 'the join ran before the backend had loaded the membership (its start had not finished)');

  process.kill(etcd.pid!, 'SIGCONT');
  const second = await starting;
  await until(() => lateEvents.includes('say:late joined') && earlyEvents.includes('say:late joined'), 15_000, 'the held group add, push and broadcast reached the gateway');
  assert.deepEqual(lateEvents, ['joined', 'say:late joined'], 'the joining client got the push, then (as a member by then) the broadcast, in order');
  assert.deepEqual(earlyEvents, ['joined', 'say:early joined', 'say:late joined']);

  const out = second.output;
  assert.ok(
    out.split('\n').some((l) => l.includes('system messages held for a server not in the membership yet') && l.includes('"server":"gate1"')),
    'the backend logged that it held messages for gate1',
  );
  assert.ok(out.includes('held system messages sent to a server now in the membership'));
  assert.ok(!out.includes('system message to an unknown server dropped'), 'nothing was dropped');

  // Afterwards the room works as usual, both members on the gateway.
  await late.request('room.say', { room: 'r', name: 'late', text: 'hi' });
  await until(() => lateEvents.includes('say:hi') && earlyEvents.includes('say:hi'), 10_000, 'a later broadcast reached both members');
}

test('a backend restarted before it knows the gateway: its pushes, group add and broadcast arrive once discovery lists the gateway (NATS)', () => restartedBackend('nats'));

test('the same over TCP pools', () => restartedBackend('tcp'));
