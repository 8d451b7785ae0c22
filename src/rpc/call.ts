/**
 * The seam between generated code and the RPC runtime: a generated proxy encodes its arguments and
 * hands bytes to an {@link Invoker}; a generated servant base lists {@link OperationEntry}s that an
 * adapter dispatches to. Transports, the gateway and the client SDK each provide an Invoker.
 */

/** Out-of-band context on every call: string keys to string values (the seed's `extra`). */
export type Extra = Record<string, string>;

/** The trailing options bag of every generated proxy method. */
export interface CallOptions {
  /** Aborts the call; it then fails with code `cancelled`. */
  signal?: AbortSignal;
  /** Deadline in milliseconds; defaults to the communicator's. Fails with `deadline_exceeded`. */
  timeoutMs?: number;
  /** Out-of-band context the servant reads from its call context. */
  extra?: Extra;
}

/** Identifies one IDL operation on the wire: route `module.Interface.method` and its number. */
export interface OperationRef {
  readonly route: string;
  readonly code: number;
  /** True when the operation returns void and may be called one-way. */
  readonly oneway: boolean;
}

/** What a proxy calls through: moves encoded arguments to a servant and encoded results back. */
export interface Invoker {
  /** Two-way call: resolves with the encoded result message or rejects with an RpcError. */
  call(op: OperationRef, args: Uint8Array, opts?: CallOptions): Promise<Uint8Array>;
  /** One-way call: no reply travels; failures to send are reported through the invoker's own events. */
  send(op: OperationRef, args: Uint8Array, opts?: CallOptions): void;
}

/** What a servant method sees besides its arguments. */
export interface CallContext {
  readonly route: string;
  readonly extra: Extra;
  /** Fires when the caller cancels, the deadline passes or the connection closes. */
  readonly signal: AbortSignal;
  /**
   * An invoker back to the caller over the same connection, for bidirectional calls (a client behind
   * NAT serving an interface). Undefined where the transport cannot carry calls back.
   */
  readonly caller: Invoker | undefined;
}

/** Servant-side entry for one operation, emitted by the IDL compiler per interface. */
export interface OperationEntry<S = unknown> extends OperationRef {
  /** Decodes `args`, calls the servant's method, encodes what it returns (value or Promise). */
  invoke(servant: S, args: Uint8Array, ctx: CallContext): Uint8Array | Promise<Uint8Array>;
}
