/**
 * What the server-transport scenarios share: a servant that records the order in which each key's
 * calls arrive, echoes what a call carried (extra, session bytes, time left) and sleeps on demand,
 * plus helpers to call it through any Invoker.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Adapter,
  RpcError,
  type CallContext,
  type IncomingCall,
  type Invoker,
  type OperationEntry,
  type OperationRef,
  type RpcCallOptions,
  type RpcCode,
} from '../../src/rpc/index.js';
import type { PeerAddress } from '../../src/transport/index.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Operations of the test servant. */
export const orderOps = {
  note: { route: 'test.Order.note', code: 1, oneway: false },
  noteOneway: { route: 'test.Order.noteOneway', code: 2, oneway: true },
  describe: { route: 'test.Order.describe', code: 3, oneway: false },
  sleep: { route: 'test.Order.sleep', code: 4, oneway: false },
} as const satisfies Record<string, OperationRef>;

/** What `describe` answers: what travelled with the call. */
export interface CallDescription {
  route: string;
  extra: Record<string, string>;
  session: number[] | null;
  timeLeftMs: number | null;
  server: string;
}

/** Four bytes naming a key, carried as a call's session bytes. */
export function keyBytes(key: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, key);
  return bytes;
}

function keyOf(ctx: CallContext): number {
  const session = (ctx as IncomingCall).session!;
  return new DataView(session.buffer, session.byteOffset, session.byteLength).getUint32(0);
}

/**
 * Records arrival order per key: call `seq` of a key (sent as the 4-byte body) must arrive right
 * after `seq - 1`; anything else counts as a reordering.
 */
export class OrderServant {
  readonly name: string;
  readonly next = new Map<number, number>();
  reorderings = 0;
  received = 0;

  constructor(name = 'server') {
    this.name = name;
  }

  static readonly operations: readonly OperationEntry<OrderServant>[] = [
    { ...orderOps.note, invoke: (s, args, ctx) => s.note(keyOf(ctx), args) },
    { ...orderOps.noteOneway, invoke: (s, args, ctx) => s.note(keyOf(ctx), args) },
    { ...orderOps.describe, invoke: (s, _args, ctx) => enc.encode(JSON.stringify(s.describe(ctx as IncomingCall))) },
    { ...orderOps.sleep, invoke: (_s, args, ctx) => sleepFor(Number(dec.decode(args)), ctx) },
  ];

  note(key: number, body: Uint8Array): Uint8Array {
    const seq = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(0);
    const expected = this.next.get(key) ?? 0;
    if (seq !== expected) this.reorderings++;
    this.next.set(key, seq + 1);
    this.received++;
    return new Uint8Array(0);
  }

  describe(call: IncomingCall): CallDescription {
    const left = call.deadline === Infinity ? null : Math.round(call.deadline - performance.now());
    const session = call.session === undefined ? null : [...call.session];
    return { route: call.route, extra: { ...call.extra }, session, timeLeftMs: left, server: this.name };
  }
}

/** Waits `ms` unless the call is given up first (its signal then fails the call as the runtime says). */
async function sleepFor(ms: number, ctx: CallContext): Promise<Uint8Array> {
  await sleep(ms, undefined, { signal: ctx.signal }).catch(() => undefined);
  return enc.encode('slept');
}

/** An adapter serving a fresh {@link OrderServant}. */
export function orderAdapter(name = 'server'): { adapter: Adapter; servant: OrderServant } {
  const servant = new OrderServant(name);
  return { adapter: new Adapter({ name }).add(servant), servant };
}

/** A peer address on loopback. */
export function peer(id: string, port = 0, type = 'order'): PeerAddress {
  return { id, type, host: '127.0.0.1', port };
}

/** Sends call `seq` of `key` as a two-way `note`. */
export function note(invoker: Invoker, key: number, seq: number, opts: RpcCallOptions = {}): Promise<Uint8Array> {
  return invoker.call(orderOps.note, keyBytes(seq), { ...opts, session: keyBytes(key) } as RpcCallOptions);
}

/** Calls `describe` and decodes what the servant saw. */
export async function describeCall(invoker: Invoker, opts: RpcCallOptions = {}): Promise<CallDescription> {
  return JSON.parse(dec.decode(await invoker.call(orderOps.describe, new Uint8Array(0), opts))) as CallDescription;
}

/** Calls `sleep` for `ms` on the servant. */
export function sleepCall(invoker: Invoker, ms: number, opts: RpcCallOptions = {}): Promise<Uint8Array> {
  return invoker.call(orderOps.sleep, enc.encode(String(ms)), opts);
}

/** Asserts that `promise` rejects with an RpcError of `code`; returns it with how long it took. */
export async function failsWith(promise: Promise<unknown>, code: RpcCode): Promise<{ error: RpcError; ms: number }> {
  const started = performance.now();
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof RpcError, `expected RpcError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    return { error: err, ms: performance.now() - started };
  }
  assert.fail(`expected the call to fail with ${code}`);
}
