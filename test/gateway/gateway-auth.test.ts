import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RpcError, type Application, type HandlerContext } from '../../src/index.js';
import { startTestApp } from '../support/apps.js';
import { RawClient } from '../support/pomelo-raw-client.js';

let app: Application;
let wsUrl: string;
let tcpPort: number;
const closedSessions: string[] = [];

before(async () => {
  ({ app, wsUrl, tcpPort } = await startTestApp(
    (a) => {
      a.handler(
        'account',
        {
          login(body: { user: string; password: string }, ctx: HandlerContext) {
            if (body.password !== 'secret') throw new RpcError('unauthenticated', 'wrong password');
            ctx.session.bind(body.user);
            ctx.session.onClose((s) => closedSessions.push(s.uid!));
            return { uid: ctx.session.uid };
          },
          whoami(_b: unknown, ctx: HandlerContext) {
            return { uid: ctx.session.uid, extra: ctx.extra };
          },
        },
        { public: ['login'] },
      );
    },
    {
      authTimeoutMs: 400,
      requireAuth: true,
      authenticate: async (user) => {
        await new Promise((r) => setTimeout(r, 5));
        if (user.token === 'bad') throw new Error('token expired');
        if (user.token === 'slow') await new Promise((r) => setTimeout(r, 10_000));
        return typeof user.token === 'string' && user.token.startsWith('t:') ? { uid: user.token.slice(2), user: { welcome: true } } : null;
      },
      handshakeTimeoutMs: 500,
    },
  ));
});
after(() => app.stop());

test('a good token is accepted in the handshake and binds the user', async () => {
  const c = await RawClient.ws(wsUrl);
  const hs = await c.shake({ token: 't:alice' });
  assert.equal(hs.code, 200);
  assert.deepEqual(hs.user, { welcome: true });
  c.ack();
  const who = (await c.request('account.whoami', {})) as { uid: string; extra: Record<string, string> };
  assert.equal(who.uid, 'alice');
  assert.equal(who.extra.uid, 'alice');
  assert.match(who.extra.sessionId!, /^test1-[0-9a-z]+-\d+$/);
  c.close();
});

test('a refused token gets handshake code 500 and is closed', async () => {
  const c = await RawClient.tcp(tcpPort);
  const hs = await c.shake({ token: 'bad' });
  assert.equal(hs.code, 500);
  assert.equal(hs.message, 'token expired');
  await c.closed;
});

test('an authenticator slower than the handshake deadline closes the connection', async () => {
  const c = await RawClient.ws(wsUrl);
  void c.shake({ token: 'slow' });
  await c.closed;
  assert.equal(c.handshake, undefined);
});

test('a handshake without a token is refused when an authenticator is set', async () => {
  const c = await RawClient.ws(wsUrl);
  const hs = await c.shake({});
  // No token: the authenticator returned null, so the handshake is refused.
  assert.equal(hs.code, 500);
  await c.closed;
});

test('second login of the same user kicks the first session', async () => {
  const first = await (await RawClient.ws(wsUrl)).open({ token: 't:bob' });
  const second = await (await RawClient.tcp(tcpPort)).open({ token: 't:bob' });
  await first.closed;
  assert.deepEqual(first.kicks, [{ reason: 'logged in elsewhere' }]);
  assert.equal(((await second.request('account.whoami', {})) as { uid: string }).uid, 'bob');
  second.close();
});

test('login route: public before auth, others refused with unauthenticated, auth deadline kicks', async () => {
  const { app: app2, wsUrl: url2 } = await startTestApp(
    (a) =>
      a.handler(
        'account',
        {
          login(body: { user: string }, ctx: HandlerContext) {
            ctx.session.bind(body.user);
            return 'ok';
          },
          whoami: (_b: unknown, ctx: HandlerContext) => ctx.session.uid,
        },
        { public: ['login'] },
      ),
    { requireAuth: true, authTimeoutMs: 300, serverId: 'auth2' },
  );
  try {
    const c = await (await RawClient.ws(url2)).open();
    assert.deepEqual(await c.request('account.whoami', {}), {
      code: 500,
      error: 'unauthenticated',
      message: 'route account.whoami needs an authenticated session',
    });
    assert.equal(await c.request('account.login', { user: 'carol' }), 'ok');
    assert.equal(await c.request('account.whoami', {}), 'carol');
    const lazy = await (await RawClient.ws(url2)).open();
    await lazy.closed;
    assert.deepEqual(lazy.kicks, [{ reason: 'authentication timeout' }]);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(c.isClosed, false, 'an authenticated session is not kicked by the auth deadline');
    c.close();
  } finally {
    await app2.stop();
  }
});

test('session close hooks run when the client goes', async () => {
  const c = await (await RawClient.ws(wsUrl)).open({ token: 't:dave' });
  await c.request('account.login', { user: 'dave', password: 'secret' });
  c.close();
  await c.closed;
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(closedSessions.includes('dave'));
});
