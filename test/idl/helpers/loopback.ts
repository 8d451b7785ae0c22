/**
 * An in-process Invoker that dispatches straight to a servant's operation table, standing in for
 * a transport so generated proxies and servants can be tested against each other.
 */
import type { CallContext, CallOptions, Invoker, OperationRef } from '../../../src/rpc/call.js';
import { RpcError } from '../../../src/rpc/errors.js';
import { operationsOf } from '../../../src/rpc/servant-base.js';

/** A loopback invoker plus what it saw. */
export interface Loopback extends Invoker {
  /** Settles when every one-way call sent so far has run. */
  drain(): Promise<void>;
  /** Contexts the servant was called with, in order. */
  readonly contexts: CallContext[];
}

/** Calls `servant` directly; `caller` is what the servant sees as `ctx.caller` (for callbacks). */
export function loopback(servant: object, caller?: Invoker): Loopback {
  const entries = new Map(operationsOf(servant).map((e) => [e.route, e]));
  const pending: Promise<unknown>[] = [];
  const contexts: CallContext[] = [];
  const call = async (op: OperationRef, args: Uint8Array, opts?: CallOptions): Promise<Uint8Array> => {
    const entry = entries.get(op.route);
    if (!entry) throw new RpcError('not_found', `no route ${op.route}`);
    const ctx: CallContext = { route: op.route, extra: opts?.extra ?? {}, signal: opts?.signal ?? new AbortController().signal, caller };
    contexts.push(ctx);
    try {
      return await entry.invoke(servant, args, ctx);
    } catch (err) {
      throw RpcError.from(err);
    }
  };
  return {
    call,
    send(op, args, opts) {
      pending.push(call(op, args, opts).catch(() => undefined));
    },
    async drain() {
      await Promise.all(pending);
    },
    contexts,
  };
}
