import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCommunicator } from '../../src/rpc/index.js';
import { defaultTransports } from '../../src/transport/index.js';
import { ServerProxy, rejectsWith } from '../rpc/harness.js';

const fixture = fileURLToPath(new URL('./fixtures/peer-server.ts', import.meta.url));

async function startPeer(endpoint: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, endpoint], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  return { child, endpoint: line.toString().trim() };
}

describe('a peer process killed with SIGKILL', () => {
  for (const endpoint of ['tcp://127.0.0.1:0', 'ws://127.0.0.1:0/rpc']) {
    test(`fails every pending call with unavailable (${endpoint.split(':')[0]})`, async () => {
      const peer = await startPeer(endpoint);
      await using client = createCommunicator({ transports: defaultTransports() });
      const conn = await client.connect(peer.endpoint);
      const proxy = new ServerProxy(conn);
      assert.equal(await proxy.echo('alive'), 'alive');
      const calls = [proxy.sleep(10_000), proxy.sleep(10_000, { timeoutMs: Infinity })].map((c) => rejectsWith(c, 'unavailable'));
      await sleep(20);
      peer.child.kill('SIGKILL');
      const errors = await Promise.all(calls);
      assert.match(errors[0]!.message, /connection to .* (lost|closed)/);
      assert.equal(conn.pendingCalls, 0);
      await rejectsWith(proxy.echo('after'), 'unavailable');
    });
  }
});
