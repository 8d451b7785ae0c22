import type { Duplex } from 'node:stream';
import { WebSocket, type RawData } from 'ws';
import type { ClientConnection } from './client-connection.js';
import type { ClientSocket } from './client-socket.js';
import { SMALL_FRAME_LIMIT, binaryFrame } from './ws-frame.js';

/** Told of a socket's protocol error (one function per acceptor, not per socket). */
export type SocketErrorHook = (err: Error & { code?: string }) => void;

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/**
 * A gateway's WebSocket, which is its own {@link ClientSocket}: one message per write. The `ws`
 * server builds these instead of plain WebSockets, so an idle connection carries no adapter object
 * and no listener closures of its own (the listeners below are shared): a gateway holds tens of
 * thousands of them.
 */
export class WsClientSocket extends WebSocket implements ClientSocket {
  readonly framed = true;
  remoteAddress = '';
  #conn: ClientConnection | undefined;
  #onError: SocketErrorHook | undefined;

  /** Starts feeding `conn` with this socket's messages and its end; `onError` hears protocol errors. */
  serve(conn: ClientConnection, onError: SocketErrorHook): void {
    this.#conn = conn;
    this.#onError = onError;
    this.on('message', onMessage);
    this.on('close', onClose);
    this.on('error', onSocketError);
  }

  /** The connection this socket feeds (set by serve()). */
  get connection(): ClientConnection | undefined {
    return this.#conn;
  }

  /** `ws` reports protocol errors (oversized or bad frames) and then closes the socket. */
  failed(err: Error & { code?: string }): void {
    this.#onError?.(err);
    this.#conn?.socketClosed();
  }

  /** A small message goes to the TCP socket as one framed buffer; anything else through `ws`. */
  write(bytes: Uint8Array): void {
    const socket = (this as unknown as { _socket?: Duplex })._socket;
    if (bytes.length <= SMALL_FRAME_LIMIT && this.readyState === WebSocket.OPEN && socket) socket.write(binaryFrame(bytes));
    else this.send(bytes);
  }

  get pendingBytes(): number {
    return this.bufferedAmount;
  }

  end(): void {
    this.close(1000);
  }

  destroy(): void {
    this.terminate();
  }
}

// `ws` calls listeners with the socket as `this`; its types say WebSocket, the instance is ours.
function onMessage(this: WebSocket, data: RawData): void {
  (this as WsClientSocket).connection?.receive(toBytes(data));
}

function onClose(this: WebSocket): void {
  (this as WsClientSocket).connection?.socketClosed();
}

function onSocketError(this: WebSocket, err: Error & { code?: string }): void {
  (this as WsClientSocket).failed(err);
}
