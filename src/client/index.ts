/**
 * Node entry of the client SDK (`switchyard/client`): WebSocket through the `ws` package and raw
 * TCP, each plain or inside TLS, chosen by the URL scheme. Browsers get `browser.ts` through the package's `browser` condition.
 */
import { ConfigError } from '../wire/errors.js';
import { Client } from './client.js';
import type { ClientTlsOptions, ConnectOptions } from './client-options.js';
import type { OpenSocket } from './client-socket.js';
import { openTcpSocket } from './tcp-socket.js';
import { tlsSocketOpener } from './tls-socket.js';
import { nodeWebSocketOpener } from './ws-node-socket.js';

/** The transport for a URL scheme: `ws:`/`wss:` WebSocket, `tcp:` raw TCP, `tls:` TCP inside TLS; `tls` checks the server on `wss:` and `tls:`. */
export function socketForUrl(url: string, tls?: ClientTlsOptions): OpenSocket {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'ws' || scheme === 'wss') return nodeWebSocketOpener(tls);
  if (scheme === 'tcp') return openTcpSocket;
  if (scheme === 'tls') return tlsSocketOpener(tls);
  throw new ConfigError(`unsupported URL scheme in ${url} (expected ws://, wss://, tcp:// or tls://)`);
}

/**
 * Connects to `url` (ws://, wss://, tcp://host:port or tls://host:port) and completes the
 * handshake. Given several URLs (gateways of one cluster), it tries them in order, and reconnects
 * go round them.
 */
export async function connect(url: string | readonly string[], options: ConnectOptions = {}): Promise<Client> {
  return Client.connect(url, (u) => socketForUrl(u, options.tls), options);
}

export { Client, type ClientEvents, type PushListener, type RequestOptions } from './client.js';
export type { ClientTlsOptions, ConnectOptions } from './client-options.js';
export type { ReconnectOptions } from './backoff.js';
export type { ClientSocket, Framing, OpenSocket, SocketHandlers } from './client-socket.js';
export type { ServantClass } from './served-operations.js';
export { openBrowserWebSocket } from './ws-browser-socket.js';
export { nodeWebSocketOpener, openNodeWebSocket } from './ws-node-socket.js';
export { openTlsSocket, tlsSocketOpener } from './tls-socket.js';
export { openTcpSocket } from './tcp-socket.js';
export { RpcError, RpcCodes, type RpcCode } from '../rpc/errors.js';
export type { CallContext, CallOptions, Invoker, OperationEntry, OperationRef } from '../rpc/call.js';
