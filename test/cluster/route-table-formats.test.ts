import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  loadRouteTable,
  parseDestMap,
  parseMessageMap,
  parseRouteTable,
  RouteTableError,
  routeTablePaths,
} from '../../src/cluster/route-table-files.js';
import { RouteTable } from '../../src/cluster/route-table.js';
import { ConfigError } from '../../src/wire/errors.js';

// The seed's formats, addresses moved to loopback.
const seedDestMap = {
  '1': { poolNums: 4, srvAddr: '127.0.0.1:8501', srvName: 'server-infra-connectsrv' },
  '21': { poolNums: 16, srvAddr: '127.0.0.1:8505', srvName: 'server-infra-wsconnectproxy-srv' },
  '101': { poolNums: 8, srvAddr: 'localhost:8601', srvName: 'server-infra-othersrv' },
};
const seedMessageMap = { '1': 1, '100': 101, '102': 101 };

const dir = mkdtempSync(join(tmpdir(), 'yard-route-formats-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function tableOf(dest: unknown, messages: unknown): RouteTable {
  return parseRouteTable({
    destMap: { file: 'dest_map.json', text: JSON.stringify(dest) },
    messageMap: { file: 'message_map.json', text: JSON.stringify(messages) },
  });
}

test('the seed files load from disk and route message ids to destinations', async () => {
  writeFileSync(join(dir, 'dest_map.json'), JSON.stringify(seedDestMap, null, 2));
  writeFileSync(join(dir, 'message_map.json'), JSON.stringify(seedMessageMap, null, 2));
  const table = await loadRouteTable(routeTablePaths(dir));
  assert.equal(table.destinationOf(1)?.srvName, 'server-infra-connectsrv');
  assert.deepEqual(table.destinationOf(100), {
    id: 101,
    poolNums: 8,
    srvAddr: 'localhost:8601',
    host: 'localhost',
    port: 8601,
    srvName: 'server-infra-othersrv',
  });
  assert.equal(table.destinationOf(102)?.id, 101);
  assert.equal(table.destinationOf('102')?.id, 101, 'a code written in decimal is a code');
  assert.equal(table.destinationOf(2), undefined);
  assert.equal(table.destination(21)?.poolNums, 16, 'a destination no message points at is kept');
  assert.equal(table.destinations.size, 3);
});

test('a table keys on route strings as well as codes, and a dictionary maps routes to codes', () => {
  const table = tableOf(seedDestMap, { '100': 101, 'chat.say': 21, 'room.Lobby.join': 1 });
  assert.equal(table.destinationOf('chat.say')?.id, 21);
  assert.equal(table.destinationOf('room.Lobby.join')?.id, 1);
  assert.equal(table.destinationOf('chat.unknown'), undefined);
  const withDict = table.withDictionary({ 'game.move': 100, 'chat.say': 100 });
  assert.equal(withDict.destinationOf('game.move')?.id, 101, 'route → code → destination');
  assert.equal(withDict.destinationOf('chat.say')?.id, 21, 'a route-name key wins over its code');
});

test('an IPv6 loopback address in brackets is accepted', () => {
  const table = tableOf({ '7': { poolNums: 1, srvAddr: '[::1]:9000', srvName: 'v6' } }, { '5': 7 });
  assert.equal(table.destinationOf(5)?.host, '::1');
  assert.equal(table.destinationOf(5)?.port, 9000);
});

test('changedDestinations lists added, removed and edited destinations', () => {
  const a = tableOf(seedDestMap, seedMessageMap);
  const b = tableOf(
    { '1': seedDestMap['1'], '21': { ...seedDestMap['21'], poolNums: 2 }, '300': { poolNums: 1, srvAddr: '127.0.0.1:1', srvName: 'x' } },
    { '1': 1 },
  );
  assert.deepEqual(b.changedDestinations(a), [21, 101, 300]);
});

const dest = (v: unknown): unknown => ({ '21': v });
const good = seedDestMap['21'];

const badDest: [string, unknown, RegExp][] = [
  ['an array', [good], /dest_map\.json: must be a JSON object of destination id .* got an array/],
  ['null', null, /dest_map\.json: must be a JSON object.*got null/],
  ['a negative id', { '-1': good }, /dest_map\.json: key "-1": destination id must be a non-negative decimal integer/],
  ['a fractional id', { '1.5': good }, /key "1\.5": destination id must be a non-negative decimal integer/],
  ['a leading zero', { '021': good }, /key "021": destination id .* leading zeros/],
  ['an id over int32', { '4294967296': good }, /key "4294967296": destination id .* up to 2147483647/],
  ['an entry not an object', dest(16), /key "21": must be an object \{"poolNums", "srvAddr", "srvName"\}, got 16/],
  ['poolNums a string', dest({ ...good, poolNums: '16' }), /key "21": poolNums must be an integer in 1\.\.1024, got "16"/],
  ['poolNums zero', dest({ ...good, poolNums: 0 }), /key "21": poolNums must be an integer in 1\.\.1024, got 0/],
  ['poolNums fractional', dest({ ...good, poolNums: 1.5 }), /poolNums must be an integer/],
  ['poolNums missing', dest({ srvAddr: good.srvAddr, srvName: good.srvName }), /poolNums must be an integer in 1\.\.1024, got nothing/],
  ['srvName empty', dest({ ...good, srvName: ' ' }), /key "21": srvName must be a non-empty string/],
  ['srvAddr without port', dest({ ...good, srvAddr: '127.0.0.1' }), /key "21": srvAddr must be "host:port" with a port in 1\.\.65535, got "127\.0\.0\.1"/],
  ['srvAddr port 0', dest({ ...good, srvAddr: '127.0.0.1:0' }), /srvAddr must be "host:port"/],
  ['srvAddr port too big', dest({ ...good, srvAddr: '127.0.0.1:65536' }), /srvAddr must be "host:port"/],
  ['srvAddr without host', dest({ ...good, srvAddr: ':8505' }), /srvAddr must be "host:port"/],
  ['srvAddr a URL', dest({ ...good, srvAddr: 'tcp://127.0.0.1:8505' }), /srvAddr must be "host:port"/],
  ['srvAddr IPv6 unbracketed', dest({ ...good, srvAddr: '::1:8505' }), /srvAddr must be "host:port"/],
  ['srvAddr a number', dest({ ...good, srvAddr: 8505 }), /srvAddr must be "host:port" .* got 8505/],
];

for (const [name, json, message] of badDest) {
  test(`dest_map.json with ${name} is a ConfigError naming the problem`, () => {
    assert.throws(
      () => parseDestMap(json),
      (err: unknown) => err instanceof ConfigError && err.code === 'ERR_CONFIG' && message.test(err.message),
    );
  });
}

const destinations = parseDestMap(seedDestMap);
const badMessages: [string, unknown, RegExp][] = [
  ['an array', [1], /message_map\.json: must be a JSON object of message id or route → destination id, got an array/],
  ['a string', 'x', /message_map\.json: must be a JSON object.*got "x"/],
  ['a negative message id', { '-5': 1 }, /key "-5": message id must be a non-negative decimal integer .* or a route name like "chat\.say"/],
  ['a fractional message id', { '1.5': 1 }, /key "1\.5": message id must be/],
  ['a route without a dot', { say: 1 }, /key "say": message id must be .* or a route name/],
  ['a destination as a string', { '100': '101' }, /key "100": destination must be a non-negative integer destination id, got "101"/],
  ['a negative destination', { '100': -1 }, /key "100": destination must be a non-negative integer/],
  ['a fractional destination', { '100': 1.5 }, /key "100": destination must be a non-negative integer/],
  ['an unknown destination', { '100': 7 }, /message_map\.json: key "100": destination 7 is not in dest_map\.json/],
  ['an unknown destination on a route key', { 'chat.say': 7 }, /key "chat\.say": destination 7 is not in dest_map\.json/],
];

for (const [name, json, message] of badMessages) {
  test(`message_map.json with ${name} is a ConfigError naming the problem`, () => {
    assert.throws(
      () => parseMessageMap(json, destinations),
      (err: unknown) => err instanceof ConfigError && err.code === 'ERR_CONFIG' && message.test(err.message),
    );
  });
}

test('text that is not JSON is a ConfigError naming the file', () => {
  assert.throws(
    () =>
      parseRouteTable({
        destMap: { file: '/etc/yard/dest_map.json', text: JSON.stringify(seedDestMap) },
        messageMap: { file: '/etc/yard/message_map.json', text: '{"1": 1,' },
      }),
    (err: unknown) =>
      err instanceof RouteTableError &&
      err.file === '/etc/yard/message_map.json' &&
      err.key === undefined &&
      /^\/etc\/yard\/message_map\.json: not valid JSON \(/.test(err.message),
  );
});

test('a key error carries the file and the key', () => {
  try {
    parseMessageMap({ '100': 9 }, destinations, 'conf/message_map.json', 'dest_map.json');
    assert.fail('expected a RouteTableError');
  } catch (err) {
    assert.ok(err instanceof RouteTableError);
    assert.equal(err.file, 'conf/message_map.json');
    assert.equal(err.key, '100');
  }
});

test('a missing file is a ConfigError naming it', async () => {
  const empty = mkdtempSync(join(dir, 'empty-'));
  await assert.rejects(
    loadRouteTable(routeTablePaths(empty)),
    (err: unknown) => err instanceof ConfigError && /dest_map\.json: cannot be read \(ENOENT\)/.test(err.message),
  );
});
