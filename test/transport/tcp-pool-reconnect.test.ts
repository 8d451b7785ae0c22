import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../src/rpc/index.js';
import { TcpPoolTransport, type PooledLink } from '../../src/transport/index.js';
import { until } from '../support/poll.js';
import {
  describeCall,
  failsWith,
  note,
  orderAdapter,
  peer,
  sleepCall,
  type OrderServant,
} from './server-transport-fixtures.js';

const backoff = { initialDelayMs: 20, maxDelayMs: 200 };

async function startServer(port = 0): Promise<{ server: TcpPoolTransport; port: number; servant: OrderServant }> {
  const server = new TcpPoolTransport({ logger: silentLogger });
  const { adapter, servant } = orderAdapter();
  return { server, servant, port: await server.listen(peer('backend-1', port), adapter) };
}

test('server closed: calls fail unavailable fast; restarted on the same port: the same transport calls again', async () => {
  const first = await startServer();
  await using client = new TcpPoolTransport({ poolSize: 4, backoff, logger: silentLogger });
  const target = peer('backend-1', first.port);
  const link = client.invoker(target, 1);
  assert.equal((await describeCall(link)).route, 'test.Order.describe');

  // Deadlines far past the test's: a call left waiting could only end deadline_exceeded, so
  // `unavailable` while the server is still gone shows it failed because the server went.
  const inFlight = failsWith(sleepCall(link, 600_000, { timeoutMs: 600_000 }), 'unavailable');
  await new Promise((resolve) => setTimeout(resolve, 20));
  await first.server.close();
  assert.match((await inFlight).error.message, /connection to .* closed/, 'the call in flight fails because its connection closed');

  await until(() => (link as PooledLink).state === 'down', 10_000, 'the link is down', 5);
  // key 1: its link was up and is now down, so the call is refused at once; key 2: a link never
  // connected, whose call waits for the first attempt and fails with it when it is refused.
  for (const [key, why] of [[1, /is down/], [2, /ECONNREFUSED/]] as const) {
    const { error } = await failsWith(describeCall(client.invoker(target, key), { timeoutMs: 600_000 }), 'unavailable');
    assert.match(error.message, why);
  }

  const second = await startServer(first.port);
  try {
    const seen = await until(() => describeCall(link, { timeoutMs: 1000 }), 3000, 'the link calls the restarted server', 20);
    assert.equal(seen.route, 'test.Order.describe');
    await until(() => describeCall(client.invoker(target, 2), { timeoutMs: 1000 }), 3000, 'a link never connected before calls the restarted server', 20);
  } finally {
    await second.server.close();
  }
});

test('forget closes the pool: calls waiting on it fail unavailable, and a new invoker starts a fresh pool', async () => {
  const { server, port } = await startServer();
  await using _server = server;
  await using client = new TcpPoolTransport({ poolSize: 2, backoff, logger: silentLogger });
  const target = peer('backend-1', port);
  const old = client.invoker(target, 0);
  await describeCall(old);
  // A deadline far past the test's: only forget() can end this call, and it ends it unavailable.
  const waiting = failsWith(sleepCall(old, 600_000, { timeoutMs: 600_000 }), 'unavailable');
  await new Promise((resolve) => setTimeout(resolve, 20));
  client.forget('backend-1');
  const { error } = await waiting;
  assert.match(error.message, /left the cluster/);
  await failsWith(describeCall(old), 'unavailable');
  const fresh = client.invoker(target, 0);
  assert.notEqual(fresh, old);
  assert.equal((await describeCall(fresh)).route, 'test.Order.describe');
});

test('a peer that moved to another port gets a new pool; the old links fail unavailable', async () => {
  const a = await startServer();
  const b = await startServer();
  await using _a = a.server;
  await using _b = b.server;
  await using client = new TcpPoolTransport({ poolSize: 2, backoff, logger: silentLogger });
  const before = client.invoker(peer('backend-1', a.port), 0);
  await describeCall(before);
  const after = client.invoker(peer('backend-1', b.port), 0);
  assert.notEqual(after, before);
  await describeCall(after);
  await failsWith(describeCall(before), 'unavailable');
});

test('calls made while the first connection is opening wait for it and arrive in the order they were made', async () => {
  const { server, port, servant } = await startServer();
  await using _server = server;
  await using client = new TcpPoolTransport({ poolSize: 1, backoff, logger: silentLogger });
  const link = client.invoker(peer('backend-1', port), 0) as PooledLink;
  const calls = [note(link, 9, 0)];
  assert.equal(link.state, 'connecting');
  for (let seq = 1; seq < 200; seq++) calls.push(note(link, 9, seq));
  await Promise.all(calls);
  assert.equal(servant.received, 200);
  assert.equal(servant.reorderings, 0);
  await failsWith(describeCall(link, { timeoutMs: 0 }), 'deadline_exceeded');
});

test('a call waiting for the connection can be aborted', async () => {
  const { server, port } = await startServer();
  await using _server = server;
  await using client = new TcpPoolTransport({ poolSize: 1, backoff, logger: silentLogger });
  const link = client.invoker(peer('backend-1', port), 0) as PooledLink;
  const controller = new AbortController();
  const aborted = failsWith(describeCall(link, { signal: controller.signal }), 'cancelled');
  const next = describeCall(link, { extra: { after: 'abort' } });
  assert.equal(link.state, 'connecting');
  controller.abort();
  await aborted;
  assert.deepEqual((await next).extra, { after: 'abort' });
});

test('a closed transport fails waiting calls as cancelled and refuses new invokers', async () => {
  const { server, port } = await startServer();
  await using _server = server;
  const client = new TcpPoolTransport({ poolSize: 1, backoff, logger: silentLogger });
  const link = client.invoker(peer('backend-1', port), 0);
  await describeCall(link);
  const waiting = failsWith(sleepCall(link, 5000), 'cancelled');
  await new Promise((resolve) => setTimeout(resolve, 20));
  await client.close();
  await waiting;
  assert.throws(() => client.invoker(peer('backend-2', port), 0), { code: 'unavailable' });
});
