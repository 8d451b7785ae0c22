import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InProcessFrameConnection, InProcessHub, inProcessTransport } from '../../src/transport/index.js';

test('frames are delivered asynchronously, never during send, in order', async () => {
  const [a, b] = InProcessFrameConnection.pair();
  const got: number[] = [];
  b.attach({ frame: (f) => got.push(f[0]!), closed: () => {} });
  a.attach({ frame: () => {}, closed: () => {} });
  a.send(Uint8Array.of(1));
  a.send(Uint8Array.of(2));
  assert.deepEqual(got, []);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(got, [1, 2]);
});

test('closing one end delivers what it sent first, then tells the other end', async () => {
  const [a, b] = InProcessFrameConnection.pair();
  const events: string[] = [];
  b.attach({ frame: (f) => events.push(`frame ${f[0]}`), closed: (e) => events.push(`closed ${e}`) });
  a.attach({ frame: () => {}, closed: (e) => events.push(`a closed ${e}`) });
  a.send(Uint8Array.of(7));
  await a.close();
  await b.close();
  assert.deepEqual(events.sort(), ['a closed undefined', 'closed undefined', 'frame 7']);
  assert.equal(b.isClosed, true);
  b.send(Uint8Array.of(1)); // dropped, no throw
});

test('hubs are separate: a name is found only in its own hub', async () => {
  const hub = new InProcessHub();
  const t1 = inProcessTransport({ hub });
  const t2 = inProcessTransport({ hub });
  const other = inProcessTransport();
  const listener = await t1.listen(new URL('inproc://svc'), (c) => c.attach({ frame: () => {}, closed: () => {} }));
  const conn = await t2.connect(new URL('inproc://svc'));
  await assert.rejects(other.connect(new URL('inproc://svc')), { name: 'RpcError', code: 'unavailable' });
  await assert.rejects(t2.listen(new URL('inproc://svc'), () => {}), { code: 'unavailable' });
  await listener.close();
  assert.equal(conn.isClosed, true);
  await assert.rejects(t2.connect(new URL('inproc://svc')), { code: 'unavailable' });
});
