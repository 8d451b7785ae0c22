import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Adapter, createCommunicator } from '../../src/rpc/index.js';
import { InProcessFrameConnection, defaultTransports } from '../../src/transport/index.js';
import { ServerImpl, ServerProxy, TRANSPORTS, endpointFor, rejectsWith, silent } from './harness.js';

test('close() closes every listener and connection it made; waiting calls fail with cancelled', async () => {
  const comm = createCommunicator({ transports: defaultTransports(), logger: silent });
  const adapter = comm.createAdapter('svc').add(new ServerImpl());
  const listeners = await Promise.all(TRANSPORTS.map((k) => comm.listen(endpointFor(k), adapter)));
  const conns = await Promise.all(listeners.map((l) => comm.connect(l.endpoint)));
  const pending = conns.map((c) => rejectsWith(new ServerProxy(c).sleep(5000), 'cancelled'));
  await sleep(20);
  assert.equal(comm.connections.size, 6); // three dialled, three accepted
  await comm.close();
  await Promise.all(pending);
  assert.equal(comm.connections.size, 0);
  for (const l of listeners) assert.equal(l.connections.size, 0);
  await assert.rejects(comm.connect(listeners[0]!.endpoint), { code: 'unavailable' });
});

test('a communicator is an async-disposable resource', async () => {
  let conn;
  {
    await using comm = createCommunicator({ transports: defaultTransports(), logger: silent });
    const listener = await comm.listen('tcp://127.0.0.1:0', new Adapter().add(new ServerImpl()));
    conn = await comm.connect(listener.endpoint);
  }
  assert.equal(conn.isClosed, true);
});

test('endpoints resolve to their transport; unknown schemes and bad URLs fail clearly', async () => {
  await using comm = createCommunicator({ transports: defaultTransports(), logger: silent });
  await assert.rejects(comm.connect('udp://127.0.0.1:1'), { name: 'RpcError', code: 'unavailable', message: /no transport for udp/ });
  await assert.rejects(comm.connect('not a url'), TypeError);
  await assert.rejects(comm.connect('tcp://127.0.0.1'), TypeError); // no port
  await assert.rejects(comm.connect('inproc://nobody'), { code: 'unavailable' });
  await using bare = createCommunicator();
  await assert.rejects(bare.connect('tcp://127.0.0.1:1'), { code: 'unavailable', message: /defaultTransports/ });
});

test('a connection refused fails with unavailable', async () => {
  await using comm = createCommunicator({ transports: defaultTransports(), logger: silent });
  const l = await comm.listen('tcp://127.0.0.1:0', new Adapter());
  const endpoint = l.endpoint;
  await l.close();
  await rejectsWith(comm.connect(endpoint), 'unavailable');
});

test('attach runs RPC over a frame connection made elsewhere (the gateway case)', async () => {
  await using comm = createCommunicator({ logger: silent });
  const [near, far] = InProcessFrameConnection.pair('gateway-link');
  comm.attach(far, { adapter: new Adapter().add(new ServerImpl()) });
  const invoker = comm.attach(near);
  const proxy = new ServerProxy(invoker);
  assert.equal(await proxy.echo('through an attached link'), 'through an attached link');
  const session = Uint8Array.of(1, 2, 3);
  const seen: Uint8Array[] = [];
  const spy = new Adapter().add({}, [
    { route: 'gw.Spy.see', code: 1, oneway: false, invoke: (_s, body, ctx) => (seen.push((ctx as unknown as { session: Uint8Array }).session), body) },
  ]);
  const [a, b] = InProcessFrameConnection.pair();
  comm.attach(b, { adapter: spy });
  const reply = await comm.attach(a).call({ route: 'gw.Spy.see', code: 1, oneway: false }, Uint8Array.of(9), { session });
  assert.deepEqual([...reply], [9]);
  assert.deepEqual([...seen[0]!], [1, 2, 3]);
});

test('two communicators share nothing unless given the same in-process hub', async () => {
  await using a = createCommunicator({ transports: defaultTransports(), logger: silent });
  await using b = createCommunicator({ transports: defaultTransports(), logger: silent });
  await a.listen('inproc://only-in-a', new Adapter());
  await assert.rejects(b.connect('inproc://only-in-a'), { code: 'unavailable' });
  await b.listen('inproc://only-in-a', new Adapter()); // the same name is free in b
});

test('a connection may override the communicator defaults', async () => {
  await using comm = createCommunicator({ transports: defaultTransports(), logger: silent, defaultTimeoutMs: 60_000 });
  const l = await comm.listen('inproc://overrides', new Adapter().add(new ServerImpl()));
  const conn = await comm.connect(l.endpoint, { defaultTimeoutMs: undefined, captureCallSites: false });
  const fast = await comm.connect(l.endpoint, { defaultTimeoutMs: 30 });
  await rejectsWith(new ServerProxy(fast).sleep(1000), 'deadline_exceeded');
  assert.equal(await new ServerProxy(conn).sleep(40), undefined, 'undefined keeps the default of 60 s');
});
