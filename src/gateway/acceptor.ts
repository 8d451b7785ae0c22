import type { ClientConnection } from './client-connection.js';
import type { ClientSocket } from './client-socket.js';

/** What an acceptor hands new sockets to. */
export interface AcceptHost {
  /** Whether another connection may be taken now (connection cap). */
  canAccept(remoteAddress: string): boolean;
  /** Wraps a new socket in a connection. */
  accept(socket: ClientSocket): ClientConnection;
}

/** A listening endpoint for clients. */
export interface Acceptor {
  listen(): Promise<{ host: string; port: number }>;
  /** Stops taking new connections (existing ones stay). */
  close(): Promise<void>;
}
