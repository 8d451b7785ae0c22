import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PendingRequests } from '../../src/client/pending-requests.js';
import { RpcError } from '../../src/rpc/errors.js';
import { MAX_MESSAGE_ID, MessageType } from '../../src/wire/message.js';

test('request ids increase, wrap below 2^28 to 1 (never 0), and skip ids still waiting', async () => {
  const pending = new PendingRequests(MAX_MESSAGE_ID - 2);
  assert.equal(pending.nextId(), MAX_MESSAGE_ID - 1);
  assert.equal(pending.nextId(), MAX_MESSAGE_ID);
  assert.equal(pending.nextId(), 1);
  const waiting = pending.wait(2, Infinity, undefined);
  assert.equal(pending.nextId(), 3, 'id 2 is still waiting');
  assert.equal(pending.size, 1);
  const msg = { type: MessageType.Response, id: 2, route: '', routeCode: 0, compressed: false, error: false, body: new Uint8Array() };
  assert.equal(pending.resolve(2, msg), true);
  assert.equal(await waiting, msg);
  assert.equal(pending.resolve(2, msg), false, 'a second answer to the same id is ignored');
  assert.equal(pending.size, 0);
});

test('a deadline of 0 fails at once; Infinity never does', async () => {
  const pending = new PendingRequests();
  await assert.rejects(pending.wait(pending.nextId(), 0, undefined), { code: 'deadline_exceeded' });
  const forever = pending.wait(pending.nextId(), Infinity, undefined);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(pending.size, 1);
  pending.rejectAll(new RpcError('unavailable'));
  await assert.rejects(forever, { code: 'unavailable' });
});
