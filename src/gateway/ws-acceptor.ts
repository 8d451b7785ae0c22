import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Acceptor, AcceptHost } from './acceptor.js';
import type { ClientSocket } from './client-socket.js';
import type { WsAcceptorOptions } from './options.js';
import { staticFileHandler } from './static-files.js';

/** A WebSocket as a {@link ClientSocket}: one message per write. */
class WsClientSocket implements ClientSocket {
  readonly framed = true;
  constructor(
    readonly ws: WebSocket,
    readonly remoteAddress: string,
  ) {}

  write(bytes: Uint8Array): void {
    this.ws.send(bytes);
  }

  get pendingBytes(): number {
    return this.ws.bufferedAmount;
  }

  end(): void {
    this.ws.close(1000);
  }

  destroy(): void {
    this.ws.terminate();
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/** Accepts WebSocket clients on an HTTP server that also serves static files. */
export class WsAcceptor implements Acceptor {
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  readonly #options: WsAcceptorOptions;
  readonly #host: AcceptHost;

  /** @param maxMessageBytes largest WebSocket message accepted (ws closes the socket with 1009 beyond it). */
  constructor(options: WsAcceptorOptions, host: AcceptHost, maxMessageBytes: number) {
    this.#options = options;
    this.#host = host;
    this.#http = createServer(staticFileHandler(options.staticDirs ?? []));
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes, perMessageDeflate: false, clientTracking: false });
    this.#http.on('upgrade', (req, socket: Socket, head) => {
      const remote = socket.remoteAddress ?? '';
      if (!this.#host.canAccept(remote)) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onConnection(ws, remote));
    });
  }

  #onConnection(ws: WebSocket, remote: string): void {
    const conn = this.#host.accept(new WsClientSocket(ws, remote));
    ws.on('message', (data) => conn.receive(toBytes(data)));
    ws.on('close', () => conn.socketClosed());
    // ws reports protocol errors (oversized or bad frames) here and then closes the socket.
    ws.on('error', () => conn.socketClosed());
  }

  listen(): Promise<{ host: string; port: number }> {
    const host = this.#options.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      this.#http.once('error', reject);
      this.#http.listen(this.#options.port, host, () => {
        this.#http.off('error', reject);
        resolve({ host, port: (this.#http.address() as AddressInfo).port });
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#wss.close();
      this.#http.close(() => resolve());
      this.#http.closeIdleConnections();
    });
  }
}
