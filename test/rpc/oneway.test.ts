import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RpcConnection, type OperationRef, type RpcError } from '../../src/rpc/index.js';
import { InProcessFrameConnection } from '../../src/transport/index.js';
import { TRANSPORTS, ops, startPair } from './harness.js';

for (const kind of TRANSPORTS) {
  describe(`one-way calls over ${kind}`, () => {
    test('arrive in order and never reply', async () => {
      await using pair = await startPair(kind);
      for (let i = 0; i < 100; i++) pair.proxy.heartbeat_oneway(`hb${i}`);
      await pair.servant.heartbeatsReached(100);
      assert.deepEqual(
        pair.servant.heartbeats.map((h) => h.hello),
        Array.from({ length: 100 }, (_, i) => `hb${i}`),
      );
      assert.equal(pair.conn.pendingCalls, 0);
      // a two-way call after them still pairs with its own reply
      assert.equal(await pair.proxy.echo('after'), 'after');
    });

    test('a failing one-way call sends nothing back and is logged', async () => {
      await using pair = await startPair(kind);
      pair.proxy.fail_oneway('permission_denied');
      pair.proxy.fail_oneway('plain');
      pair.conn.send({ route: 'test.Server.nope', code: 99, oneway: true }, new Uint8Array(0));
      assert.equal(await pair.proxy.echo('still fine'), 'still fine');
      await sleep(20);
      const logged = pair.serverLog.lines.map((l) => `${l.level} ${(l.fields as { code: string }).code}`);
      assert.deepEqual(logged.sort(), ['error internal', 'warn not_found', 'warn permission_denied']);
      assert.equal(pair.clientLog.lines.length, 0);
    });

    test('sending on a closed connection is reported, not thrown', async () => {
      await using pair = await startPair(kind);
      const conn = await pair.client.connect(pair.listener.endpoint);
      await conn.close();
      conn.send(ops.heartbeat, new Uint8Array(0));
      assert.equal(pair.clientLog.lines.at(-1)?.message, 'one-way call not sent');
      assert.equal((pair.clientLog.lines.at(-1)?.fields as { code: string }).code, 'unavailable');
    });
  });
}

test('onSendError hears one-way calls that could not be sent', async () => {
  const failures: [RpcError, OperationRef][] = [];
  const conn = new RpcConnection(InProcessFrameConnection.pair()[0], { onSendError: (err, op) => failures.push([err, op]) });
  await conn.close();
  conn.send(ops.heartbeat, new Uint8Array(0));
  assert.equal(failures.length, 1);
  assert.equal(failures[0]![0].code, 'unavailable');
  assert.equal(failures[0]![1], ops.heartbeat);
});
