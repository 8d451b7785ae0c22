/**
 * What generated servants stand on. A generated servant class lists its operations (inherited ones
 * included) in a static `operations` table; an adapter finds the table through {@link operationsOf}.
 */
import type { CallContext, OperationEntry } from './call.js';
import { asBadPayload, type OperationCodecs } from './proxy-base.js';

/** Base of every generated servant class; subclasses override `operations`. */
export abstract class ServantBase {
  /** The operations instances of this class serve, with their dispatch functions. */
  static readonly operations: readonly OperationEntry[] = [];
}

/** The operation table of the servant's class (its static `operations`). */
export function operationsOf<S extends object>(servant: S): readonly OperationEntry<S>[] {
  const ops = (servant.constructor as { operations?: unknown } | undefined)?.operations;
  if (!Array.isArray(ops)) throw new TypeError('servant class has no static "operations" table (is it generated from an IDL?)');
  return ops as readonly OperationEntry<S>[];
}

/** Whether `value` is a Promise or another thenable. */
function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * Builds the entry that dispatches one operation: decodes the arguments (malformed ones fail with
 * RpcError('bad_payload')), calls the servant, and encodes what it returns, value or Promise.
 */
export function operationEntry<S, A, R>(
  op: OperationCodecs<A, R>,
  call: (servant: S, args: A, ctx: CallContext) => R | PromiseLike<R>,
): OperationEntry<S> {
  const { route, code, oneway } = op.ref;
  return {
    route,
    code,
    oneway,
    invoke(servant: S, bytes: Uint8Array, ctx: CallContext): Uint8Array | Promise<Uint8Array> {
      let args: A;
      try {
        args = op.args.decode(bytes);
      } catch (err) {
        throw asBadPayload(err);
      }
      const result = call(servant, args, ctx);
      if (isThenable(result)) return Promise.resolve(result).then((r) => op.result.encode(r));
      return op.result.encode(result);
    },
  };
}
