/**
 * System messages held for servers not (yet) in the membership: in order per server, released when
 * the membership lists the server, broadcasts held before the first membership, and the limits in
 * count, bytes, servers and time, each drop logged and counted.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import pino from 'pino';
import { PendingSystemMessages, type PendingSystemMessagesOptions, type SystemMessageDropReason } from '../../src/app/pending-system-messages.js';
import { parseClusterConfig } from '../../src/app/cluster-config.js';
import { Metrics } from '../../src/cluster/metrics.js';
import type { ServerInfo } from '../../src/cluster/server-info.js';
import type { OperationRef } from '../../src/rpc/index.js';
import { ConfigError } from '../../src/index.js';

const push: OperationRef = { route: '__yard.gw.push', code: 0, oneway: true };
const group: OperationRef = { route: '__yard.gw.group', code: 0, oneway: true };
const groupcast: OperationRef = { route: '__yard.gw.groupcast', code: 0, oneway: true };
const closed: OperationRef = { route: '__yard.be.closed', code: 0, oneway: true };

const gate = (id: string): ServerInfo => ({ id, type: 'gateway', host: '127.0.0.1', port: 1, frontend: true, services: [] });
const backend = (id: string): ServerInfo => ({ id, type: 'chat', host: '127.0.0.1', port: 2, frontend: false, services: ['chat'] });
const isGateway = (m: ServerInfo): boolean => m.frontend;

/** A message whose bytes say what it is, e.g. `msg('a1')`. */
const msg = (text: string, size = 0): Uint8Array => {
  const b = new Uint8Array(Math.max(size, text.length));
  b.set(new TextEncoder().encode(text));
  return b;
};
const text = (b: Uint8Array): string => new TextDecoder().decode(b).replace(/\0+$/, '');

interface Harness {
  queue: PendingSystemMessages;
  /** What was sent, as `server:route:text`. */
  sent: string[];
  drops: { reason: SystemMessageDropReason; count: number }[];
  logs: { msg: string; level: number; [k: string]: unknown }[];
}

function harness(options: PendingSystemMessagesOptions = {}, metrics?: Metrics): Harness {
  const sent: string[] = [];
  const drops: Harness['drops'] = [];
  const logs: Harness['logs'] = [];
  const sink = {
    write(line: string): void {
      logs.push(JSON.parse(line) as Harness['logs'][number]);
    },
  };
  const logger = pino({ level: 'info' }, sink);
  const queue = new PendingSystemMessages(
    {
      send: (server, op, args) => sent.push(`${server.id}:${op.route.split('.').pop()}:${text(args)}`),
      dropped: (reason, count) => {
        drops.push({ reason, count });
        metrics?.systemMessagesDropped(reason, count);
      },
    },
    logger,
    options,
  );
  return { queue, sent, drops, logs };
}

/** The lines logged with `message`. */
const logged = (h: Harness, message: string): Harness['logs'] => h.logs.filter((l) => l.msg === message);

test('messages wait per server and go, in order, when the membership lists the server', () => {
  const h = harness();
  h.queue.hold('gate1', group, msg('add'), true);
  h.queue.hold('gate2', push, msg('p1'), true);
  h.queue.hold('gate1', push, msg('p2'), true);
  h.queue.hold('chat1', closed, msg('c1'), false);
  assert.deepEqual(h.sent, []);

  h.queue.release([gate('gate1'), backend('chat2')], isGateway);
  assert.deepEqual(h.sent, ['gate1:group:add', 'gate1:push:p2']);

  // gate1's messages are not sent twice; the others' went once their servers were listed.
  h.queue.release([gate('gate1'), gate('gate2'), backend('chat1')], isGateway);
  assert.deepEqual(h.sent.slice(2), ['gate2:push:p1', 'chat1:closed:c1']);
  h.queue.stop();
  assert.deepEqual(h.drops, [], 'nothing is left held for stop to drop');
  assert.equal(logged(h, 'system messages held for a server not in the membership yet').length, 3);
  assert.equal(logged(h, 'held system messages sent to a server now in the membership').length, 3);
});

test('a broadcast made before the first membership goes to every gateway it lists, in its place among the others', () => {
  const h = harness();
  assert.equal(h.queue.holdsBroadcasts, true, 'before the first membership every broadcast is held');
  h.queue.hold('gate1', group, msg('add'), true);
  h.queue.holdForGateways(groupcast, msg('say1'));
  h.queue.hold('gate1', push, msg('p'), true);
  h.queue.hold('gate3', group, msg('add3'), true);
  h.queue.holdForGateways(groupcast, msg('say2'));

  h.queue.release([gate('gate1'), gate('gate2'), backend('chat1')], isGateway);
  assert.deepEqual(h.sent, ['gate1:group:add', 'gate1:groupcast:say1', 'gate1:push:p', 'gate1:groupcast:say2', 'gate2:groupcast:say1', 'gate2:groupcast:say2']);
  // gate3 is not listed yet (known only from a message held for it): both broadcasts joined its queue in place.
  assert.equal(h.queue.holdsBroadcasts, true, 'gate3 has messages held: broadcasts are held for it too');
  h.queue.holdForGateways(groupcast, msg('say3'));
  h.queue.release([gate('gate1'), gate('gate2'), gate('gate3')], isGateway);
  assert.deepEqual(h.sent.slice(6), ['gate3:groupcast:say1', 'gate3:group:add3', 'gate3:groupcast:say2', 'gate3:groupcast:say3']);
  assert.equal(h.queue.holdsBroadcasts, false, 'once the membership is known and nothing is held, broadcasts go only to listed gateways');
});

test('broadcasts are held only for gateways: a backend with a close notice held gets none', () => {
  const h = harness();
  h.queue.release([gate('gate1')], isGateway);
  h.queue.hold('chat9', closed, msg('c'), false);
  assert.equal(h.queue.holdsBroadcasts, false);
  h.queue.holdForGateways(groupcast, msg('say'));
  h.queue.release([gate('gate1'), backend('chat9')], isGateway);
  assert.deepEqual(h.sent, ['chat9:closed:c']);
});

test('a server that never appears: its messages are dropped after holdMs, logged and counted', (t: TestContext) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const metrics = new Metrics({ processMetrics: false });
  t.after(() => metrics.close());
  const h = harness({ holdMs: 1000 }, metrics);
  h.queue.hold('gate1', push, msg('p1'), true);
  t.mock.timers.tick(600);
  h.queue.hold('gate1', push, msg('p2'), true);
  t.mock.timers.tick(400);
  assert.deepEqual(h.drops, [{ reason: 'expired', count: 1 }], 'the oldest expired on its own deadline');
  t.mock.timers.tick(600);
  assert.deepEqual(h.drops, [{ reason: 'expired', count: 1 }, { reason: 'expired', count: 1 }]);
  const warnings = logged(h, 'system message to an unknown server dropped');
  assert.equal(warnings.length, 2);
  assert.equal(warnings[0]!.server, 'gate1');
  assert.equal(warnings[0]!.reason, 'expired');
  assert.deepEqual(warnings[0]!.routes, ['__yard.gw.push']);
  h.queue.release([gate('gate1')], isGateway);
  assert.deepEqual(h.sent, [], 'nothing expired is sent later');
  return metrics.text().then((text) => assert.match(text, /switchyard_system_messages_dropped_total\{reason="expired"\} 2/));
});

test('broadcasts held while no membership came are dropped after holdMs too', (t: TestContext) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const h = harness({ holdMs: 500 });
  h.queue.holdForGateways(groupcast, msg('say'));
  t.mock.timers.tick(500);
  assert.deepEqual(h.drops, [{ reason: 'expired', count: 1 }]);
  h.queue.release([gate('gate1')], isGateway);
  assert.deepEqual(h.sent, []);
});

test('past maxMessages or maxBytes newer messages are dropped; what is held stays in order', () => {
  const h = harness({ maxMessages: 3 });
  for (const n of [1, 2, 3, 4, 5]) h.queue.hold('gate1', push, msg(`p${n}`), true);
  assert.deepEqual(h.drops, [{ reason: 'queue_full', count: 1 }, { reason: 'queue_full', count: 1 }]);
  assert.equal(logged(h, 'system message to an unknown server dropped').length, 1, 'one warning per full queue, not one per message');
  h.queue.release([gate('gate1')], isGateway);
  assert.deepEqual(h.sent, ['gate1:push:p1', 'gate1:push:p2', 'gate1:push:p3']);
  assert.equal(logged(h, 'system messages to an unknown server dropped while its queue was full')[0]?.messages, 2);

  const b = harness({ maxBytes: 100 });
  b.queue.hold('gate1', push, msg('a', 60), true);
  b.queue.hold('gate1', push, msg('b', 60), true);
  b.queue.hold('gate1', push, msg('c', 40), true);
  b.queue.hold('gate2', push, msg('d', 101), true);
  assert.deepEqual(b.drops.map((d) => d.reason), ['queue_full', 'queue_full']);
  b.queue.release([gate('gate1'), gate('gate2')], isGateway);
  assert.deepEqual(b.sent, ['gate1:push:a', 'gate1:push:c']);
});

test('past maxServers a message to one more server is dropped', () => {
  const h = harness({ maxServers: 2 });
  h.queue.hold('gate1', push, msg('1'), true);
  h.queue.hold('gate2', push, msg('2'), true);
  h.queue.hold('gate3', push, msg('3'), true);
  h.queue.hold('gate1', push, msg('1b'), true);
  assert.deepEqual(h.drops, [{ reason: 'queue_full', count: 1 }]);
  h.queue.release([gate('gate1'), gate('gate2'), gate('gate3')], isGateway);
  assert.deepEqual(h.sent, ['gate1:push:1', 'gate1:push:1b', 'gate2:push:2']);
});

test('holdMs 0 holds nothing: each message is dropped at once, as before there was a queue', () => {
  const h = harness({ holdMs: 0 });
  h.queue.hold('gate1', push, msg('p'), true);
  h.queue.holdForGateways(groupcast, msg('say'));
  assert.deepEqual(h.drops, [{ reason: 'expired', count: 1 }, { reason: 'expired', count: 1 }]);
  h.queue.release([gate('gate1')], isGateway);
  assert.deepEqual(h.sent, []);
  assert.equal(h.queue.holdsBroadcasts, false);
});

test('stop drops what is held and holds nothing more', () => {
  const h = harness();
  h.queue.hold('gate1', push, msg('p1'), true);
  h.queue.hold('gate1', push, msg('p2'), true);
  h.queue.stop();
  h.queue.hold('gate2', push, msg('p3'), true);
  assert.deepEqual(h.drops, [{ reason: 'stopped', count: 2 }, { reason: 'stopped', count: 1 }]);
  h.queue.release([gate('gate1'), gate('gate2')], isGateway);
  assert.deepEqual(h.sent, []);
});

test('bad options are refused at start, in code and in the cluster config', () => {
  assert.throws(() => harness({ holdMs: -1 }), (e: unknown) => e instanceof ConfigError && /systemMessages.holdMs must be an integer in 0..600000/.test(e.message));
  assert.throws(() => harness({ maxMessages: 0 }), /systemMessages.maxMessages must be an integer in 1..1000000/);
  assert.throws(() => harness({ maxBytes: 1.5 }), /systemMessages.maxBytes must be an integer/);
  const base = { app: 'app.js', servers: [{ id: 'gate1', type: 'gateway', ws: 3250 }] };
  assert.deepEqual(parseClusterConfig(base, '/').systemMessages, { holdMs: 10_000, maxMessages: 10_000, maxBytes: 4 * 1024 * 1024, maxServers: 64 });
  assert.deepEqual(parseClusterConfig({ ...base, systemMessages: { holdMs: 2000 } }, '/').systemMessages.holdMs, 2000);
  assert.throws(() => parseClusterConfig({ ...base, systemMessages: { holdMs: '10s' } }, '/'), /systemMessages.holdMs must be an integer in 0..600000, got "10s"/);
  assert.throws(() => parseClusterConfig({ ...base, systemMessages: { ttl: 5 } }, '/'), /systemMessages.ttl is not an option/);
  assert.throws(() => parseClusterConfig({ ...base, systemMessages: [] }, '/'), /systemMessages must be an object/);
});
