import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Adapter } from '../../src/rpc/index.js';
import { ServerProxy, TRANSPORTS, TerminalImpl, TerminalProxy, startPair } from './harness.js';

for (const kind of TRANSPORTS) {
  describe(`bidirectional calls over ${kind}`, () => {
    test('the server calls back the client terminal over the connection the client opened', async () => {
      const terminal = new TerminalImpl();
      await using pair = await startPair(kind, { clientAdapter: new Adapter({ name: 'client' }).add(terminal) });
      pair.proxy.bidirection_oneway('hello');
      assert.equal(await terminal.next(), 'server push: hello');
    });

    test('an adapter added after connecting serves too (the seed: adapter.addConnection)', async () => {
      const terminal = new TerminalImpl();
      await using pair = await startPair(kind);
      pair.conn.serve(new Adapter().add(terminal));
      const serverSide = await pair.serverConn();
      new TerminalProxy(serverSide).onMessage_oneway('direct push');
      assert.equal(await terminal.next(), 'direct push');
    });

    test('without a client adapter the server gets not_found, and both sides keep working', async () => {
      await using pair = await startPair(kind);
      const serverSide = await pair.serverConn();
      await assert.rejects(serverSide.call({ route: 'test.ITerminal.onMessage', code: 1, oneway: true }, new Uint8Array()), {
        code: 'not_found',
      });
      assert.equal(await pair.proxy.echo('ok'), 'ok');
    });

    test('the client can serve the server interface back: calls cross in both directions at once', async () => {
      await using pair = await startPair(kind);
      const clientSide = new Adapter().add(new (pair.servant.constructor as new () => object)());
      pair.conn.serve(clientSide);
      const serverSide = await pair.serverConn();
      const back = new ServerProxy(serverSide);
      const [a, b] = await Promise.all([pair.proxy.add(1, 2), back.add(3, 4)]);
      assert.deepEqual([a, b], [3, 7]);
    });
  });
}
