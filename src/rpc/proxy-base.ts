/**
 * What generated proxies stand on: a base class holding the {@link Invoker}, and the three call
 * helpers every generated method is a one-line use of (two-way, one-way, callback).
 */
import type { BinaryCodec } from '../wire/proto-codec.js';
import { ProtocolError } from '../wire/errors.js';
import type { CallOptions, Invoker, OperationRef } from './call.js';
import { RpcError } from './errors.js';

/** One operation as generated code sees it: its wire identity and the codecs of its messages. */
export interface OperationCodecs<A, R> {
  readonly ref: OperationRef;
  /** The argument list as a message: field i = parameter i. */
  readonly args: BinaryCodec<A>;
  /** The result as a message: field 1 = the returned value (nothing for void). */
  readonly result: BinaryCodec<R>;
}

/** Base of every generated `XxxProxy`: calls go through `invoker`, so one proxy class fits every transport. */
export class ProxyBase {
  constructor(readonly invoker: Invoker) {}
}

/** A malformed payload as the caller should see it: RpcError('bad_payload'); other errors unchanged. */
export function asBadPayload(err: unknown): unknown {
  return err instanceof ProtocolError ? new RpcError('bad_payload', err.message, { cause: err }) : err;
}

/** Two-way call: encodes `args`, awaits the reply, decodes the result. Every failure is a rejection. */
export async function callTwoWay<A, R>(
  invoker: Invoker,
  op: OperationCodecs<A, R>,
  args: A,
  opts?: CallOptions,
): Promise<R> {
  const reply = await invoker.call(op.ref, op.args.encode(args), opts);
  try {
    return op.result.decode(reply);
  } catch (err) {
    throw asBadPayload(err);
  }
}

/** One-way call of a void operation: encodes `args` and sends them; no reply travels. */
export function callOneWay<A>(invoker: Invoker, op: OperationCodecs<A, void>, args: A, opts?: CallOptions): void {
  invoker.send(op.ref, op.args.encode(args), opts);
}

/** The seed's callback form of a call: `cb(null, result)` or `cb(error)`, never both, never throwing. */
export function callWithCallback<R>(call: Promise<R>, cb: (err: RpcError | null, result?: R) => void): void {
  call.then(
    (result) => cb(null, result),
    (err: unknown) => cb(RpcError.from(err)),
  );
}
