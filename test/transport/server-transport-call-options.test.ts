import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger, type Invoker, type RpcCallOptions } from '../../src/rpc/index.js';
import { NatsTransport, TcpPoolTransport, type ServerTransport } from '../../src/transport/index.js';
import { startNats, type NatsService } from '../support/services.js';
import {
  describeCall,
  failsWith,
  keyBytes,
  orderAdapter,
  orderOps,
  peer,
  sleepCall,
  type OrderServant,
} from './server-transport-fixtures.js';

interface Setup {
  client: ServerTransport;
  invoker: Invoker;
  servant: OrderServant;
  [Symbol.asyncDispose](): Promise<void>;
}

let nats: NatsService | undefined;

async function setup(kind: 'tcp-pool' | 'nats'): Promise<Setup> {
  const make = (): ServerTransport =>
    kind === 'tcp-pool'
      ? new TcpPoolTransport({ poolSize: 2, logger: silentLogger })
      : new NatsTransport({ servers: nats!.url, logger: silentLogger });
  const server = make();
  const client = make();
  const { adapter, servant } = orderAdapter();
  const port = await server.listen(peer('backend-1'), adapter);
  return {
    client,
    invoker: client.invoker(peer('backend-1', port), 3),
    servant,
    async [Symbol.asyncDispose]() {
      await client.close();
      await server.close();
    },
  };
}

describe('server transports carry call options like any RPC link', { concurrency: false }, () => {
  before(async () => {
    nats = await startNats();
  });
  after(async () => {
    await nats?.kill();
  });

  for (const kind of ['tcp-pool', 'nats'] as const) {
    test(`${kind}: extra, session bytes and the deadline reach the servant`, async () => {
      await using s = await setup(kind);
      // A 10-minute deadline: the servant sees one no later than it and past the 10 s default, so it
      // is this call's own. Only a call taking over 9 minutes (past the test's timeout) could fail that.
      const seen = await describeCall(s.invoker, { extra: { trace: 'abc', uid: '42' }, session: Uint8Array.of(1, 2, 250), timeoutMs: 600_000 });
      assert.deepEqual(seen.extra, { trace: 'abc', uid: '42' });
      assert.deepEqual(seen.session, [1, 2, 250]);
      assert.ok(seen.timeLeftMs! > 10_000 && seen.timeLeftMs! <= 600_000, `time left ${seen.timeLeftMs}`);
      const bare = await describeCall(s.invoker, { timeoutMs: Infinity });
      assert.deepEqual(bare, { route: 'test.Order.describe', extra: {}, session: null, timeLeftMs: null, server: 'server' });
    });

    test(`${kind}: a deadline fails the call with deadline_exceeded, an abort with cancelled`, async () => {
      await using s = await setup(kind);
      await describeCall(s.invoker);
      // The servant would sleep for 10 minutes: only the 100 ms deadline can end the call, so it ends deadline_exceeded.
      await failsWith(sleepCall(s.invoker, 600_000, { timeoutMs: 100 }), 'deadline_exceeded');
      await failsWith(sleepCall(s.invoker, 1000, { signal: AbortSignal.timeout(50) }), 'cancelled');
      await failsWith(describeCall(s.invoker, { timeoutMs: 0 }), 'deadline_exceeded');
      await failsWith(describeCall(s.invoker, { extra: { bad: 1 as unknown as string } }), 'bad_payload');
    });

    test(`${kind}: one-way calls arrive in order, and servant errors travel back with their code`, async () => {
      await using s = await setup(kind);
      await describeCall(s.invoker);
      const opts: RpcCallOptions = { session: keyBytes(5) };
      for (let seq = 0; seq < 100; seq++) s.invoker.send(orderOps.noteOneway, keyBytes(seq), opts);
      while (s.servant.received < 100) await sleep(5);
      assert.equal(s.servant.reorderings, 0);
      const unknown = { route: 'test.Order.missing', code: 99, oneway: false };
      await failsWith(s.invoker.call(unknown, new Uint8Array(0)), 'not_found');
    });

    test(`${kind}: closing the calling transport fails calls still waiting with cancelled`, async () => {
      await using s = await setup(kind);
      await describeCall(s.invoker);
      // Neither the servant (10 minutes) nor the deadline (10 minutes) can end this call: only close() can, as cancelled.
      const waiting = failsWith(sleepCall(s.invoker, 600_000, { timeoutMs: 600_000 }), 'cancelled');
      await sleep(20);
      await s.client.close();
      await waiting;
      await failsWith(describeCall(s.invoker), 'cancelled');
    });
  }
});
