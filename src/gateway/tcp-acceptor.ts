import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { listenOn, type Acceptor, type AcceptHost, type AcceptorLimits } from './acceptor.js';
import { acceptorTls } from './acceptor-tls.js';
import { normalizeAddress } from './address-limits.js';
import type { ClientSocket } from './client-socket.js';
import type { TcpAcceptorOptions } from './options.js';
import type { TlsCertReloader } from './tls-cert-reloader.js';

/** A TCP (or TLS) socket as a {@link ClientSocket}: a byte stream. */
class TcpClientSocket implements ClientSocket {
  readonly framed = false;
  constructor(
    readonly socket: Socket,
    readonly remoteAddress: string,
  ) {}

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

/** Accepts raw TCP clients (or TLS ones, with `tls`) speaking the same packet protocol as WebSocket ones. */
export class TcpAcceptor implements Acceptor {
  readonly #server: Server;
  readonly #options: TcpAcceptorOptions;
  readonly #host: AcceptHost;
  readonly #reloader: TlsCertReloader | undefined;

  constructor(options: TcpAcceptorOptions, host: AcceptHost, limits: AcceptorLimits) {
    this.#options = options;
    this.#host = host;
    if (!options.tls) {
      this.#server = createServer({ noDelay: true }, (socket) => this.#onSocket(socket));
      return;
    }
    const { server, reloader } = acceptorTls('tcp.tls', options.tls, host, limits, (tls) =>
      createTlsServer({ ...tls, noDelay: true }, (socket) => this.#onSocket(socket)),
    );
    // Refused addresses are dropped before they cost a TLS handshake; the caps are checked once it is done.
    server.on('connection', (raw: Socket) => {
      if (!host.addressAllowed(normalizeAddress(raw.remoteAddress ?? ''))) raw.destroy();
    });
    this.#reloader = reloader;
    this.#server = server;
  }

  #onSocket(socket: Socket): void {
    socket.on('error', () => socket.destroy());
    const remote = normalizeAddress(socket.remoteAddress ?? '');
    if (this.#host.admit(remote) !== undefined) {
      socket.destroy();
      return;
    }
    const conn = this.#host.accept(new TcpClientSocket(socket, remote));
    socket.on('data', (chunk: Buffer) => conn.receive(chunk));
    socket.on('close', () => conn.socketClosed());
  }

  listen(): Promise<{ host: string; port: number }> {
    return listenOn(this.#server, this.#options, () => this.#reloader?.start());
  }

  close(): Promise<void> {
    this.#reloader?.close();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
