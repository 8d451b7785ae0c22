import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../src/rpc/index.js';
import { NatsTransport, sessionKey } from '../../src/transport/index.js';
import { startNats } from '../support/services.js';
import { describeCall, note, orderAdapter, peer } from './server-transport-fixtures.js';

const KEYS = 200;
const CALLS_PER_KEY = 500;

test(`${KEYS} keys × ${CALLS_PER_KEY} two-way calls sent without waiting over NATS arrive in order per key`, async () => {
  await using nats = await startNats();
  await using server = new NatsTransport({ servers: nats.url, logger: silentLogger });
  await using client = new NatsTransport({ servers: nats.url, logger: silentLogger });
  const { adapter, servant } = orderAdapter();
  assert.equal(await server.listen(peer('backend-1'), adapter), 0);
  const target = peer('backend-1');
  await describeCall(client.invoker(target, 0)); // connected: the calls below take the direct path
  const keys = Array.from({ length: KEYS }, (_, i) => sessionKey(`session-${i}`));
  const calls: Promise<Uint8Array>[] = [];
  for (let seq = 0; seq < CALLS_PER_KEY; seq++) {
    for (const key of keys) calls.push(note(client.invoker(target, key), key, seq, { timeoutMs: 60_000 }));
  }
  await Promise.all(calls);
  assert.equal(servant.received, KEYS * CALLS_PER_KEY);
  assert.equal(servant.reorderings, 0);
  for (const key of keys) assert.equal(servant.next.get(key), CALLS_PER_KEY);
});

test('calls made while the first NATS connect is in progress wait for it and keep their order', async () => {
  await using nats = await startNats();
  await using server = new NatsTransport({ servers: nats.url, logger: silentLogger });
  await using client = new NatsTransport({ servers: nats.url, logger: silentLogger });
  const { adapter, servant } = orderAdapter();
  await server.listen(peer('backend-1'), adapter);
  const link = client.invoker(peer('backend-1'), 0);
  const calls = [note(link, 1, 0)];
  assert.equal(client.state, 'connecting');
  for (let seq = 1; seq < 300; seq++) calls.push(note(link, 1, seq));
  await Promise.all(calls);
  assert.equal(servant.reorderings, 0);
  assert.equal(servant.next.get(1), 300);
});
