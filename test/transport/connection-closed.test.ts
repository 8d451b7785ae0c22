import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RpcError } from '../../src/rpc/index.js';
import { TRANSPORTS, rejectsWith, startPair } from '../rpc/harness.js';

for (const kind of TRANSPORTS) {
  describe(`connection closed over ${kind}`, () => {
    test('pending calls fail with unavailable when the peer goes away', async () => {
      await using pair = await startPair(kind);
      const calls = [pair.proxy.sleep(5000), pair.proxy.sleep(5000), pair.proxy.sleep(5000, { timeoutMs: Infinity })];
      const failures = calls.map((call) => rejectsWith(call, 'unavailable'));
      await sleep(20);
      await pair.server.close(); // the peer dies: its listener and connections go
      await Promise.all(failures);
      assert.equal(pair.conn.pendingCalls, 0);
      assert.equal(pair.conn.isClosed, true);
    });

    test('servants still working see their signal fire when the connection closes', async () => {
      await using pair = await startPair(kind);
      const failure = rejectsWith(pair.proxy.sleep(5000), 'cancelled'); // this side closes: the caller gave up
      await sleep(30);
      await pair.conn.close();
      await failure;
      while (pair.servant.aborted.length === 0) await sleep(5);
      assert.ok(pair.servant.aborted[0]!.reason instanceof RpcError);
    });

    test('calls after close fail at once with the close code', async () => {
      await using pair = await startPair(kind);
      await pair.listener.close();
      await pair.conn.closed;
      await rejectsWith(pair.proxy.echo('late'), 'unavailable');
    });

    test('the connection leaves the communicator and onClose listeners hear it', async () => {
      await using pair = await startPair(kind);
      const heard: (Error | undefined)[] = [];
      pair.conn.onClose((err) => heard.push(err));
      assert.equal(pair.client.connections.size, 1);
      await pair.conn.close();
      assert.equal(pair.client.connections.size, 0);
      assert.deepEqual(heard, [undefined]);
      while (pair.listener.connections.size > 0) await sleep(5);
    });
  });
}
