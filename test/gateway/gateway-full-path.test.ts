import assert from 'node:assert/strict';
import { deflateSync, gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { RpcError, type Application, type HandlerContext } from '../../src/index.js';
import { startTestApp } from '../support/apps.js';
import { RawClient } from '../support/pomelo-raw-client.js';

class EchoHandler {
  notified: unknown[] = [];
  echo(body: unknown): unknown {
    return body;
  }
  async slowEcho(body: unknown): Promise<unknown> {
    await new Promise((r) => setTimeout(r, 5));
    return body;
  }
  note(body: unknown): void {
    this.notified.push(body);
  }
  pushMe(body: { route: string; value: unknown }, ctx: HandlerContext): { ok: true } {
    ctx.push(body.route, body.value);
    return { ok: true };
  }
  join(body: { group: string }, ctx: HandlerContext): number {
    const g = this.app!.group(body.group);
    g.add(ctx.session);
    return g.size;
  }
  shout(body: { group: string; text: string }): number {
    return this.app!.group(body.group).broadcast('echo.onShout', { text: body.text });
  }
  kickMe(_body: unknown, ctx: HandlerContext): void {
    ctx.session.kick('you asked for it');
  }
  fail(): never {
    throw new Error('handler exploded');
  }
  refuse(): never {
    throw new RpcError('permission_denied', 'not you');
  }
  zero(): number {
    return 0;
  }
  app: Application | undefined;
}

const echo = new EchoHandler();
let app: Application;
let wsUrl: string;
let tcpPort: number;

before(async () => {
  ({ app, wsUrl, tcpPort } = await startTestApp((a) => {
    echo.app = a;
    a.handler('echo', echo);
  }));
});
after(() => app.stop());

const transports = {
  ws: () => RawClient.ws(wsUrl),
  tcp: () => RawClient.tcp(tcpPort),
};

for (const [name, connect] of Object.entries(transports)) {
  describe(`full path over ${name}`, () => {
    test('handshake answers 200 with heartbeat and the route dictionary', async () => {
      const c = await connect();
      const hs = await c.shake();
      assert.equal(hs.code, 200);
      const sys = hs.sys as { heartbeat: number; dict: Record<string, number> };
      assert.equal(sys.heartbeat, 20);
      assert.equal(typeof sys.dict['echo.echo'], 'number');
      c.close();
    });

    test('request/response with text and compressed routes', async () => {
      const c = await (await connect()).open();
      assert.deepEqual(await c.request('echo.echo', { a: 1, s: 'héllo' }), { a: 1, s: 'héllo' });
      assert.deepEqual(await c.request('echo.slowEcho', [1, 2, 3], true), [1, 2, 3]);
      assert.equal(await c.request('echo.zero', {}), 0);
      c.close();
    });

    test('replies of every size arrive whole, on either side of the frame-header and small-frame limits', async () => {
      const c = await (await connect()).open();
      // Reply frames from under 126 bytes to past 16 KiB (framed by the gateway below, by ws above).
      const sizes = [0, 90, 100, 110, 120, 1000, 16_300, 16_360, 16_400, 40_000];
      const replies = await Promise.all(sizes.map((n) => c.request('echo.echo', { s: 'q'.repeat(n) })));
      assert.deepEqual(replies, sizes.map((n) => ({ s: 'q'.repeat(n) })));
      c.close();
    });

    test('notify runs the handler without a response', async () => {
      const c = await (await connect()).open();
      const marker = `n-${name}-${Date.now()}`;
      c.notify('echo.note', { marker });
      // A request after the notify on the same session runs after it (per-session order).
      await c.request('echo.echo', {});
      assert.ok(echo.notified.some((n) => (n as { marker: string }).marker === marker));
      c.close();
    });

    test('push from a handler reaches the client', async () => {
      const c = await (await connect()).open();
      const push = c.nextPush('echo.onPing');
      assert.deepEqual(await c.request('echo.pushMe', { route: 'echo.onPing', value: { n: 7 } }), { ok: true });
      assert.deepEqual((await push).body, { n: 7 });
      c.close();
    });

    test('group broadcast reaches every member, and a closed member leaves', async () => {
      const group = `g-${name}`;
      const [a, b, c] = await Promise.all([connect(), connect(), connect()]);
      await Promise.all([a.open(), b.open(), c.open()]);
      assert.equal(await a.request('echo.join', { group }), 1);
      assert.equal(await b.request('echo.join', { group }), 2);
      assert.equal(await c.request('echo.join', { group }), 3);
      const got = [a.nextPush('echo.onShout'), b.nextPush('echo.onShout'), c.nextPush('echo.onShout')];
      assert.equal(await a.request('echo.shout', { group, text: 'hi' }), 3);
      for (const p of await Promise.all(got)) assert.deepEqual(p.body, { text: 'hi' });
      c.close();
      await c.closed;
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(await a.request('echo.shout', { group, text: 'again' }), 2);
      a.close();
      b.close();
    });

    test('kick sends the reason and closes', async () => {
      const c = await (await connect()).open();
      c.notify('echo.kickMe', {});
      await c.closed;
      assert.deepEqual(c.kicks, [{ reason: 'you asked for it' }]);
    });

    test('unknown route and failing handlers answer with errors; the session carries on', async () => {
      const c = await (await connect()).open();
      assert.deepEqual(await c.request('echo.nothing', {}), { code: 500, error: 'not_found', message: 'no handler for route "echo.nothing"' });
      assert.deepEqual(await c.request('echo.fail', {}), { code: 500, error: 'internal', message: 'handler exploded' });
      assert.deepEqual(await c.request('echo.refuse', {}), { code: 500, error: 'permission_denied', message: 'not you' });
      assert.deepEqual(await c.request('echo.echo', 'still here'), 'still here');
      c.close();
    });

    test('a client that negotiated errorFlag gets flag 0x20 errors with {code, message}', async () => {
      const c = await (await connect()).open({}, { type: 'raw', errorFlag: true });
      assert.deepEqual(await c.request('echo.refuse', {}), { code: 'permission_denied', message: 'not you' });
      c.close();
    });

    test('bodies flagged 0x10 (gzip or zlib) are inflated before the handler sees them', async () => {
      const c = await (await connect()).open();
      const json = Buffer.from(JSON.stringify({ packed: 'z'.repeat(500) }));
      for (const packed of [gzipSync(json), deflateSync(json)]) {
        const reply = c.requestBytes('echo.echo', packed, true);
        assert.deepEqual(await reply, { packed: 'z'.repeat(500) });
      }
      void c.requestBytes('echo.echo', Buffer.from('not compressed at all'), true);
      await c.closed;
      assert.deepEqual(c.kicks, [{ reason: 'ERR_DECOMPRESS' }]);
    });

    test('a body that is not JSON answers bad_payload', async () => {
      const c = await (await connect()).open();
      const reply = (await c.requestBytes('echo.echo', Buffer.from('{not json'))) as { error: string };
      assert.equal(reply.error, 'bad_payload');
      assert.deepEqual(await c.request('echo.echo', 1), 1);
      c.close();
    });
  });
}

test('stats count connections', () => {
  assert.ok(app.gateway.stats.connectionsTotal > 10);
});
