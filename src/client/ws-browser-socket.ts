import { utf8Encode } from '../wire/bytes.js';
import { CLOSE_GRACE_MS, type ClientSocket, type OpenSocket, type SocketHandlers } from './client-socket.js';

function toBytes(data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  // A text frame is not part of the protocol; pass its bytes on and let the decoder refuse them.
  return utf8Encode(String(data));
}

/** Adapts a standard `WebSocket` (browsers, Deno, Node 22+) to the client seam. */
class BrowserSocket implements ClientSocket {
  readonly framing = 'message';
  readonly #ws: WebSocket;
  readonly #handlers: SocketHandlers;
  #opened = false;
  #done = false;
  #forceTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(ws: WebSocket, handlers: SocketHandlers, resolve: (s: ClientSocket) => void, reject: (e: Error) => void) {
    this.#ws = ws;
    this.#handlers = handlers;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      this.#opened = true;
      resolve(this);
    };
    ws.onmessage = (event: MessageEvent) => handlers.onData(toBytes(event.data));
    // Browsers give no detail on errors; the close event that always follows carries the code.
    ws.onerror = () => {};
    ws.onclose = (event: CloseEvent) => {
      const error = event.wasClean ? undefined : new Error(`WebSocket closed (code ${event.code})`);
      if (this.#opened) this.#finish(error);
      else {
        this.#done = true;
        reject(error ?? new Error(`WebSocket closed before opening (code ${event.code})`));
      }
    };
  }

  send(bytes: Uint8Array): void {
    if (this.#ws.readyState === 1 /* OPEN */) this.#ws.send(bytes);
  }

  close(): void {
    this.#ws.close(1000);
    // A graceful close waits for the server's close frame; a dead server must not hold it open.
    this.#forceTimer ??= setTimeout(() => this.#finish(undefined), CLOSE_GRACE_MS);
  }

  #finish(error: Error | undefined): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#forceTimer) clearTimeout(this.#forceTimer);
    this.#handlers.onClose(error);
  }
}

/**
 * Opens `ws://` or `wss://` with `globalThis.WebSocket`. Binary messages arrive as ArrayBuffers
 * rather than Blobs, whose reads are asynchronous and could reorder packets.
 */
export const openBrowserWebSocket: OpenSocket = (url: string, handlers: SocketHandlers) =>
  new Promise<ClientSocket>((resolve, reject) => {
    const WebSocketClass = (globalThis as { WebSocket?: typeof WebSocket }).WebSocket;
    if (!WebSocketClass) {
      reject(new Error('no global WebSocket in this environment'));
      return;
    }
    new BrowserSocket(new WebSocketClass(url), handlers, resolve, reject);
  });
