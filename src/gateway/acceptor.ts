import type { AddressInfo, Server } from 'node:net';
import type { Logger } from 'pino';
import type { ClientConnection } from './client-connection.js';
import type { ClientSocket } from './client-socket.js';
import type { GatewayErrorCode } from './gateway-errors.js';

/**
 * Why a new socket is turned away (already counted by the host): `closing` while the gateway stops,
 * else the gateway error code. A WebSocket upgrade answers it with the HTTP status of {@link refusalStatus}.
 */
export type Refusal = 'closing' | Extract<GatewayErrorCode, 'ERR_TOO_MANY_CONNECTIONS' | 'ERR_TOO_MANY_FROM_ADDRESS' | 'ERR_ADDRESS_REFUSED'>;

/** HTTP status for a refused WebSocket upgrade: 503 for capacity, 429 for one address's share, 403 for a refused address. */
export const refusalStatus: Readonly<Record<Refusal, number>> = {
  closing: 503,
  ERR_TOO_MANY_CONNECTIONS: 503,
  ERR_TOO_MANY_FROM_ADDRESS: 429,
  ERR_ADDRESS_REFUSED: 403,
};

/** What an acceptor hands new sockets to. */
export interface AcceptHost {
  readonly logger: Logger;
  /** Whether the `allowAddress` hook lets `address` in (counted when not): the cheap check made before a TLS handshake. */
  addressAllowed(remoteAddress: string): boolean;
  /** Why a socket from `remoteAddress` must be refused now (counted), or undefined to take it with {@link accept} at once. */
  admit(remoteAddress: string): Refusal | undefined;
  /** Wraps a new socket in a connection. */
  accept(socket: ClientSocket): ClientConnection;
  /** Counts a refusal or drop by code (metrics). */
  countError(code: string): void;
}

/** A listening endpoint for clients. */
export interface Acceptor {
  listen(): Promise<{ host: string; port: number }>;
  /** Stops taking new connections (existing ones stay) and stops watching certificate files. */
  close(): Promise<void>;
}

/** What acceptors take from the gateway's options besides their own. */
export interface AcceptorLimits {
  /** A TLS handshake must finish within this many ms (the gateway's handshakeTimeoutMs). */
  readonly handshakeTimeoutMs: number;
}

/**
 * Listens on the acceptor's `host` (default 127.0.0.1) and `port` (0: a free one), then calls
 * `listening` (which starts certificate reloading): both acceptors listen this way. Rejects when the
 * address cannot be taken.
 */
export function listenOn(
  server: Server,
  address: { readonly host?: string; readonly port: number },
  listening: () => void,
): Promise<{ host: string; port: number }> {
  const host = address.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, host, () => {
      server.off('error', reject);
      listening();
      resolve({ host, port: (server.address() as AddressInfo).port });
    });
  });
}
