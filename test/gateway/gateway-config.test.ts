import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, Gateway, type Dispatcher } from '../../src/index.js';

const dispatcher: Dispatcher = { dispatch: () => {}, isPublic: () => false };

const bad: [string, Record<string, unknown>, RegExp][] = [
  ['empty serverId', { serverId: '' }, /serverId must be a non-empty string/],
  ['serverId with a dash', { serverId: 'a-b' }, /without '-'/],
  ['port out of range', { serverId: 'a', ws: { port: 70000 } }, /ws\.port must be an integer in 0\.\.65535/],
  ['negative heartbeat', { serverId: 'a', heartbeatSec: -1 }, /heartbeatSec must be an integer/],
  ['fractional handshake timeout', { serverId: 'a', handshakeTimeoutMs: 1.5 }, /handshakeTimeoutMs/],
  ['packet size over the 3-byte limit', { serverId: 'a', maxPacketSize: 2 ** 24 }, /maxPacketSize/],
  ['authenticate not a function', { serverId: 'a', authenticate: 'yes' }, /authenticate must be a function/],
  ['resume not an object', { serverId: 'a', resume: true }, /resume must be an object/],
  ['resume grace of 0', { serverId: 'a', resume: { graceMs: 0 } }, /resume\.graceMs must be an integer/],
  ['resume replay limit of 0', { serverId: 'a', resume: { replayLimit: 0 } }, /resume\.replayLimit/],
  ['resume maxParked of 0.5', { serverId: 'a', resume: { maxParked: 0.5 } }, /resume\.maxParked/],
  ['resume handoverMs of -1', { serverId: 'a', resume: { handoverMs: -1 } }, /resume\.handoverMs/],
];

for (const [name, options, message] of bad) {
  test(`gateway refuses ${name} at construction with a ConfigError`, () => {
    assert.throws(
      () => new Gateway(options as never, dispatcher),
      (err: unknown) => err instanceof ConfigError && err.code === 'ERR_CONFIG' && message.test(err.message),
    );
  });
}

test('a port already in use fails start() with the listen error', async () => {
  const first = new Gateway({ serverId: 'p1', tcp: { port: 0 }, logger: undefined }, dispatcher);
  const { tcp } = await first.start();
  const second = new Gateway({ serverId: 'p2', tcp: { port: tcp!.port } }, dispatcher);
  await assert.rejects(second.start(), /EADDRINUSE/);
  await first.close();
});
