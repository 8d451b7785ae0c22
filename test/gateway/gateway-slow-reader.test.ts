import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import type { Application, HandlerContext } from '../../src/index.js';
import { startTestApp, waitFor } from '../support/apps.js';
import { Protocol, RawClient } from '../support/pomelo-raw-client.js';

let app: Application;
let wsUrl: string;
let tcpPort: number;

before(async () => {
  ({ app, wsUrl, tcpPort } = await startTestApp(
    (a) =>
      a.handler('flood', {
        join(_b: unknown, ctx: HandlerContext) {
          a.group('flood').add(ctx.session);
          return a.group('flood').size;
        },
        echo: (b: unknown) => b,
      }),
    { sendQueueLimit: 256 * 1024 },
  ));
});
after(() => app.stop());

test('a client that stops reading is dropped at its queue limit; memory stays bounded; others are served', async () => {
  // The slow reader: a raw TCP socket that handshakes, joins, then never reads again.
  const slow = connect(tcpPort, '127.0.0.1');
  slow.on('error', () => {});
  await new Promise<void>((r) => slow.once('connect', () => r()));
  slow.write(Protocol.Package.encode(1, Protocol.strencode('{"sys":{},"user":{}}')));
  slow.write(Protocol.Package.encode(2));
  slow.write(Protocol.Package.encode(4, Protocol.Message.encode(1, 0, 0, 'flood.join', Protocol.strencode('{}'))));
  await waitFor(() => app.group('flood').size === 1);
  slow.pause();

  const healthy = await (await RawClient.ws(wsUrl)).open();

  const body = { pad: 'x'.repeat(1000) };
  const heapBefore = process.memoryUsage().heapUsed;
  let rounds = 0;
  // Push ~50 KB per round; the slow client's kernel buffers fill, then its queue does.
  while (app.group('flood').size === 1 && rounds < 5_000) {
    for (let i = 0; i < 50; i++) app.group('flood').broadcast('flood.onData', body);
    rounds++;
    await new Promise((r) => setImmediate(r));
  }
  // The paused client cannot notice the close until it reads again; the server side is what counts.
  assert.equal(app.group('flood').size, 0, 'the slow client left the group');
  assert.equal(app.gateway.stats.connections, 1, 'only the healthy client remains');
  slow.destroy();
  assert.ok((app.gateway.stats.errors.ERR_SEND_QUEUE_FULL ?? 0) >= 1);
  const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
  assert.ok(heapGrowth < 64 * 1024 * 1024, `heap grew by ${heapGrowth} bytes`);
  assert.equal(await healthy.request('flood.echo', 'ok'), 'ok');
  healthy.close();
});

test('connections past maxConnections are refused while existing ones carry on', async () => {
  const { app: small, wsUrl: url, tcpPort: port } = await startTestApp((a) => a.handler('e', { echo: (b: unknown) => b }), {
    maxConnections: 2,
    serverId: 'cap',
  });
  try {
    const a = await (await RawClient.ws(url)).open();
    const b = await (await RawClient.tcp(port)).open();
    const refusedTcp = await RawClient.tcp(port);
    await refusedTcp.closed;
    await assert.rejects(RawClient.ws(url));
    assert.equal(await a.request('e.echo', 1), 1);
    assert.equal(await b.request('e.echo', 2), 2);
    assert.ok(small.gateway.stats.errors.ERR_TOO_MANY_CONNECTIONS! >= 2);
    a.close();
    await a.closed;
    await waitFor(() => small.gateway.stats.connections === 1);
    const c = await (await RawClient.ws(url)).open();
    assert.equal(await c.request('e.echo', 3), 3);
    c.close();
    b.close();
  } finally {
    await small.stop();
  }
});
