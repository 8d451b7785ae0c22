import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Application, HandlerContext } from '../../src/index.js';
import { startTestApp } from '../support/apps.js';
import { RawClient } from '../support/pomelo-raw-client.js';

/** Execution log per session: the sequence numbers in the order handlers ran. */
const executed = new Map<string, number[]>();
let running = new Map<string, number>();
let overlaps = 0;

let app: Application;
let wsUrl: string;
let tcpPort: number;

before(async () => {
  ({ app, wsUrl, tcpPort } = await startTestApp((a) =>
    a.handler('seq', {
      // Half the calls finish synchronously, half after a random async delay: reordering would show.
      async step(body: { n: number }, ctx: HandlerContext) {
        const sid = ctx.session.id;
        if (running.get(sid)) overlaps++;
        running.set(sid, 1);
        let log = executed.get(sid);
        if (!log) executed.set(sid, (log = []));
        log.push(body.n);
        if (body.n % 2) await new Promise((r) => (Math.random() < 0.01 ? setTimeout(r, 2) : setImmediate(r)));
        running.set(sid, 0);
        return body.n;
      },
      whoami: (_b: unknown, ctx: HandlerContext) => ctx.session.id,
    }),
  ));
});
after(() => app.stop());

async function run(client: RawClient, count: number): Promise<{ sid: string; replies: number[] }> {
  const sid = (await client.request('seq.whoami', {})) as string;
  const replies: number[] = [];
  const all: Promise<void>[] = [];
  for (let n = 0; n < count; n++) {
    all.push(client.request('seq.step', { n }).then((v) => void replies.push(v as number)));
  }
  await Promise.all(all);
  return { sid, replies };
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

test('one session sending 10,000 requests without waiting: handlers run and replies come in order', async () => {
  const c = await (await RawClient.tcp(tcpPort)).open();
  const { sid, replies } = await run(c, 10_000);
  assert.deepEqual(replies, range(10_000));
  assert.deepEqual(executed.get(sid), range(10_000));
  assert.equal(overlaps, 0);
  c.close();
});

test('100 sessions in parallel, 200 requests each: each session in order, never two at once', async () => {
  const clients = await Promise.all(range(100).map((i) => (i % 2 ? RawClient.tcp(tcpPort) : RawClient.ws(wsUrl)).then((c) => c.open())));
  const results = await Promise.all(clients.map((c) => run(c, 200)));
  for (const { sid, replies } of results) {
    assert.deepEqual(replies, range(200));
    assert.deepEqual(executed.get(sid), range(200));
  }
  assert.equal(overlaps, 0);
  for (const c of clients) c.close();
});
