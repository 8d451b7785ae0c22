import WebSocket from 'ws';
import { hostOf } from '../transport/endpoint.js';
import type { ClientTlsOptions } from './client-options.js';
import { CLOSE_GRACE_MS, type ClientSocket, type OpenSocket, type SocketHandlers } from './client-socket.js';
import { nodeTlsOptions } from './tls-socket.js';

/** Adapts a `ws` WebSocket to the client seam (Node). */
class NodeWebSocket implements ClientSocket {
  readonly framing = 'message';
  readonly #ws: WebSocket;
  #forceTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(ws: WebSocket) {
    this.#ws = ws;
  }

  send(bytes: Uint8Array): void {
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.send(bytes);
  }

  close(): void {
    this.#ws.close(1000);
    // A graceful close waits for the server's close frame; a dead server must not hold it open.
    this.#forceTimer ??= setTimeout(() => this.#ws.terminate(), CLOSE_GRACE_MS);
    this.#forceTimer.unref();
  }
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  return Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/** An opener for `ws://` and `wss://` with the `ws` package; `tls` applies to `wss://`. */
export function nodeWebSocketOpener(tls: ClientTlsOptions = {}): OpenSocket {
  return (url: string, handlers: SocketHandlers) =>
    new Promise<ClientSocket>((resolve, reject) => {
      const secure = url.slice(0, 4).toLowerCase() === 'wss:';
      const tlsOptions = secure ? nodeTlsOptions(tls, hostOf(new URL(url))) : {};
      // Compression is off: packets are small and the protocol has its own (flag 0x10) where needed.
      const ws = new WebSocket(url, { perMessageDeflate: false, ...tlsOptions });
      ws.binaryType = 'nodebuffer';
      let opened = false;
      let lastError: Error | undefined;
      ws.on('open', () => {
        opened = true;
        resolve(new NodeWebSocket(ws));
      });
      ws.on('message', (data) => handlers.onData(toBytes(data)));
      ws.on('error', (err) => {
        lastError = err;
        if (!opened) reject(err);
      });
      ws.on('close', (code) => {
        if (!opened) {
          reject(lastError ?? new Error(`WebSocket closed before opening (code ${code})`));
          return;
        }
        handlers.onClose(lastError ?? (code === 1000 || code === 1005 ? undefined : new Error(`WebSocket closed (code ${code})`)));
      });
    });
}

/** Opens `ws://` or `wss://` with the `ws` package, trusting Node's CA list. */
export const openNodeWebSocket: OpenSocket = nodeWebSocketOpener();
