import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../src/rpc/index.js';
import { NatsTransport } from '../../src/transport/index.js';
import { until } from '../support/poll.js';
import { startNats } from '../support/services.js';
import { captureLogger } from '../rpc/harness.js';
import { describeCall, failsWith, orderAdapter, orderOps, peer, sleepCall } from './server-transport-fixtures.js';

test('nats-server killed: calls fail unavailable fast; restarted on the same port: calls work again', async () => {
  await using nats = await startNats();
  const options = { servers: nats.url, reconnectTimeWaitMs: 100, logger: silentLogger };
  await using server = new NatsTransport(options);
  const clientLog = captureLogger();
  await using client = new NatsTransport({ ...options, logger: clientLog });
  await server.listen(peer('backend-1'), orderAdapter().adapter);
  const link = client.invoker(peer('backend-1'), 0);
  await describeCall(link);

  // Deadlines far past the test's: a call that waited for NATS or its reply could only end
  // deadline_exceeded, so `unavailable` while NATS is still down shows it failed as NATS went.
  const inFlight = failsWith(sleepCall(link, 600_000, { timeoutMs: 600_000 }), 'unavailable');
  await new Promise((resolve) => setTimeout(resolve, 50));
  await nats.kill();
  assert.match((await inFlight).error.message, /NATS connection (lost|closed)/, 'the call in flight fails because NATS went');
  await until(() => client.state === 'down', 10_000, 'the client transport is down', 5);
  for (let i = 0; i < 3; i++) {
    // Refused at once by the down transport, not sent and left to its deadline.
    const { error } = await failsWith(describeCall(link, { timeoutMs: 600_000 }), 'unavailable');
    assert.match(error.message, /NATS is not connected/);
    assert.equal(client.state, 'down', 'failed while NATS was still down');
  }
  client.typeInvoker('order').send(orderOps.noteOneway, new Uint8Array(4));
  assert.ok(clientLog.lines.some((l) => l.message === 'one-way call not sent' && (l.fields as { code?: string }).code === 'unavailable'));

  await nats.start();
  const seen = await until(() => describeCall(link, { timeoutMs: 1000, extra: { back: 'yes' } }), 8000, 'a call succeeds once NATS is back');
  assert.deepEqual(seen.extra, { back: 'yes' });
  assert.equal(client.state, 'up');
  assert.equal(server.state, 'up');
  assert.equal((await describeCall(client.typeInvoker('order'))).server, 'server');
});

test('NATS unreachable at start: calls and listen fail unavailable; once it is up the transport connects by itself', async () => {
  const nats = await startNats();
  await nats.kill();
  const options = { servers: nats.url, backoff: { initialDelayMs: 50, maxDelayMs: 200 }, logger: silentLogger };
  await using server = new NatsTransport(options);
  await using client = new NatsTransport(options);
  const { adapter } = orderAdapter();
  await failsWith(server.listen(peer('backend-1'), adapter), 'unavailable');
  await failsWith(describeCall(client.invoker(peer('backend-1'), 0), { timeoutMs: 600_000 }), 'unavailable');
  // While down, calls fail at once: refused by the transport, not left to their (far) deadline.
  const { error } = await failsWith(describeCall(client.invoker(peer('backend-1'), 0), { timeoutMs: 600_000 }), 'unavailable');
  assert.match(error.message, /NATS is not connected/);
  assert.notEqual(client.state, 'up');

  await nats.start();
  try {
    await until(() => server.listen(peer('backend-1'), adapter), 5000, 'listen succeeds once NATS is up');
    assert.equal((await until(() => describeCall(client.invoker(peer('backend-1'), 0)), 5000, 'a call succeeds once NATS is up')).server, 'server');
  } finally {
    await nats.kill();
  }
});
