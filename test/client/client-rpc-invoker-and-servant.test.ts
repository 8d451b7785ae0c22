import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, RpcError, type CallContext, type OperationEntry, type OperationRef } from '../../src/client/index.js';
import { FakeServer, MSG, type FakePeer, type Received } from './fake-pomelo-server.js';

const servers: FakeServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

const echoOp: OperationRef = { route: 'demo.Echo.echo', code: 21, oneway: false };
const failOp: OperationRef = { route: 'demo.Echo.fail', code: 22, oneway: false };
const tellOp: OperationRef = { route: 'demo.Echo.tell', code: 23, oneway: true };

function onRequest(peer: FakePeer, req: Received): void {
  if (req.route === failOp.route) peer.respond(req.id, { code: 'not_found', message: 'no such pet' }, { error: true });
  else peer.respond(req.id, Buffer.from([...req.body].reverse()));
}

async function session() {
  const server = await FakeServer.start({ transport: 'tcp', onRequest, dict: { [echoOp.route]: 21 } });
  servers.push(server);
  const peerP = server.nextAckedPeer();
  const client = await connect(server.url);
  return { server, client, peer: await peerP };
}

test('invoker call sends raw bytes on the operation route and resolves with raw bytes', async () => {
  const { client, peer } = await session();
  const invoker = client.invoker();
  assert.equal(client.invoker(), invoker, 'one invoker per client');
  const args = new Uint8Array([0x00, 0xff, 0x80, 0x0a, 0x7b]);
  const result = await invoker.call(echoOp, args);
  assert.deepEqual([...result], [0x7b, 0x0a, 0x80, 0xff, 0x00]);
  const sent = peer.messages.at(-1)!;
  assert.deepEqual([sent.route, sent.compressed, [...sent.body]], [echoOp.route, true, [...args]]);
  await assert.rejects(invoker.call(failOp, new Uint8Array()), (err: unknown) => {
    assert.ok(err instanceof RpcError);
    assert.deepEqual(err.toJSON(), { code: 'not_found', message: 'no such pet' });
    return true;
  });
  const silentPeerCall = invoker.call(echoOp, new Uint8Array([1]), { signal: AbortSignal.abort() });
  await assert.rejects(silentPeerCall, { code: 'cancelled' });
  await client.close();
});

test('invoker send is a notify with raw bytes; when closed it reports an error event', async () => {
  const { client, peer } = await session();
  const got = peer.nextMessage((m) => m.type === MSG.Notify);
  client.invoker().send(tellOp, new Uint8Array([9, 8, 7]));
  const m = await got;
  assert.deepEqual([m.route, m.compressed, [...m.body]], [tellOp.route, false, [9, 8, 7]]);
  await client.close();
  const errors: RpcError[] = [];
  client.on('error', (e) => errors.push(e));
  client.invoker().send(tellOp, new Uint8Array([1]));
  assert.deepEqual(errors.map((e) => e.code), ['unavailable']);
});

/** What the IDL compiler would emit for a servant the client implements. */
abstract class NotifierServant {
  static readonly operations: readonly OperationEntry<NotifierServant>[] = [
    {
      route: 'demo.Notifier.notice',
      code: 40,
      oneway: true,
      invoke: (servant, args, ctx) => {
        servant.notice(new TextDecoder().decode(args), ctx);
        return new Uint8Array();
      },
    },
    {
      route: 'demo.Notifier.explode',
      code: 41,
      oneway: true,
      invoke: async () => {
        throw new RpcError('internal', 'servant exploded');
      },
    },
  ];
  abstract notice(text: string, ctx: CallContext): void;
}

class Notifier extends NotifierServant {
  readonly seen: { text: string; ctx: CallContext }[] = [];
  notice(text: string, ctx: CallContext): void {
    this.seen.push({ text, ctx });
  }
}

test('a push on a served operation route invokes the servant, not the JSON listeners', async () => {
  const { client, peer } = await session();
  const servant = new Notifier();
  const stop = client.serve(servant);
  const jsonPushes: unknown[] = [];
  client.on('demo.Notifier.notice', (b) => jsonPushes.push(b));
  const errors: RpcError[] = [];
  client.on('error', (e) => errors.push(e));
  peer.push('demo.Notifier.notice', Buffer.from('binary, not JSON: \u00e9'));
  peer.push('demo.Notifier.explode', Buffer.alloc(0));
  await sleep(50);
  assert.equal(servant.seen.length, 1);
  const [{ text, ctx }] = servant.seen as [{ text: string; ctx: CallContext }];
  assert.equal(text, 'binary, not JSON: \u00e9');
  assert.equal(ctx.route, 'demo.Notifier.notice');
  assert.deepEqual(ctx.extra, {});
  assert.equal(ctx.caller, client.invoker(), 'the servant can call back over the same connection');
  assert.equal(ctx.signal.aborted, false);
  assert.deepEqual(jsonPushes, []);
  assert.deepEqual(errors.map((e) => [e.code, e.message]), [['internal', 'served operation demo.Notifier.explode failed: servant exploded']]);
  assert.throws(() => client.serve(new Notifier()), { code: 'ERR_CONFIG' });
  assert.throws(() => client.serve({}), { code: 'ERR_CONFIG' });

  stop();
  peer.push('demo.Notifier.notice', { now: 'json' });
  await sleep(50);
  assert.deepEqual(jsonPushes, [{ now: 'json' }], 'after stop() the route is an ordinary push again');
  await client.close();
  assert.equal(ctx.signal.aborted, true, 'the call context signal fires when the client closes');
});
