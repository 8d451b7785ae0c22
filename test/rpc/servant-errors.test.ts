import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RpcCodes, RpcError, type RpcCode } from '../../src/rpc/index.js';
import { TRANSPORTS, rejectsWith, startPair } from './harness.js';

for (const kind of TRANSPORTS) {
  describe(`servant errors over ${kind}`, () => {
    test('every RpcError code a servant throws reaches the caller with its message', async () => {
      await using pair = await startPair(kind);
      for (const code of Object.keys(RpcCodes) as RpcCode[]) {
        for (const async of [false, true]) {
          const err = await rejectsWith(pair.proxy.fail(code, async), code);
          assert.equal(err.message, `servant says ${code}`);
          assert.ok(err instanceof RpcError);
        }
      }
      assert.equal(pair.serverLog.lines.length, 0, 'deliberate RpcErrors are not logged');
    });

    test('a non-RpcError becomes internal with its message, and is logged on the server', async () => {
      await using pair = await startPair(kind);
      const sync = await rejectsWith(pair.proxy.fail('plain'), 'internal');
      assert.equal(sync.message, 'plain failure');
      const asyncErr = await rejectsWith(pair.proxy.fail('plain', true), 'internal');
      assert.equal(asyncErr.message, 'plain failure');
      const str = await rejectsWith(pair.proxy.fail('string'), 'internal');
      assert.equal(str.message, 'a bare string');
      assert.equal(pair.serverLog.lines.filter((l) => l.level === 'error').length, 3);
    });

    test('an unknown route or route code fails with not_found', async () => {
      await using pair = await startPair(kind);
      const byRoute = await rejectsWith(pair.conn.call({ route: 'test.Server.nope', code: 1, oneway: false }, new Uint8Array()), 'not_found');
      assert.match(byRoute.message, /test\.Server\.nope/);
      await using byCode = await startPair(kind, { client: { routing: 'code' } });
      await rejectsWith(byCode.conn.call({ route: 'ignored', code: 999, oneway: false }, new Uint8Array()), 'not_found');
    });

    test('results that are falsy (0, "", [], false, null, nothing) still reply', async () => {
      await using pair = await startPair(kind);
      assert.equal(await pair.proxy.value('zero'), 0);
      assert.equal(await pair.proxy.value('empty'), '');
      assert.deepEqual(await pair.proxy.value('list'), []);
      assert.equal(await pair.proxy.value('false'), false);
      assert.equal(await pair.proxy.value('null'), null);
      assert.equal(await pair.proxy.value('missing'), undefined);
    });

    test('the connection survives every failure', async () => {
      await using pair = await startPair(kind);
      await Promise.allSettled([pair.proxy.fail('internal'), pair.proxy.fail('plain', true)]);
      assert.equal(await pair.proxy.echo('alive'), 'alive');
    });
  });
}
