/**
 * Browser entry of the client SDK: the standard `WebSocket` only, no Node modules, so bundlers
 * need no polyfills. Bundled to `dist/browser/switchyard-client.js` by `scripts/bundle-browser.mjs`.
 */
import { Client } from './client.js';
import type { ConnectOptions } from './client-options.js';
import { openBrowserWebSocket } from './ws-browser-socket.js';

/** Connects to `url` (ws:// or wss://; or several, tried in turn) with the global WebSocket and completes the handshake. */
export async function connect(url: string | readonly string[], options: ConnectOptions = {}): Promise<Client> {
  return Client.connect(url, () => openBrowserWebSocket, options);
}

export { Client, type ClientEvents, type PushListener, type RequestOptions } from './client.js';
export type { ConnectOptions } from './client-options.js';
export type { ReconnectOptions } from './backoff.js';
export type { ClientSocket, Framing, OpenSocket, SocketHandlers } from './client-socket.js';
export type { ServantClass } from './served-operations.js';
export { openBrowserWebSocket } from './ws-browser-socket.js';
export { RpcError, RpcCodes, type RpcCode } from '../rpc/errors.js';
export type { CallContext, CallOptions, Invoker, OperationEntry, OperationRef } from '../rpc/call.js';
