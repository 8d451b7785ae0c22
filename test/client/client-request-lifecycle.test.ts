import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, RpcError, type Client } from '../../src/client/index.js';
import { FakeServer, MSG, type FakePeer, type Received } from './fake-pomelo-server.js';

/** Routes the fake server treats specially; anything else is echoed. */
function onRequest(peer: FakePeer, req: Received): void {
  const body = JSON.parse(req.body.toString() || '{}') as Record<string, unknown>;
  switch (req.route) {
    case 'svc.fail':
      peer.respond(req.id, { code: body.code, message: 'it failed' }, { error: true });
      break;
    case 'svc.failOdd':
      peer.respond(req.id, { code: 'no_such_code', message: 'odd' }, { error: true });
      break;
    case 'svc.failBadBody':
      peer.respond(req.id, Buffer.from('not json'), { error: true });
      break;
    case 'svc.silent':
      break;
    case 'svc.late':
      setTimeout(() => peer.respond(req.id, { late: true }), 100);
      break;
    case 'svc.data500':
      peer.respond(req.id, { code: 500, message: 'just data' });
      break;
    default:
      peer.respond(req.id, req.body);
  }
}

describe('request lifecycle', () => {
  let server: FakeServer;
  let client: Client;
  let peer: FakePeer;

  before(async () => {
    server = await FakeServer.start({ transport: 'ws', onRequest, dict: { 'chat.say': 3 } });
    const peerP = server.nextAckedPeer();
    client = await connect(server.url, { timeoutMs: 2000 });
    peer = await peerP;
  });
  after(async () => {
    await client.close();
    await server.close();
  });

  test('notify arrives with its route and body, compressed when in the dictionary', async () => {
    const got = peer.nextMessage((m) => m.type === MSG.Notify);
    client.notify('chat.say', { text: 'hi' });
    const m = await got;
    assert.deepEqual([m.route, m.compressed, JSON.parse(m.body.toString())], ['chat.say', true, { text: 'hi' }]);
    const got2 = peer.nextMessage((m) => m.type === MSG.Notify);
    client.notify('chat.other');
    const m2 = await got2;
    assert.deepEqual([m2.route, m2.compressed, m2.body.toString()], ['chat.other', false, '{}']);
  });

  test('an error-flagged response rejects with RpcError carrying its code and message', async () => {
    await assert.rejects(client.request('svc.fail', { code: 'permission_denied' }), (err: unknown) => {
      assert.ok(err instanceof RpcError);
      assert.deepEqual(err.toJSON(), { code: 'permission_denied', message: 'it failed' });
      return true;
    });
    await assert.rejects(client.request('svc.failOdd'), { code: 'internal', message: 'odd' });
    await assert.rejects(client.request('svc.failBadBody'), { code: 'internal' });
  });

  test('a response without the error flag is data, whatever it contains', async () => {
    assert.deepEqual(await client.request('svc.data500'), { code: 500, message: 'just data' });
  });

  test('no response within timeoutMs rejects with deadline_exceeded; the late answer is ignored', async () => {
    await assert.rejects(client.request('svc.late', {}, { timeoutMs: 50 }), { code: 'deadline_exceeded' });
    await sleep(120); // the late response arrives and must be dropped quietly
    assert.deepEqual(await client.request('svc.echo', { still: 'fine' }), { still: 'fine' });
  });

  test('a request that fails later carries the stack of the code that made it', async () => {
    const err = await client.request('svc.silent', {}, { timeoutMs: 10 }).catch((e: unknown) => e);
    assert.ok(err instanceof RpcError);
    assert.match(err.stack ?? '', /^RpcError: no response within 10 ms\n/);
    assert.match(err.stack ?? '', /client-request-lifecycle\.test\.ts/);
  });

  test('the client default timeout applies when the request gives none', async () => {
    const short = await connect(server.url, { timeoutMs: 60 });
    await assert.rejects(short.request('svc.silent'), { code: 'deadline_exceeded' });
    await short.close();
  });

  test('aborting rejects with cancelled, before or after sending', async () => {
    const ac = new AbortController();
    const pending = client.request('svc.silent', {}, { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('user left')), 20);
    await assert.rejects(pending, { code: 'cancelled' });
    const sent = peer.messages.length;
    await assert.rejects(client.request('svc.echo', {}, { signal: AbortSignal.abort() }), { code: 'cancelled' });
    await sleep(20);
    assert.equal(peer.messages.length, sent, 'a request aborted before sending is not sent');
  });

  test('request ids increase', async () => {
    await client.request('svc.echo', 1);
    await client.request('svc.echo', 2);
    const ids = peer.messages.filter((m) => m.type === MSG.Request).map((m) => m.id);
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i]! > ids[i - 1]!, `ids ${ids.join(',')}`);
  });

  test('a body JSON cannot carry fails with bad_payload, and the connection stays usable', async () => {
    await assert.rejects(client.request('svc.echo', { n: 1n }), { code: 'bad_payload' });
    assert.throws(() => client.notify('svc.echo', { n: 1n }), { code: 'bad_payload' });
    await assert.rejects(client.request('x'.repeat(300)), { code: 'bad_payload' });
    assert.equal(await client.request('svc.echo', 5), 5);
  });

  test('close() fails waiting requests with cancelled, later ones with unavailable', async () => {
    const other = await connect(server.url);
    const waiting = assert.rejects(other.request('svc.silent'), { code: 'cancelled' });
    const events: unknown[] = [];
    other.on('close', (err) => events.push(err));
    await other.close();
    await waiting;
    await assert.rejects(other.request('svc.echo'), { code: 'unavailable' });
    assert.throws(() => other.notify('svc.echo'), { code: 'unavailable' });
    assert.deepEqual(events, [undefined]);
    assert.equal(other.connected, false);
  });
});
