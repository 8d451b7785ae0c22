/** The seam between a connection and its transport (a WebSocket or a TCP socket). */
export interface ClientSocket {
  /** Writes bytes: one WebSocket message, or a chunk of the TCP stream. */
  write(bytes: Uint8Array): void;
  /** Bytes accepted by `write` but not yet handed to the kernel. */
  readonly pendingBytes: number;
  /** Closes after what was written has been sent. */
  end(): void;
  /** Tears the connection down at once. */
  destroy(): void;
  readonly remoteAddress: string;
  /** Whether a frame boundary is a packet boundary (WebSocket) or bytes are a stream (TCP). */
  readonly framed: boolean;
}
