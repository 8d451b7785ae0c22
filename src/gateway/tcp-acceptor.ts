import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Acceptor, AcceptHost } from './acceptor.js';
import type { ClientSocket } from './client-socket.js';
import type { TcpAcceptorOptions } from './options.js';

/** A TCP socket as a {@link ClientSocket}: a byte stream. */
class TcpClientSocket implements ClientSocket {
  readonly framed = false;
  readonly remoteAddress: string;
  constructor(readonly socket: Socket) {
    this.remoteAddress = socket.remoteAddress ?? '';
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  get pendingBytes(): number {
    return this.socket.writableLength;
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Accepts raw TCP clients speaking the same packet protocol as WebSocket ones. */
export class TcpAcceptor implements Acceptor {
  readonly #server: Server;
  readonly #options: TcpAcceptorOptions;

  constructor(options: TcpAcceptorOptions, host: AcceptHost) {
    this.#options = options;
    this.#server = createServer({ noDelay: true }, (socket) => {
      socket.on('error', () => socket.destroy());
      if (!host.canAccept(socket.remoteAddress ?? '')) {
        socket.destroy();
        return;
      }
      const conn = host.accept(new TcpClientSocket(socket));
      socket.on('data', (chunk) => conn.receive(chunk));
      socket.on('close', () => conn.socketClosed());
    });
  }

  listen(): Promise<{ host: string; port: number }> {
    const host = this.#options.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port, host, () => {
        this.#server.off('error', reject);
        resolve({ host, port: (this.#server.address() as AddressInfo).port });
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
