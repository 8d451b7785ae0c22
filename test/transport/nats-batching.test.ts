import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, createInbox, type Msg, type NatsConnection } from 'nats';
import { Adapter, answerEnvelope, decodeEnvelope, encodeEnvelope, requestEnvelope, silentLogger, type OperationEntry, type ReceiverInvoker, type ReplyReceiver, type RpcCallOptions } from '../../src/rpc/index.js';
import { NatsTransport } from '../../src/transport/index.js';
import { splitFrames } from '../../src/transport/frame-batch.js';
import { coalesceFrames } from '../../src/transport/frame-writer.js';
import { startNats } from '../support/services.js';
import { until } from '../support/poll.js';
import { describeCall, failsWith, keyBytes, orderAdapter, orderOps, peer } from './server-transport-fixtures.js';

const SERVER_SUBJECT = 'yard.srv.backend-1';

/** Every message NATS carries on `subject`, as seen by a plain subscriber beside the real ones. */
function spy(nc: NatsConnection, subject: string): Msg[] {
  const seen: Msg[] = [];
  nc.subscribe(subject, { callback: (_err, msg) => seen.push(msg) });
  return seen;
}

/** One message carrying `frames`, framed as the transport frames them. */
function batch(frames: Uint8Array[]): Uint8Array {
  return coalesceFrames(frames, frames.reduce((sum, frame) => sum + 4 + frame.length, 0));
}

function describeRequest(id: number): Uint8Array {
  const fields = { route: orderOps.describe.route, code: undefined, timeoutMs: 10_000, extra: undefined, session: undefined };
  return encodeEnvelope(requestEnvelope('request', id, fields, new Uint8Array(0)));
}

test('the calls of one turn travel as one NATS message and are answered by one', async () => {
  await using nats = await startNats();
  await using server = new NatsTransport({ servers: nats.url, logger: silentLogger });
  await using client = new NatsTransport({ servers: nats.url, logger: silentLogger });
  const watcher = await connect({ servers: nats.url });
  const requests = spy(watcher, SERVER_SUBJECT);
  const replies = spy(watcher, '_INBOX.>');
  await watcher.flush();
  await server.listen(peer('backend-1'), orderAdapter().adapter);
  const link = client.invoker(peer('backend-1'), 0);
  await describeCall(link); // connected, so the calls below are not held for the connect
  await until(() => requests.length === 1 && replies.length === 1, 5000, 'the first call and its reply seen');

  const answers = await Promise.all(Array.from({ length: 50 }, () => describeCall(link)));
  assert.ok(answers.every((answer) => answer.route === orderOps.describe.route));
  await watcher.flush();
  assert.equal(requests.length, 2, '50 calls made in one turn went out as one message');
  assert.equal(splitFrames(requests[1]!.data).length, 50);
  assert.equal(replies.length, 2, 'their 50 answers came back as one message');
  assert.equal(splitFrames(replies[1]!.data).length, 50);

  for (let i = 0; i < 3; i++) await describeCall(link);
  await watcher.flush();
  assert.equal(requests.length, 5, 'calls made in separate turns go out separately');
  await watcher.close();
});

test('every call of a message nobody listens for fails unavailable at once', async () => {
  await using nats = await startNats();
  await using client = new NatsTransport({ servers: nats.url, logger: silentLogger });
  await failsWith(describeCall(client.invoker(peer('backend-0'), 0)), 'unavailable'); // connected
  const link = client.invoker(peer('backend-404'), 0);
  const failures = await Promise.all(Array.from({ length: 20 }, () => failsWith(describeCall(link, { timeoutMs: 600_000 }), 'unavailable')));
  for (const { error } of failures) assert.match(error.message, /no responders/);
});

test('a call over the NATS max payload fails bad_payload at once; the calls beside it go through', async () => {
  await using nats = await startNats();
  await using server = new NatsTransport({ servers: nats.url, logger: silentLogger });
  await using client = new NatsTransport({ servers: nats.url, logger: silentLogger });
  await server.listen(peer('backend-1'), orderAdapter().adapter);
  const link = client.invoker(peer('backend-1'), 0);
  await describeCall(link);
  const huge = new Uint8Array(client.maxPayload + 1);
  const before = describeCall(link);
  const tooLarge = failsWith(link.call(orderOps.describe, huge, { timeoutMs: 600_000 }), 'bad_payload');
  const after = describeCall(link);
  assert.match((await tooLarge).error.message, /max payload/);
  assert.equal((await before).server, 'server');
  assert.equal((await after).server, 'server');
});

/** A servant whose answer is as long as the number its caller sends. */
class Filler {
  static readonly operations: readonly OperationEntry<Filler>[] = [
    { route: 'test.Filler.fill', code: 1, oneway: false, invoke: (_s, args) => new Uint8Array(Number(new TextDecoder().decode(args))) },
  ];
}

test('a reply over the NATS max payload fails its call bad_payload; the other replies of the turn arrive', async () => {
  await using nats = await startNats();
  await using server = new NatsTransport({ servers: nats.url, logger: silentLogger });
  await using client = new NatsTransport({ servers: nats.url, logger: silentLogger });
  await server.listen(peer('backend-1'), new Adapter({ name: 'filler' }).add(new Filler()));
  const link = client.invoker(peer('backend-1'), 0);
  const fill = (bytes: number) => link.call(Filler.operations[0]!, new TextEncoder().encode(String(bytes)), { timeoutMs: 600_000 });
  assert.equal((await fill(10)).length, 10);
  const max = client.maxPayload;
  const [small, tooLarge, large] = [fill(100), failsWith(fill(max), 'bad_payload'), fill(max - 100)];
  assert.equal((await small).length, 100);
  assert.match((await tooLarge).error.message, /max payload/);
  assert.equal((await large).length, max - 100, 'a reply that fits alone went in a message of its own');
});

test('a broken message to a server is dropped whole; a bad frame in a good message costs only itself', async () => {
  await using nats = await startNats();
  await using server = new NatsTransport({ servers: nats.url, logger: silentLogger });
  await server.listen(peer('backend-1'), orderAdapter().adapter);
  const raw = await connect({ servers: nats.url });
  const inbox = createInbox();
  const replies = raw.subscribe(inbox);

  raw.publish(SERVER_SUBJECT, Uint8Array.of(0, 0, 0, 50, 1, 2, 3), { reply: inbox }); // length past the end
  raw.publish(SERVER_SUBJECT, batch([describeRequest(1), Uint8Array.of(0xff, 0xff, 0xff), describeRequest(3)]), { reply: inbox });
  const answered: number[] = [];
  for await (const msg of replies) {
    for (const frame of splitFrames(msg.data)) answered.push(decodeEnvelope(frame).id);
    if (answered.length >= 2) break;
  }
  assert.deepEqual(answered, [1, 3], 'the two good requests of the second message were answered, nothing of the first');

  await using client = new NatsTransport({ servers: nats.url, logger: silentLogger });
  assert.equal((await describeCall(client.invoker(peer('backend-1'), 0))).server, 'server', 'the server goes on');
  await raw.close();
});

test('a reply message that does not decode fails the calls it answers; replies before the bad frame stand, and the link goes on', async () => {
  await using nats = await startNats();
  await using client = new NatsTransport({ servers: nats.url, logger: silentLogger });
  const raw = await connect({ servers: nats.url });
  let answer: 'good' | 'bad frame' | 'bad framing' = 'good';
  const reply = (id: number) => encodeEnvelope(answerEnvelope('reply', id, Uint8Array.of(id)));
  raw.subscribe(SERVER_SUBJECT, {
    callback: (_err, msg) => {
      const ids = splitFrames(msg.data).map((frame) => decodeEnvelope(frame).id);
      if (answer === 'good') msg.respond(batch(ids.map(reply)));
      else if (answer === 'bad frame') msg.respond(batch([reply(ids[0]!), Uint8Array.of(0xff, 0xff, 0xff)]));
      else msg.respond(Uint8Array.of(0, 0, 0, 50, 1, 2, 3)); // a length past the end
    },
  });
  await raw.flush();
  const link = client.invoker(peer('backend-1'), 0);
  const call = () => link.call(orderOps.describe, new Uint8Array(0), { timeoutMs: 600_000 });
  await call(); // connected, so the calls below go out in one message

  answer = 'bad frame';
  const [first, ...rest] = [call(), call(), call()];
  assert.equal((await first).length, 1, 'the reply before the bad frame was delivered');
  for (const failed of await Promise.all(rest.map((p) => failsWith(p, 'bad_payload')))) assert.match(failed.error.message, /malformed reply/);

  answer = 'bad framing';
  await Promise.all([call(), call()].map((p) => failsWith(p, 'bad_payload')));

  answer = 'good';
  assert.equal((await call()).length, 1, 'the link goes on');
  await raw.close();
});

test('one-way calls made in the turn a transport closes are still sent', async () => {
  await using nats = await startNats();
  await using server = new NatsTransport({ servers: nats.url, logger: silentLogger });
  const { adapter, servant } = orderAdapter();
  await server.listen(peer('backend-1'), adapter);
  const client = new NatsTransport({ servers: nats.url, logger: silentLogger });
  const link = client.invoker(peer('backend-1'), 0);
  await describeCall(link);
  for (let seq = 0; seq < 10; seq++) {
    link.send(orderOps.noteOneway, keyBytes(seq), { session: keyBytes(7) } as RpcCallOptions);
  }
  await client.close();
  await until(() => servant.received === 10, 5000, 'ten one-way calls served');
  assert.equal(servant.reorderings, 0);
});

/** Answers `poke`, after sending the caller's server a one-way `noted` when the body's byte is 1. */
class Poker {
  constructor(readonly transport: NatsTransport) {}
  static readonly operations: readonly OperationEntry<Poker>[] = [
    {
      route: 'test.Poker.poke',
      code: 1,
      oneway: false,
      invoke: (s, args) => {
        if (args[1] === 1) s.transport.invoker(peer('gw-1')).send(Noted.operations[0]!, args);
        return args;
      },
    },
  ];
}

/** Records the one-way calls it is sent. */
class Noted {
  readonly seen = new Set<number>();
  static readonly operations: readonly OperationEntry<Noted>[] = [
    { route: 'test.Noted.noted', code: 1, oneway: true, invoke: (s, args) => (s.seen.add(args[0]!), args) },
  ];
}

test('what a server sends during a turn keeps its order across subjects: a one-way sent before an answer arrives first', async () => {
  await using nats = await startNats();
  await using backend = new NatsTransport({ servers: nats.url, logger: silentLogger });
  await using gateway = new NatsTransport({ servers: nats.url, logger: silentLogger });
  const noted = new Noted();
  await backend.listen(peer('backend-1'), new Adapter({ name: 'backend' }).add(new Poker(backend)));
  await gateway.listen(peer('gw-1'), new Adapter({ name: 'gw' }).add(noted));
  const link = gateway.invoker(peer('backend-1'), 0) as ReceiverInvoker;
  const poke = (n: number, send: boolean, receiver: ReplyReceiver) =>
    link.callInto(Poker.operations[0]!, Uint8Array.of(n, send ? 1 : 0), undefined, receiver);
  await new Promise<void>((resolve, reject) => poke(0, false, { replied: () => resolve(), failed: reject }));
  // In one turn the backend answers call 1, then sends a one-way and answers call 2, and so on:
  // each one-way must reach the gateway before the answer that follows it. The receiver looks
  // as the answer arrives (a Promise would look only after the whole batch was read).
  const early: number[] = [];
  await Promise.all(
    Array.from({ length: 60 }, (_, i) => {
      const send = i % 2 === 1;
      return new Promise<void>((resolve, reject) =>
        poke(i, send, {
          replied: () => {
            if (send && !noted.seen.has(i)) early.push(i);
            resolve();
          },
          failed: reject,
        }),
      );
    }),
  );
  assert.deepEqual(early, [], 'answers that arrived before the one-way sent ahead of them');
  assert.equal(noted.seen.size, 30);
});
