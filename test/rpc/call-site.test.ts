import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rejectsWith, startPair } from './harness.js';

async function userCodeThatCalls(p: Awaited<ReturnType<typeof startPair>>, what: 'timeout' | 'remote'): Promise<unknown> {
  return what === 'timeout' ? p.proxy.sleep(500, { timeoutMs: 10 }) : p.proxy.fail('permission_denied');
}

test('a late failure carries the stack of the call site, not of the receive loop', async () => {
  await using pair = await startPair('tcp');
  for (const what of ['timeout', 'remote'] as const) {
    const err = await rejectsWith(userCodeThatCalls(pair, what), what === 'timeout' ? 'deadline_exceeded' : 'permission_denied');
    assert.match(err.stack ?? '', /userCodeThatCalls/, err.stack);
    assert.match(err.stack ?? '', /call-site\.test\.ts/);
    assert.ok(err.stack!.startsWith(`RpcError: ${err.message}`));
  }
});

test('call-site capture can be turned off', async () => {
  await using pair = await startPair('inproc', { client: { captureCallSites: false } });
  const err = await rejectsWith(userCodeThatCalls(pair, 'remote'), 'permission_denied');
  assert.doesNotMatch(err.stack ?? '', /userCodeThatCalls/);
});
