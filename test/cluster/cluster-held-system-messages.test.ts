/**
 * A backend restarted under the same id listens for forwarded calls before its discovery has loaded
 * the membership (it listens first, then registers and reads etcd). A call from a gateway it does
 * not list yet waits: once discovery lists the gateway, what the handler sends it (a group add, a
 * push, a room broadcast) goes out before the answer, so the client has them when it is answered.
 * Real etcd (SIGSTOPped while the backend starts, so the window stays open until the test has been
 * served in it), NATS or TCP pools, real `yard start` processes.
 */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type Client } from '../../src/client/index.js';
import { RpcError } from '../../src/rpc/index.js';
import { spawnServer, startServer, stopServer, writeConfig, type ServerProc } from '../support/cluster-procs.js';
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
  const restart = spawnServer(configFile, 'chat1');
  procs.push(restart.proc);
  restart.started.catch(() => undefined);

  const late = await client(gate1.ws!);
  const lateEvents = record(late);
  // Sent until the new process takes it (before it listens, the gateway fails it at once).
  let eventsWhenAnswered: string[] | undefined;
  const joining = (async (): Promise<Who> => {
    for (;;) {
      try {
        return (await late.request('room.join', { room: 'r', name: 'late' }, { timeoutMs: 60_000 })) as Who;
      } catch (err) {
        if (!(err instanceof RpcError) || (err.code !== 'unavailable' && err.code !== 'deadline_exceeded')) throw err;
        await sleep(100);
      }
    }
  })().then((w) => {
    eventsWhenAnswered = [...lateEvents];
    return w;
  });
  joining.catch(() => undefined);
  await until(() => restart.proc.output.includes('calls from a server not in the membership yet wait until discovery lists it'), 30_000, 'the restarted backend held the join until it lists gate1');
  assert.equal(eventsWhenAnswered, undefined, 'the join is not answered while the backend does not list the gateway');
  assert.ok(!restart.proc.output.includes('"server started"'), 'the backend had not loaded the membership (its start had not finished)');

  process.kill(etcd.pid!, 'SIGCONT');
  const second = await restart.started;
  const joined = await joining;
  assert.equal(joined.pid, second.child.pid, 'the join ran on the restarted backend');
  assert.notEqual(joined.pid, before.pid);
  // What the join pushed and broadcast went out before its answer: the client had both when it was answered.
  assert.deepEqual(eventsWhenAnswered, ['joined', 'say:late joined'], 'the push and the broadcast arrived before the answer, in order');
  await until(() => earlyEvents.includes('say:late joined'), 15_000, 'the other member got the broadcast');
  assert.deepEqual(earlyEvents, ['joined', 'say:early joined', 'say:late joined']);

  const out = second.output;
  assert.ok(!out.includes('system message to an unknown server dropped'), 'nothing was dropped');

  // Afterwards the room works as usual, both members on the gateway.
  await late.request('room.say', { room: 'r', name: 'late', text: 'hi' });
  await until(() => lateEvents.includes('say:hi') && earlyEvents.includes('say:hi'), 10_000, 'a later broadcast reached both members');
}

test('a backend restarted before it knows the gateway: its pushes, group add and broadcast arrive once discovery lists the gateway (NATS)', () => restartedBackend('nats'));

test('the same over TCP pools', () => restartedBackend('tcp'));
