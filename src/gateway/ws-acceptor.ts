import { createServer, STATUS_CODES, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { listenOn, refusalStatus, type Acceptor, type AcceptHost, type AcceptorLimits } from './acceptor.js';
import { acceptorTls } from './acceptor-tls.js';
import { normalizeAddress } from './address-limits.js';
import type { WsAcceptorOptions } from './options.js';
import { originCheck } from './origin-check.js';
import { staticFileHandler } from './static-files.js';
import type { TlsCertReloader } from './tls-cert-reloader.js';
import { guardedCheck } from './user-check.js';
import { WsClientSocket } from './ws-client-socket.js';

/** Error listener of a socket until `ws` takes it over (shared, not a closure per socket). */
function destroySocket(this: Socket): void {
  this.destroy();
}

/** Answers an upgrade request with an HTTP error status and closes the socket. */
function refuseUpgrade(socket: Socket, status: number): void {
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Accepts WebSocket clients (`ws://`, or `wss://` with `tls`) on an HTTP server that also serves static files. */
export class WsAcceptor implements Acceptor {
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  readonly #options: WsAcceptorOptions;
  readonly #host: AcceptHost;
  /** The `allowedOrigins` check, guarded: a check that throws refuses the upgrade. */
  readonly #originAllowed: (origin: string | undefined) => boolean;
  readonly #reloader: TlsCertReloader | undefined;

  /**
   * @param maxMessageBytes largest WebSocket message accepted: `ws` reads the length from the frame
   * header and closes the socket with 1009 beyond it, before buffering any of the payload.
   */
  constructor(options: WsAcceptorOptions, host: AcceptHost, maxMessageBytes: number, limits: AcceptorLimits) {
    this.#options = options;
    this.#host = host;
    const origins = originCheck(options.allowedOrigins);
    this.#originAllowed = guardedCheck(origins, host.logger, 'origin', 'allowedOrigins check failed; refusing the upgrade');
    const files = staticFileHandler(options.staticDirs ?? []);
    // Upgrades (and the static files) wait at most the handshake deadline for their request headers.
    const httpOptions = { headersTimeout: limits.handshakeTimeoutMs, requestTimeout: Math.max(limits.handshakeTimeoutMs, 300_000) };
    if (options.tls) {
      const { server, reloader } = acceptorTls('ws.tls', options.tls, host, limits, (tls) =>
        createHttpsServer({ ...httpOptions, ...tls }, files as RequestListener),
      );
      this.#reloader = reloader;
      this.#http = server;
    } else {
      this.#http = createServer(httpOptions, files);
    }
    this.#wss = new WebSocketServer({ WebSocket: WsClientSocket, noServer: true, maxPayload: maxMessageBytes, perMessageDeflate: false, clientTracking: false });
    this.#http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.#onUpgrade(req, socket, head));
  }

  #onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', destroySocket);
    if (!this.#originAllowed(req.headers.origin)) {
      this.#host.countError('ERR_ORIGIN_REFUSED');
      refuseUpgrade(socket, 403);
      return;
    }
    const remote = normalizeAddress(socket.remoteAddress ?? '');
    const refusal = this.#host.admit(remote);
    if (refusal !== undefined) {
      refuseUpgrade(socket, refusalStatus[refusal]);
      return;
    }
    // The server was built with WebSocket: WsClientSocket, so every socket it hands over is one.
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      // ws listens for the socket's errors from here on; a second listener would cost every connection an array.
      socket.off('error', destroySocket);
      this.#onConnection(ws as WsClientSocket, remote);
    });
  }

  #onConnection(ws: WsClientSocket, remote: string): void {
    ws.remoteAddress = remote;
    ws.serve(this.#host.accept(ws), this.#onSocketError);
  }

  /** Counts a socket's protocol error: a message over the size limit is a packet too large. */
  readonly #onSocketError = (err: Error & { code?: string }): void => {
    if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.#host.countError('ERR_PACKET_TOO_LARGE');
  };

  listen(): Promise<{ host: string; port: number }> {
    return listenOn(this.#http, this.#options, () => this.#reloader?.start());
  }

  close(): Promise<void> {
    this.#reloader?.close();
    return new Promise((resolve) => {
      this.#wss.close();
      this.#http.close(() => resolve());
      this.#http.closeIdleConnections();
    });
  }
}
