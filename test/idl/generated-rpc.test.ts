import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { CallContext, CallOptions, Invoker, OperationEntry, OperationRef } from '../../src/rpc/call.js';
import { RpcError } from '../../src/rpc/errors.js';
import { ProxyBase } from '../../src/rpc/proxy-base.js';
import { operationsOf, ServantBase } from '../../src/rpc/servant-base.js';
import { fixture, generate } from './helpers/generate.js';
import { loopback } from './helpers/loopback.js';

type Obj = Record<string, any>; // generated modules are loaded at run time, so untyped here
type ServantClass = (abstract new () => object) & { operations: readonly OperationEntry[] };

let zoo: Obj;
let layers: Obj;

before(async () => {
  const gen = generate([fixture('layers.idl')]);
  zoo = await gen.load('zoo');
  layers = await gen.load('layers');
});

/** A HeadKeeper servant implementing every operation of Keeper and HeadKeeper. */
function headKeeper(log: string[] = []): object {
  const Base = zoo.HeadKeeper as new () => object;
  return new (class extends Base {
    adopt(pet: Obj, count: number, names: string[], ctx: CallContext): Obj {
      log.push(`adopt ${ctx.route} ${ctx.extra.who ?? ''}`);
      return zoo.Family.create({ name: `${pet.name}x${count}`, pets: [pet], scores: names.map((n) => n.length) });
    }
    count(): number {
      return 0;
    }
    async feed(what: string): Promise<void> {
      log.push(`feed ${what}`);
    }
    stats(since: bigint): Map<string, number[]> {
      return since === 0n ? new Map() : new Map([['since', [Number(since)]], ['empty', []]]);
    }
    photo(id: number): Uint8Array {
      if (id < 0) throw new RpcError('permission_denied', 'no negative photos');
      if (id === 0) throw new Error('disk on fire');
      return new Uint8Array([id, id]);
    }
    nothing(e: Obj): Obj {
      return e;
    }
    async tree(root: Obj): Promise<Obj> {
      return { label: `${root.label}!`, children: [...root.children, { label: 'leaf', children: [] }] };
    }
    promote(cls: string, opts: string): boolean {
      return cls === 'class' && opts === 'opts';
    }
  })();
}

/** An invoker that answers every call with the given bytes and records what it was asked. */
function fixedReply(reply: Uint8Array): Invoker & { calls: [OperationRef, Uint8Array, CallOptions | undefined][] } {
  const calls: [OperationRef, Uint8Array, CallOptions | undefined][] = [];
  return {
    calls,
    async call(op, args, opts) {
      calls.push([op, args, opts]);
      return reply;
    },
    send(op, args, opts) {
      calls.push([op, args, opts]);
    },
  };
}

const rejectsWith = async (p: Promise<unknown>, code: string, message?: RegExp): Promise<void> => {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof RpcError, String(err));
    assert.equal(err.code, code);
    if (message) assert.match(err.message, message);
    return true;
  });
};

describe('generated proxies and servants talk through an invoker', () => {
  it('two-way calls carry structs, sequences, dictionaries, bytes and recursion both ways', async () => {
    const log: string[] = [];
    const prx = new zoo.HeadKeeperProxy(loopback(headKeeper(log)));
    const family = await prx.adopt(zoo.Pet.create({ name: 'rex', id: 2n ** 62n }), 3, ['ab', 'c'], { extra: { who: 'me' } });
    assert.deepEqual(family, zoo.Family.create({ name: 'rexx3', pets: [zoo.Pet.create({ name: 'rex', id: 2n ** 62n })], scores: [2, 1] }));
    assert.deepEqual(log, ['adopt zoo.Keeper.adopt me']);
    assert.deepEqual(await prx.stats(7n), new Map([['since', [7]], ['empty', []]]));
    assert.deepEqual(await prx.photo(9), new Uint8Array([9, 9]));
    assert.deepEqual(await prx.nothing({}), {});
    assert.deepEqual(await prx.tree({ label: 'root', children: [] }), { label: 'root!', children: [{ label: 'leaf', children: [] }] });
    assert.equal(await prx.promote('class', 'opts'), true);
  });

  it('results at their default (0, empty map, void) still make a valid reply', async () => {
    const prx = new zoo.HeadKeeperProxy(loopback(headKeeper()));
    assert.equal(await prx.count(), 0);
    assert.deepEqual(await prx.stats(0n), new Map());
    assert.equal(await prx.feed('hay'), undefined);
  });

  it('one-way calls go through send() with a oneway operation ref', () => {
    const inv = fixedReply(new Uint8Array(0));
    new zoo.KeeperProxy(inv).feed_oneway('hay', { extra: { a: 'b' } });
    const [op, args, opts] = inv.calls[0]!;
    assert.deepEqual([op.route, op.oneway, opts?.extra], ['zoo.Keeper.feed', true, { a: 'b' }]);
    assert.deepEqual([...args], [10, 3, 104, 97, 121]);
  });

  it('servant errors reach the caller as RpcError, keeping their code', async () => {
    const prx = new zoo.KeeperProxy(loopback(headKeeper()));
    await rejectsWith(prx.photo(-1), 'permission_denied', /no negative photos/);
    await rejectsWith(prx.photo(0), 'internal', /disk on fire/);
  });

  it('the callback form reports results and errors, never throwing', async () => {
    const prx = new zoo.KeeperProxy(loopback(headKeeper()));
    const ok = await new Promise((resolve) => prx.photo_async(4, (err: RpcError | null, r?: Uint8Array) => resolve([err, r])));
    assert.deepEqual(ok, [null, new Uint8Array([4, 4])]);
    const failed = await new Promise<RpcError | null>((resolve) => prx.photo_async(-1, (err: RpcError | null) => resolve(err)));
    assert.equal(failed?.code, 'permission_denied');
  });

  it('a malformed reply fails the call with bad_payload', async () => {
    const prx = new zoo.KeeperProxy(fixedReply(new Uint8Array([0x0a, 0x05, 0x01])));
    await rejectsWith(prx.adopt(zoo.Pet.create(), 1, []), 'bad_payload', /message body could not be decoded/);
  });

  it('malformed arguments fail at the servant with bad_payload', () => {
    const entry = operationsOf(headKeeper()).find((e) => e.route === 'zoo.Keeper.adopt')!;
    const ctx: CallContext = { route: entry.route, extra: {}, signal: new AbortController().signal, caller: undefined };
    assert.throws(() => entry.invoke(headKeeper(), new Uint8Array([0xff]), ctx), (err: unknown) => err instanceof RpcError && err.code === 'bad_payload');
  });

  it('arguments that cannot be encoded reject the call instead of throwing', async () => {
    const prx = new zoo.KeeperProxy(fixedReply(new Uint8Array(0)));
    const call = prx.adopt(undefined, 1, []);
    assert.ok(call instanceof Promise);
    await assert.rejects(call, TypeError);
  });

  it('servant tables include inherited operations, under the routes of the interface declaring them', () => {
    const table = (zoo.HeadKeeper as ServantClass).operations.map((e) => `${e.route}#${e.code}`);
    assert.deepEqual(table, [
      'zoo.Keeper.adopt#769', 'zoo.Keeper.count#770', 'zoo.Keeper.feed#771', 'zoo.Keeper.stats#772',
      'zoo.Keeper.photo#773', 'zoo.Keeper.nothing#774', 'zoo.Keeper.tree#775', 'zoo.HeadKeeper.promote#265',
    ]);
    assert.ok(headKeeper() instanceof ServantBase);
    assert.ok(new zoo.KeeperProxy(fixedReply(new Uint8Array(0))) instanceof ProxyBase);
  });

  it('a base without a servant (skeleton off) has its operations declared by the servant below it', () => {
    const visible = (layers.Visible as ServantClass).operations.map((e) => e.route);
    assert.deepEqual(visible, ['layers.Hidden.depth', 'layers.Visible.show']);
    assert.equal(layers.Hidden, undefined);
    assert.equal(layers.Shadow, undefined);
    const below = layers.Below as ServantClass;
    assert.equal(Object.getPrototypeOf(below), zoo.Keeper, 'Below extends the servant of zoo.Keeper, across modules');
    assert.deepEqual(below.operations.map((e) => e.route).slice(-3), ['zoo.Keeper.tree', 'layers.Shadow.shade', 'layers.Below.below']);
  });

  it('route codes are unique across the modules compiled together', () => {
    const codes = [...(zoo.routes as OperationRef[]), ...(layers.routes as OperationRef[])].map((r) => r.code);
    assert.equal(new Set(codes).size, codes.length);
  });
});
