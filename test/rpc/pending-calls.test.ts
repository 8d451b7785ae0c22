import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RpcError } from '../../src/rpc/index.js';
import { PendingCalls } from '../../src/rpc/pending-calls.js';

test('a thousand calls with deadlines arm one timer, not a thousand', async () => {
  const real = globalThis.setTimeout;
  let armed = 0;
  globalThis.setTimeout = ((fn: () => void, ms?: number) => (armed++, real(fn, ms))) as typeof setTimeout;
  const table = new PendingCalls();
  let results: PromiseSettledResult<Uint8Array>[];
  try {
    const calls = Array.from({ length: 1000 }, (_, i) => table.add(i + 1, 30 + (i % 5), undefined, undefined));
    for (let i = 1; i <= 500; i++) table.resolve(i, new Uint8Array(0));
    results = await Promise.allSettled(calls);
  } finally {
    globalThis.setTimeout = real;
  }
  assert.ok(armed <= 5, `armed ${armed} timers`);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 500);
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  assert.ok(failed.every((r) => r.reason instanceof RpcError && r.reason.code === 'deadline_exceeded'));
  assert.equal(table.size, 0);
});

test('a reply for an unknown or expired id is dropped', async () => {
  const table = new PendingCalls();
  const call = table.add(1, 10, undefined, undefined);
  await assert.rejects(call, { code: 'deadline_exceeded' });
  assert.equal(table.resolve(1, new Uint8Array(0)), false);
  assert.equal(table.reject(2, new RpcError('internal')), false);
});

test('close fails everything with the code given and refuses new calls', async () => {
  const table = new PendingCalls();
  const a = table.add(1, Infinity, undefined, undefined);
  table.close('unavailable', 'gone', new Error('socket reset'));
  await assert.rejects(a, { code: 'unavailable', message: 'gone' });
  await assert.rejects(table.add(2, 100, undefined, undefined), { code: 'unavailable' });
});

test('abort fails the call and reports the id for a cancel; listeners are removed on settle', async () => {
  const cancelled: number[] = [];
  const table = new PendingCalls({ onCancel: (id) => cancelled.push(id) });
  const ac = new AbortController();
  const a = table.add(5, 1000, ac.signal, undefined);
  const b = table.add(6, 1000, ac.signal, undefined);
  table.resolve(6, Uint8Array.of(1));
  ac.abort();
  await assert.rejects(a, { code: 'cancelled' });
  assert.deepEqual([...(await b)], [1]);
  assert.deepEqual(cancelled, [5]);
  await sleep(1);
});
