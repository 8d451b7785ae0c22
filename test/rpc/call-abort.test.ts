import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RpcError } from '../../src/rpc/index.js';
import { TRANSPORTS, rejectsWith, startPair } from './harness.js';

for (const kind of TRANSPORTS) {
  describe(`aborting calls over ${kind}`, () => {
    test('an abort fails the call with cancelled and cancels the servant', async () => {
      await using pair = await startPair(kind);
      const ac = new AbortController();
      const call = pair.proxy.sleep(5000, { signal: ac.signal });
      await sleep(20);
      ac.abort();
      await rejectsWith(call, 'cancelled');
      assert.equal(pair.conn.pendingCalls, 0);
      while (pair.servant.aborted.length === 0) await sleep(5);
      const reason = pair.servant.aborted[0]!.reason;
      assert.ok(reason instanceof RpcError && reason.code === 'cancelled');
      assert.equal(await pair.proxy.echo('still usable'), 'still usable');
    });

    test('an already aborted signal fails without sending', async () => {
      await using pair = await startPair(kind);
      await rejectsWith(pair.proxy.sleep(10, { signal: AbortSignal.abort() }), 'cancelled');
      pair.proxy.heartbeat_oneway('dropped', { signal: AbortSignal.abort() });
      pair.proxy.heartbeat_oneway('sent');
      await pair.servant.heartbeatsReached(1);
      assert.deepEqual(pair.servant.heartbeats.map((h) => h.hello), ['sent']);
    });

    test('aborting after the reply changes nothing', async () => {
      await using pair = await startPair(kind);
      const ac = new AbortController();
      assert.equal(await pair.proxy.echo('done', { signal: ac.signal }), 'done');
      ac.abort();
      assert.equal(pair.conn.pendingCalls, 0);
    });

    test('the abort reason is kept as the cause', async () => {
      await using pair = await startPair(kind);
      const ac = new AbortController();
      const call = pair.proxy.sleep(1000, { signal: ac.signal });
      ac.abort(new Error('user left'));
      const err = await rejectsWith(call, 'cancelled');
      assert.equal((err.cause as Error).message, 'user left');
    });
  });
}
