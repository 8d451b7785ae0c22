import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { callWithCallback, type RpcError } from '../../src/rpc/index.js';
import { TRANSPORTS, startPair } from './harness.js';

for (const kind of TRANSPORTS) {
  describe(`two-way calls over ${kind}`, () => {
    test('a call resolves with the servant result', async () => {
      await using pair = await startPair(kind);
      assert.equal(await pair.proxy.echo('hello'), 'hello');
      assert.equal(await pair.proxy.add(2, 40), 42);
      assert.equal(pair.conn.pendingCalls, 0);
    });

    test('many concurrent calls each get their own reply', async () => {
      await using pair = await startPair(kind);
      const results = await Promise.all(Array.from({ length: 500 }, (_, i) => pair.proxy.add(i, 1)));
      assert.deepEqual(results, Array.from({ length: 500 }, (_, i) => i + 1));
    });

    test('unicode and large bodies cross intact', async () => {
      await using pair = await startPair(kind);
      const text = 'héllo 世界 🚀 '.repeat(20_000);
      assert.equal(await pair.proxy.echo(text), text);
    });

    test('calls by route code alone reach the same servant', async () => {
      await using pair = await startPair(kind, { client: { routing: 'code' } });
      assert.equal(await pair.proxy.echo('by code'), 'by code');
    });

    test('the callback form reports the result or the error', async () => {
      await using pair = await startPair(kind);
      const ok = await new Promise<[RpcError | null, string | undefined]>((resolve) =>
        callWithCallback(pair.proxy.echo('cb'), (err, r) => resolve([err, r])),
      );
      assert.deepEqual(ok, [null, 'cb']);
      const failed = await new Promise<RpcError | null>((resolve) =>
        callWithCallback(pair.proxy.fail('not_found'), (err) => resolve(err)),
      );
      assert.equal(failed?.code, 'not_found');
    });
  });
}
