import type { Invoker, OperationRef } from './call.js';
import { RpcError } from './errors.js';
import type { RpcCallOptions } from './rpc-connection.js';

/*
 * The callback form of a two-way call, for hops that forward many calls (the gateway): the reply
 * goes to an object the caller already holds instead of through a Promise, its two closures and a
 * microtask per call. Users keep calling `Invoker.call`, which is built on the same path.
 */

/** Told a two-way call's outcome, exactly once. Its methods must not throw (they run in the receive loop). */
export interface ReplyReceiver {
  /** The call's encoded result; the bytes may be a view into the received frame. */
  replied(body: Uint8Array): void;
  /** The call failed: error reply, deadline, abort, or the connection ended. */
  failed(error: RpcError): void;
}

/** An {@link Invoker} that can also deliver a call's outcome to a {@link ReplyReceiver}. */
export interface ReceiverInvoker extends Invoker {
  /** Two-way call whose outcome goes to `receiver`, never synchronously. */
  callInto(op: OperationRef, args: Uint8Array, opts: RpcCallOptions | undefined, receiver: ReplyReceiver): void;
}

/** Makes a two-way call through `invoker`, by callback where it can, else through its Promise. */
export function callInto(invoker: Invoker, op: OperationRef, args: Uint8Array, opts: RpcCallOptions | undefined, receiver: ReplyReceiver): void {
  if (typeof (invoker as Partial<ReceiverInvoker>).callInto === 'function') {
    (invoker as ReceiverInvoker).callInto(op, args, opts, receiver);
    return;
  }
  settleInto(invoker.call(op, args, opts), receiver);
}

/** Hands a Promise-returning call's outcome to `receiver`. */
export function settleInto(reply: Promise<Uint8Array>, receiver: ReplyReceiver): void {
  reply.then(
    (body) => receiver.replied(body),
    (err: unknown) => receiver.failed(RpcError.from(err)),
  );
}

/** The receiver behind a Promise-returning call. */
export class PromiseReceiver implements ReplyReceiver {
  constructor(
    readonly replied: (body: Uint8Array) => void,
    readonly failed: (error: RpcError) => void,
  ) {}
}

/** Fails `receiver` in a later microtask, as a rejected Promise would. */
export function failLater(receiver: ReplyReceiver, error: RpcError): void {
  queueMicrotask(() => receiver.failed(error));
}
