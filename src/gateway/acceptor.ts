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
 * Counts a client that failed its TLS handshake (plain text on a TLS port, no common cipher, too
 * slow). A client that hangs up mid-handshake is not counted: it is a client leaving, and also what
 * a refused address and a client rejecting the certificate look like from here.
 */
export function tlsClientFailed(host: AcceptHost, err: Error & { code?: string }, acceptor: string): void {
  if (err.code === 'ECONNRESET') return;
  host.countError('ERR_TLS_HANDSHAKE');
  host.logger.debug({ err, acceptor }, 'client failed the TLS handshake');
}
