import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { StaticDiscovery } from '../../src/cluster/static-discovery.js';
import type { ServerInfo } from '../../src/cluster/server-info.js';
import { ConfigError } from '../../src/wire/errors.js';
import { server } from './cluster-helpers.js';

test('members are the configured list plus self, which replaces an entry with its id', async () => {
  const d = new StaticDiscovery([server('gate1', 'gateway', true), server('chat1'), server('chat2')]);
  assert.deepEqual(d.members().map((m) => m.id), ['gate1', 'chat1', 'chat2']);
  const seen: string[][] = [];
  d.subscribe((members) => seen.push(members.map((m) => m.id)));
  const self = { ...server('chat1'), port: 4001 };
  await d.start(self);
  assert.deepEqual(d.members().map((m) => m.id), ['gate1', 'chat2', 'chat1']);
  assert.equal(d.members().find((m) => m.id === 'chat1')?.port, 4001);
  assert.deepEqual(seen, [['gate1', 'chat2', 'chat1']]);
  await d.stop();
  await d.stop();
});

test('setMembers replaces the list, keeps self, and tells subscribers until they unsubscribe', async () => {
  const d = new StaticDiscovery([server('chat1')]);
  await d.start(server('gate1', 'gateway', true));
  let calls = 0;
  const off = d.subscribe(() => calls++);
  d.setMembers([server('chat1'), server('chat3')]);
  assert.deepEqual(d.members().map((m) => m.id), ['chat1', 'chat3', 'gate1']);
  off();
  d.setMembers([]);
  assert.deepEqual(d.members().map((m) => m.id), ['gate1']);
  assert.equal(calls, 1);
});

test('a throwing listener does not stop the others', async () => {
  const d = new StaticDiscovery([], { logger: pino({ level: 'silent' }) });
  let reached = false;
  d.subscribe(() => {
    throw new Error('boom');
  });
  d.subscribe(() => (reached = true));
  await d.start(server('a1'));
  assert.ok(reached);
});

test('bad lists and bad self are ConfigErrors', async () => {
  assert.throws(() => new StaticDiscovery([server('a1'), server('a1')]), ConfigError);
  assert.throws(() => new StaticDiscovery([{ id: 'x' } as unknown as ServerInfo]), ConfigError);
  assert.throws(() => new StaticDiscovery([server('has-dash')]), /must not contain/);
  assert.throws(() => new StaticDiscovery('nope' as unknown as ServerInfo[]), ConfigError);
  const d = new StaticDiscovery([]);
  await assert.rejects(d.start(server('a/b')), ConfigError);
});
