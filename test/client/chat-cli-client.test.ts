import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '../../src/client/index.js';
import { chatRoutes } from './fake-chat.js';
import { FakeServer } from './fake-pomelo-server.js';

const cli = fileURLToPath(new URL('../../examples/chat/cli-client.ts', import.meta.url));
const servers: FakeServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

test('the chat CLI joins, prints pushes, says each stdin line, exits 0 on end of input', async () => {
  const server = await FakeServer.start({ transport: 'tcp', onRequest: chatRoutes() });
  servers.push(server);
  await using ann = await connect(server.url);
  await ann.request('chat.join', { room: 'lobby', name: 'ann' });
  const heard: string[] = [];
  ann.on<{ from: string; text: string }>('chat.onMessage', (m) => heard.push(`${m.from}: ${m.text}`));
  const bobJoined = new Promise((resolve) => ann.on('chat.onJoin', resolve));

  const child = spawn(process.execPath, ['--import', 'tsx', cli, '--url', server.url, '--room', 'lobby', '--name', 'bob'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  await bobJoined;
  await ann.request('chat.say', { text: 'hello bob' });
  child.stdin.write('hi ann\n\nsecond line\n');
  child.stdin.end();
  const [code] = (await once(child, 'exit')) as [number];
  assert.equal(code, 0, err);
  assert.equal(err, '');
  const lines = out.trim().split('\n');
  assert.equal(lines[0], '* joined #lobby as bob; here: ann, bob');
  assert.ok(lines.includes('ann: hello bob'), out);
  for (let i = 0; i < 50 && heard.length < 3; i++) await sleep(10);
  assert.deepEqual(heard, ['ann: hello bob', 'bob: hi ann', 'bob: second line']);
});

test('the chat CLI exits non-zero with a message when nothing listens', async () => {
  const server = await FakeServer.start({ transport: 'tcp' });
  const url = server.url;
  await server.close();
  const child = spawn(process.execPath, ['--import', 'tsx', cli, '--url', url, '--name', 'bob'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const [code] = (await once(child, 'exit')) as [number];
  assert.equal(code, 1);
  assert.match(err, /cli-client: cannot connect to tcp:/);
});
