import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TRANSPORTS, startPair } from './harness.js';

for (const kind of TRANSPORTS) {
  describe(`extra over ${kind}`, () => {
    test('a two-way call carries extra to the servant context', async () => {
      await using pair = await startPair(kind);
      const extra = { date: '1926-12-12', user: 'ünï 🚀', empty: '', 'key with spaces': 'v' };
      assert.deepEqual(await pair.proxy.whoami({ extra }), extra);
      assert.deepEqual(await pair.proxy.whoami(), {});
    });

    test('a "__proto__" key arrives as a plain key, not a prototype', async () => {
      await using pair = await startPair(kind);
      const extra: Record<string, string> = {};
      Object.defineProperty(extra, '__proto__', { value: 'x', enumerable: true });
      const seen = await pair.proxy.whoami({ extra });
      assert.equal(Object.getPrototypeOf(seen), Object.prototype);
      assert.equal(Object.getOwnPropertyDescriptor(seen, '__proto__')?.value, 'x');
    });

    test('a one-way call carries extra too', async () => {
      await using pair = await startPair(kind);
      pair.proxy.heartbeat_oneway('hi', { extra: { trace: 'abc' } });
      await pair.servant.heartbeatsReached(1);
      assert.deepEqual(pair.servant.heartbeats[0]!.extra, { trace: 'abc' });
    });

    test('a non-string extra value fails the call with bad_payload', async () => {
      await using pair = await startPair(kind);
      await assert.rejects(pair.proxy.whoami({ extra: { n: 1 as unknown as string } }), { code: 'bad_payload' });
    });
  });
}
