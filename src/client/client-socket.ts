/**
 * The seam between the client core and a transport. A transport only moves bytes; the core does
 * the framing, so a new transport (a test double, a React Native socket) is a few lines.
 */

/** How a transport delivers bytes: whole WebSocket messages, or an arbitrary split TCP stream. */
export type Framing = 'message' | 'stream';

/** Callbacks a transport calls; set once when the socket is opened. */
export interface SocketHandlers {
  /** Bytes arrived: one whole message (`message` framing) or any slice of the stream. */
  onData(bytes: Uint8Array): void;
  /** The socket is gone, for whatever reason; called once. `error` says why when it was not a clean close. */
  onClose(error?: Error): void;
}

/** An open connection to the server. */
export interface ClientSocket {
  readonly framing: Framing;
  /** Queues bytes for the server; silently dropped once the socket is closing. */
  send(bytes: Uint8Array): void;
  /** Starts a graceful close (forced after a short grace period); `onClose` follows. */
  close(): void;
}

/** Opens a socket to `url`; resolves once bytes can be sent, rejects if the connection fails. */
export type OpenSocket = (url: string, handlers: SocketHandlers) => Promise<ClientSocket>;

/** How long a graceful close may take before the socket is destroyed, in milliseconds. */
export const CLOSE_GRACE_MS = 1000;
