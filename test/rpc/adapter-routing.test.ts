import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Adapter, RpcError, type OperationEntry } from '../../src/rpc/index.js';
import { ServerImpl, TerminalImpl } from './harness.js';

const op = (route: string, code: number): OperationEntry => ({ route, code, oneway: false, invoke: () => new Uint8Array(0) });

test('finds operations by route, or by code when no route is sent', () => {
  const servant = new ServerImpl();
  const adapter = new Adapter({ name: 'a' }).add(servant);
  assert.equal(adapter.find('test.Server.add', undefined).entry.code, 2);
  assert.equal(adapter.find(undefined, 2).entry.route, 'test.Server.add');
  assert.equal(adapter.find('test.Server.add', 999).servant, servant, 'the route wins over the code');
  assert.throws(() => adapter.find('test.Server.nope', 2), (e: unknown) => e instanceof RpcError && e.code === 'not_found');
  assert.throws(() => adapter.find(undefined, 77), { code: 'not_found' });
  assert.throws(() => adapter.find(undefined, undefined), { code: 'not_found' });
});

test('a code two servants share can only be called by route', () => {
  const adapter = new Adapter().add(new ServerImpl()).add(new TerminalImpl()); // both use code 1
  assert.throws(() => adapter.find(undefined, 1), { code: 'not_found', message: /shared/ });
  assert.equal(adapter.find('test.ITerminal.onMessage', 1).entry.route, 'test.ITerminal.onMessage');
  assert.equal(adapter.find(undefined, 2).entry.route, 'test.Server.add');
});

test('a route served twice is refused; removing a servant frees its routes and codes', () => {
  const adapter = new Adapter();
  const first = {};
  adapter.add(first, [op('x.Y.a', 1)]);
  assert.throws(() => adapter.add({}, [op('x.Y.a', 2)]), TypeError);
  assert.throws(() => adapter.add(first, [op('x.Y.b', 3)]), TypeError);
  adapter.add({}, [op('x.Y.c', 1)]);
  assert.throws(() => adapter.find(undefined, 1), { message: /shared/ });
  assert.equal(adapter.remove(first), true);
  assert.equal(adapter.remove(first), false);
  assert.equal(adapter.find(undefined, 1).entry.route, 'x.Y.c');
  assert.deepEqual(adapter.operations.map((o) => o.route), ['x.Y.c']);
});

test('a servant without an operations table is refused', () => {
  assert.throws(() => new Adapter().add({}), TypeError);
});
