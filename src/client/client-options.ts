import { PACKET_MAX_BODY } from '../wire/packet.js';
import { reconnectPolicy, type ReconnectOptions, type ReconnectPolicy } from './backoff.js';
import type { OpenSocket } from './client-socket.js';

/** How `wss://` and `tls://` connections check the server (Node only; browsers use their own trust store). */
export interface ClientTlsOptions {
  /** PEM certificate(s) of the CA(s) to trust instead of the system's (e.g. a private or test CA). Default: Node's CA list. */
  ca?: string | Uint8Array | readonly (string | Uint8Array)[];
  /** Refuse a server whose certificate does not verify. Default true; false only for experiments. */
  rejectUnauthorized?: boolean;
  /** Name the certificate must carry (SNI). Default: the URL's host name (none for an IP address). */
  servername?: string;
}

/** Options of `connect()`. */
export interface ConnectOptions {
  /** Application part of the handshake (e.g. `{ token }`), read by the server's auth hook. Default `{}`. */
  user?: Record<string, unknown>;
  /** Default request deadline in milliseconds; `Infinity` waits forever. Default 10000. */
  timeoutMs?: number;
  /** Deadline for the socket to open and the handshake to complete, in milliseconds. Default 10000. */
  handshakeTimeoutMs?: number;
  /** Reconnect after an unexpected loss; `true` uses the defaults. Default off. */
  reconnect?: ReconnectOptions | boolean;
  /** Largest packet body accepted from the server, in bytes. Default 16 MiB − 1 (the format's maximum). */
  maxPacketSize?: number;
  /** Attach the caller's stack to a request that fails later (costs about 1 µs per request). Default true. */
  captureCallSites?: boolean;
  /** TLS settings for `wss://` and `tls://` URLs. Default: verify against Node's CA list. */
  tls?: ClientTlsOptions;
  /** Overrides the transport chosen from the URL scheme (tests, custom transports). */
  socket?: OpenSocket;
}

/** {@link ConnectOptions} with defaults filled in. */
export interface ResolvedOptions {
  user: Record<string, unknown>;
  timeoutMs: number;
  handshakeTimeoutMs: number;
  reconnect: ReconnectPolicy | undefined;
  maxPacketSize: number;
  captureCallSites: boolean;
}

/** Fills in the defaults. */
export function resolveOptions(options: ConnectOptions): ResolvedOptions {
  const r = options.reconnect;
  return {
    user: options.user ?? {},
    timeoutMs: options.timeoutMs ?? 10_000,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? 10_000,
    reconnect: r === true ? reconnectPolicy({}) : r ? reconnectPolicy(r) : undefined,
    maxPacketSize: Math.min(options.maxPacketSize ?? PACKET_MAX_BODY, PACKET_MAX_BODY),
    captureCallSites: options.captureCallSites ?? true,
  };
}
