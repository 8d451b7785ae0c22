/**
 * The seam between RPC and transports. A transport moves whole frames (byte arrays) in order between
 * two peers and knows nothing else about RPC; the RPC runtime knows nothing about sockets.
 */

/** Receives what a {@link FrameConnection} delivers; set once with `attach`. */
export interface FrameSink {
  /**
   * One whole frame, in order. The receiver owns it: the transport never reuses its memory.
   * It must not throw; a transport that sees it throw closes the connection with that error.
   */
  frame(frame: Uint8Array): void;
  /** Called once when the connection has ended; `error` is undefined for a clean close. */
  closed(error: Error | undefined): void;
}

/** One connection that carries frames: TCP (length-prefixed), a WebSocket message each, in-process. */
export interface FrameConnection {
  /**
   * Queues one frame for the peer. Ownership passes to the transport: do not change the bytes
   * afterwards (writes are batched and happen later). Dropped silently once closed; the sink has
   * been or will be told why.
   */
  send(frame: Uint8Array): void;
  /**
   * Starts delivery to `sink`. Frames that arrived earlier were held and come first; if the
   * connection already ended, `sink.closed` is called (asynchronously). Attaching twice throws.
   */
  attach(sink: FrameSink): void;
  /** Flushes queued frames and closes; `error` (if any) is what the local sink is told. */
  close(error?: Error): Promise<void>;
  /** True once closing has begun, from either side. */
  readonly isClosed: boolean;
  /** The peer, for logs: `tcp://10.0.0.5:41234`, `ws://…`, `inproc://name`. */
  readonly remote: string;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Accepts frame connections on one endpoint. */
export interface FrameListener {
  /** The endpoint actually bound, with the real port when 0 was asked for. */
  readonly endpoint: string;
  /** Stops accepting, closes the connections it accepted and releases the port. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options a communicator passes when it opens a connection. */
export interface ConnectOptions {
  /** Gives up connecting when it fires (the communicator's connect timeout or the user's signal). */
  signal?: AbortSignal | undefined;
}

/** Makes frame connections for the endpoint URL schemes it names. */
export interface Transport {
  /** URL schemes served, without the colon: `['tcp']`. */
  readonly schemes: readonly string[];
  /** Opens a connection; fails with RpcError `unavailable` when the peer cannot be reached. */
  connect(endpoint: URL, options?: ConnectOptions): Promise<FrameConnection>;
  /** Listens on `endpoint`, handing each accepted connection to `onConnection`. */
  listen(endpoint: URL, onConnection: (connection: FrameConnection) => void): Promise<FrameListener>;
}
