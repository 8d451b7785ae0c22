import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { beforeFilter, ConfigError, createApp, RpcError, Scheduler, type HandlerContext } from '../../src/index.js';
import { sleep, startTestApp } from '../support/apps.js';
import { RawClient } from '../support/pomelo-raw-client.js';

test('components run start/afterStart in order and beforeShutdown/shutdown in reverse', async () => {
  const calls: string[] = [];
  const comp = (name: string) => ({
    name,
    start: async () => void calls.push(`${name}.start`),
    afterStart: () => void calls.push(`${name}.afterStart`),
    beforeShutdown: () => void calls.push(`${name}.beforeShutdown`),
    shutdown: async () => {
      calls.push(`${name}.shutdown`);
      if (name === 'a') throw new Error('a failing shutdown does not stop the others');
    },
  });
  const { app } = await startTestApp((a) => a.component(comp('a')).component(comp('b')).handler('x', { y: () => 1 }));
  await app.stop();
  await app.stop();
  assert.deepEqual(calls, ['a.start', 'b.start', 'a.afterStart', 'b.afterStart', 'b.beforeShutdown', 'a.beforeShutdown', 'b.shutdown', 'a.shutdown']);
});

test('registering after start is a ConfigError; duplicate routes and bad service names too', async () => {
  const app = createApp({ serverId: 'cfg' });
  assert.throws(() => app.handler('bad name', { x: () => 1 }), ConfigError);
  assert.throws(() => app.handler('svc', {}), /has no methods/);
  assert.throws(() => app.handler('svc', { x: () => 1 }, { public: ['nope'] }), /public method svc.nope does not exist/);
  app.handler('svc', { x: () => 1 });
  assert.throws(() => app.handler('svc', { x: () => 2 }), /route svc.x is registered twice/);
  await app.start();
  assert.throws(() => app.handler('late', { x: () => 1 }), /must be called before start/);
  await app.stop();
});

test('filters run around handlers in order: before can refuse, after sees results and errors', async (t) => {
  const seen: string[] = [];
  const { app, wsUrl } = await startTestApp((a) => {
    a.use((next) => (ctx, body) => {
      seen.push(`outer>${ctx.route}`);
      const r = next(ctx, body);
      seen.push(`outer<${ctx.route}`);
      return r;
    });
    a.before((ctx) => {
      if (ctx.route === 'f.secret') throw new RpcError('permission_denied', 'filtered');
    });
    a.use(beforeFilter(async (_ctx, body) => void seen.push(`async-before:${JSON.stringify(body)}`)));
    a.after((ctx, result, error) => seen.push(`after:${ctx.route}:${JSON.stringify(result)}:${error instanceof Error ? error.message : ''}`));
    a.handler('f', { open: (b: unknown) => b, secret: () => 'never', boom: () => Promise.reject(new Error('async boom')) });
  });
  t.after(() => app.stop());
  const c = await (await RawClient.ws(wsUrl)).open();
  assert.equal(await c.request('f.open', 5), 5);
  assert.deepEqual(await c.request('f.secret', 1), { code: 500, error: 'permission_denied', message: 'filtered' });
  assert.deepEqual(((await c.request('f.boom', 2)) as { error: string }).error, 'internal');
  // The outer filter is synchronous: it sees the call leave as soon as `next` returns a Promise.
  // A before filter that throws synchronously unwinds through the outer filter at once.
  assert.deepEqual(seen, [
    'outer>f.open',
    'async-before:5',
    'outer<f.open',
    'after:f.open:5:',
    'outer>f.secret',
    'outer>f.boom',
    'async-before:2',
    'outer<f.boom',
    'after:f.boom:undefined:async boom',
  ]);
  c.close();
  await app.stop();
});

test('a named scheduler serialises a room across sessions; timers run on the same queue', async () => {
  let inRoom = 0;
  let maxInRoom = 0;
  const order: string[] = [];
  const { app, wsUrl } = await startTestApp((a) =>
    a.handler(
      'room',
      {
        async act(body: { who: string }, ctx: HandlerContext) {
          inRoom++;
          maxInRoom = Math.max(maxInRoom, inRoom);
          await sleep(2);
          order.push(body.who);
          inRoom--;
          return ctx.session.id;
        },
      },
      { scheduler: () => 'room:1' },
    ),
  );
  const clients = await Promise.all([1, 2, 3, 4].map(async () => (await RawClient.ws(wsUrl)).open()));
  await Promise.all(clients.flatMap((c, i) => [0, 1, 2, 3, 4].map((k) => c.request('room.act', { who: `${i}:${k}` }))));
  assert.equal(maxInRoom, 1, 'calls of different sessions in one room never overlap');
  assert.equal(order.length, 20);
  for (const c of clients) c.close();

  const ticks: number[] = [];
  const handle = app.scheduler.setInterval('room:1', 10, () => {
    inRoom++;
    maxInRoom = Math.max(maxInRoom, inRoom);
    ticks.push(Date.now());
    inRoom--;
  });
  const once = new Promise<void>((r) => app.scheduler.setTimeout('room:1', 5, r));
  await once;
  await sleep(60);
  handle.clear();
  const n = ticks.length;
  await sleep(30);
  assert.ok(n >= 2, `interval ran ${n} times`);
  assert.equal(ticks.length, n, 'a cleared interval stops');
  await app.stop();
});

test('scheduler: a throwing or rejecting job is reported and the key carries on', async () => {
  const errors: unknown[] = [];
  const s = new Scheduler((err) => errors.push(err));
  const ran: number[] = [];
  s.submit('k', { run: () => Promise.reject(new Error('one')) });
  s.submit('k', {
    run: () => {
      throw new Error('two');
    },
  });
  s.submit('k', { run: () => void ran.push(3) });
  await sleep(5);
  assert.deepEqual(ran, [3]);
  assert.deepEqual(errors.map((e) => (e as Error).message), ['one', 'two']);
  assert.equal(s.activeKeys, 0);
});

test('scheduler: a job submitted from inside a running job of its key waits for it, also behind an async one', async () => {
  const s = new Scheduler((err) => assert.fail(String(err)));
  const order: string[] = [];
  s.submit('k', {
    run: () => {
      order.push('a start');
      s.submit('k', { run: () => void order.push('b') });
      s.submit('other', { run: () => void order.push('other') });
      assert.equal(s.activeKeys, 1, 'only k waits: other ran and is idle again');
      order.push('a end');
    },
  });
  assert.deepEqual(order, ['a start', 'other', 'a end', 'b']);
  let release!: () => void;
  s.submit('k', {
    run: () => {
      s.submit('k', { run: () => void order.push('d') });
      return new Promise<void>((r) => (release = r)).then(() => void order.push('c'));
    },
  });
  s.submit('k', { run: () => void order.push('e') });
  assert.equal(s.activeKeys, 1);
  await sleep(5);
  assert.deepEqual(order.slice(4), [], 'nothing runs while the async job is pending');
  release();
  await sleep(5);
  assert.deepEqual(order.slice(4), ['c', 'd', 'e']);
  assert.equal(s.activeKeys, 0);
});

test('SIGTERM stops the demo gracefully: clients are kicked with a reason, the process exits 0', async () => {
  const server = fileURLToPath(new URL('../../examples/chat/server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', server, '--ws-port', '0', '--tcp-port', '0'], {
    env: { ...process.env, SWITCHYARD_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"ws":\{"host":"127\.0\.0\.1","port":(\d+)\}/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error(`server exited early: ${out}`)));
  });
  const c = await (await RawClient.ws(`ws://127.0.0.1:${port}/`)).open();
  assert.deepEqual(await c.request('chat.join', { room: 'r', name: 'n' }), { users: ['n'] });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  await c.closed;
  assert.deepEqual(c.kicks, [{ reason: 'server shutting down' }]);
  assert.equal(await exited, 0);
});
