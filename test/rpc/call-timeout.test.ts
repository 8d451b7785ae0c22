import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RpcConnection, RpcError, answerEnvelope, decodeEnvelope, encodeEnvelope } from '../../src/rpc/index.js';
import { InProcessFrameConnection } from '../../src/transport/index.js';
import { until } from '../support/poll.js';
import { TRANSPORTS, captureLogger, ops, rejectsWith, startPair } from './harness.js';

for (const kind of TRANSPORTS) {
  describe(`call deadlines over ${kind}`, () => {
    test('a call past its timeoutMs fails with deadline_exceeded, not early', async () => {
      await using pair = await startPair(kind);
      // The servant would sleep 10 minutes: only the deadline can end the call. Not early: the
      // servant got the call and was still at it when the deadline passed (its signal says so).
      await rejectsWith(pair.proxy.sleep(600_000, { timeoutMs: 60 }), 'deadline_exceeded');
      assert.equal(pair.conn.pendingCalls, 0);
      await until(() => pair.servant.aborted.length === 1, 10_000, 'the servant sees the deadline pass');
      const reason = pair.servant.aborted[0]!.reason;
      assert.ok(reason instanceof RpcError && reason.code === 'deadline_exceeded', `aborted with ${String(reason)}`);
    });

    test("the communicator's default timeout applies when the call sets none", async () => {
      await using pair = await startPair(kind, { client: { defaultTimeoutMs: 50 } });
      await rejectsWith(pair.proxy.sleep(1000), 'deadline_exceeded');
    });

    test('the servant sees the deadline pass on its signal', async () => {
      await using pair = await startPair(kind);
      await rejectsWith(pair.proxy.sleep(2000, { timeoutMs: 40 }), 'deadline_exceeded');
      while (pair.servant.aborted.length === 0) await sleep(5);
      const reason = pair.servant.aborted[0]!.reason;
      assert.ok(reason instanceof RpcError && reason.code === 'deadline_exceeded');
    });

    test('calls with different deadlines expire in deadline order', async () => {
      await using pair = await startPair(kind);
      const order: number[] = [];
      const calls = [90, 30, 60].map((t) =>
        pair.proxy.sleep(1000, { timeoutMs: t }).catch((err: RpcError) => {
          assert.equal(err.code, 'deadline_exceeded');
          order.push(t);
        }),
      );
      await Promise.all(calls);
      assert.deepEqual(order, [30, 60, 90]);
    });

    test('timeoutMs 0 fails at once; Infinity means no deadline', async () => {
      await using pair = await startPair(kind, { client: { defaultTimeoutMs: 10 } });
      await rejectsWith(pair.proxy.echo('x', { timeoutMs: 0 }), 'deadline_exceeded');
      assert.equal(await pair.proxy.sleep(40, { timeoutMs: Infinity }), undefined);
    });
  });
}

test('a reply that comes after the deadline is dropped and the connection goes on', async () => {
  // A hand-driven peer that answers every request 50 ms late, ignoring the deadline it was sent.
  const [near, far] = InProcessFrameConnection.pair('late');
  const log = captureLogger();
  const conn = new RpcConnection(near, { logger: log });
  let delay = 50;
  far.attach({
    frame: (f) => {
      const req = decodeEnvelope(f);
      if (req.kind !== 'request') return;
      setTimeout(() => far.send(encodeEnvelope(answerEnvelope('reply', req.id, req.body))), delay);
    },
    closed: () => {},
  });
  await rejectsWith(conn.call(ops.echo, Uint8Array.of(1), { timeoutMs: 20 }), 'deadline_exceeded');
  assert.equal(conn.pendingCalls, 0, 'the entry is freed at the deadline');
  await sleep(60); // the late reply arrives now
  far.send(encodeEnvelope(answerEnvelope('reply', 12345, Uint8Array.of(9)))); // and a bogus one
  await sleep(5);
  assert.equal(conn.isClosed, false);
  assert.deepEqual(log.lines, []);
  delay = 0;
  assert.deepEqual([...(await conn.call(ops.echo, Uint8Array.of(2), { timeoutMs: 1000 }))], [2]);
  await conn.close();
});
