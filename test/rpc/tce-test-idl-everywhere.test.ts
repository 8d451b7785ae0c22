/**
 * The TCE seed's test.idl (examples/tce/test.idl), compiled and run on every transport (TCP,
 * WebSocket, in-process) and through the gateway with the client SDK: two-way echo, one-way
 * heartbeat, timeout(3) under a 1 s deadline, the bidirectional call back, and `extra`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect } from '../../src/client/index.js';
import type { CallContext, CallOptions, Invoker } from '../../src/index.js';
import { createCommunicator } from '../../src/rpc/index.js';
import { defaultTransports } from '../../src/transport/index.js';
import { generate, repoRoot } from '../idl/helpers/generate.js';
import { startTestApp } from '../support/apps.js';
import { waitFor } from '../support/apps.js';

type Ctor<T = object> = new (...args: never[]) => T;
interface ServerProxy {
  echo(text: string, opts?: CallOptions): Promise<string>;
  datetime(opts?: CallOptions): Promise<string>;
  timeout(secs: number, opts?: CallOptions): Promise<void>;
  heartbeat_oneway(hello: string, opts?: CallOptions): void;
  bidirection_oneway(opts?: CallOptions): void;
  echo_async(text: string, cb: (err: Error | null, r?: string) => void, opts?: CallOptions): void;
}

let mod: Record<string, unknown>;
const heartbeats: string[] = [];
const extras: Record<string, string>[] = [];

function servantClasses(): { ServerImpl: Ctor; TerminalImpl: new (inbox: string[]) => object } {
  const Server = mod.Server as Ctor;
  const ITerminal = mod.ITerminal as Ctor;
  const ITerminalProxy = mod.ITerminalProxy as new (i: Invoker) => { onMessage_oneway(m: string): void };
  class ServerImpl extends (Server as new () => object) {
    datetime(): string {
      return new Date(0).toISOString();
    }
    echo(text: string, ctx: CallContext): string {
      extras.push({ ...ctx.extra });
      return text;
    }
    async timeout(secs: number, ctx: CallContext): Promise<void> {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, secs * 1000);
        t.unref(); // a call given up on early must not keep the process alive
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    heartbeat(hello: string): void {
      heartbeats.push(hello);
    }
    bidirection(ctx: CallContext): void {
      new ITerminalProxy(ctx.caller!).onMessage_oneway('server push message!');
    }
  }
  class TerminalImpl extends (ITerminal as new () => object) {
    constructor(readonly inbox: string[]) {
      super();
    }
    onMessage(message: string): void {
      this.inbox.push(message);
    }
  }
  return { ServerImpl, TerminalImpl };
}

before(async () => {
  mod = await generate([`${repoRoot}/examples/tce/test.idl`]).load('test');
});

async function exercise(prx: ServerProxy, inbox: string[], expectExtra: (e: Record<string, string>) => void): Promise<void> {
  assert.equal(await prx.echo('hello', { extra: { date: '1926-12-12' } }), 'hello');
  expectExtra(extras.at(-1)!);
  assert.equal(await prx.echo(''), '', 'an empty string still replies');
  assert.equal(await prx.datetime(), '1970-01-01T00:00:00.000Z');
  const viaCallback = await new Promise<string | undefined>((resolve, reject) => prx.echo_async('cb', (err, r) => (err ? reject(err) : resolve(r))));
  assert.equal(viaCallback, 'cb');
  const marker = `hb-${Math.random()}`;
  prx.heartbeat_oneway(marker);
  assert.ok(await waitFor(() => heartbeats.includes(marker)), 'one-way call arrived');
  prx.bidirection_oneway();
  assert.ok(await waitFor(() => inbox.includes('server push message!')), 'the server called the client back');
  // The servant would take 10 minutes: only the 1 s deadline can end the call, so it fails at the deadline.
  await assert.rejects(prx.timeout(600, { timeoutMs: 1000 }), { code: 'deadline_exceeded' });
}

for (const scheme of ['tcp', 'ws', 'inproc'] as const) {
  describe(`test.idl over ${scheme}`, () => {
    // One set of transports for both sides: the in-process hub is per transport instance.
    const transports = defaultTransports();
    const server = createCommunicator({ transports });
    const client = createCommunicator({ transports });
    after(async () => {
      await client.close();
      await server.close();
    });
    test('echo, heartbeat, timeout, bidirection and extra', async () => {
      const { ServerImpl, TerminalImpl } = servantClasses();
      const listener = await server.listen(scheme === 'inproc' ? 'inproc://tce-test' : `${scheme}://127.0.0.1:0`, server.createAdapter('server').add(new ServerImpl()));
      const inbox: string[] = [];
      const conn = await client.connect(listener.endpoint, { adapter: client.createAdapter('terminal').add(new TerminalImpl(inbox)) });
      const prx = new (mod.ServerProxy as new (i: Invoker) => ServerProxy)(conn);
      await exercise(prx, inbox, (e) => assert.equal(e.date, '1926-12-12'));
    });
  });
}

describe('test.idl through the gateway, with the client SDK', () => {
  for (const transport of ['ws', 'tcp'] as const) {
    test(`over ${transport}: echo, heartbeat, timeout, bidirection; extra carries the session and user`, async (t) => {
      const { ServerImpl, TerminalImpl } = servantClasses();
      const { app, wsUrl, tcpPort } = await startTestApp((a) => a.servant(new ServerImpl()), { serverId: `tce${transport}` });
      t.after(() => app.stop());
      const url = transport === 'ws' ? wsUrl : `tcp://127.0.0.1:${tcpPort}`;
      const c = await connect(url);
      t.after(() => c.close());
      const inbox: string[] = [];
      c.serve(new TerminalImpl(inbox));
      const prx = new (mod.ServerProxy as new (i: Invoker) => ServerProxy)(c.invoker());
      await exercise(prx, inbox, (e) => assert.match(e.sessionId!, new RegExp(`^tce${transport}-[0-9a-z]+-\\d+$`)));
    });
  }
});
