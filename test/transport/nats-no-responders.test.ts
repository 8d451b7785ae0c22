import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from 'nats';
import { silentLogger } from '../../src/rpc/index.js';
import { NatsTransport } from '../../src/transport/index.js';
import { startNats } from '../support/services.js';
import { describeCall, failsWith, orderAdapter, peer } from './server-transport-fixtures.js';

test('a call to a server id nobody listens on fails unavailable at once, not at its deadline', async () => {
  await using nats = await startNats();
  await using server = new NatsTransport({ servers: nats.url, logger: silentLogger });
  const connection = await connect({ servers: nats.url });
  const client = new NatsTransport({ connection, logger: silentLogger });
  await server.listen(peer('backend-1'), orderAdapter().adapter);
  assert.equal((await describeCall(client.invoker(peer('backend-1'), 0))).server, 'server');

  // Deadlines far past the test's: a call left to its deadline would end deadline_exceeded, so
  // `unavailable` with "no responders" shows NATS turned it away at once.
  const { error } = await failsWith(describeCall(client.invoker(peer('backend-404'), 0), { timeoutMs: 600_000 }), 'unavailable');
  assert.match(error.message, /no responders/);
  await failsWith(describeCall(client.typeInvoker('nobody'), { timeoutMs: 600_000 }), 'unavailable');
  await client.close();
  assert.equal(connection.isClosed(), false, 'a connection given to the transport stays open');
  await connection.close();
});

test('a server that stops listening is reported as no responders from then on', async () => {
  await using nats = await startNats();
  const server = new NatsTransport({ servers: nats.url, logger: silentLogger });
  await using client = new NatsTransport({ servers: nats.url, logger: silentLogger });
  await server.listen(peer('backend-1'), orderAdapter().adapter);
  const link = client.invoker(peer('backend-1'), 0);
  await describeCall(link);
  await server.close();
  const { error } = await failsWith(describeCall(link, { timeoutMs: 600_000 }), 'unavailable');
  assert.match(error.message, /no responders/);
});
