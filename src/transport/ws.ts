import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { RpcError } from '../rpc/errors.js';
import type { ConnectOptions, FrameConnection, FrameListener, Transport } from '../rpc/frame.js';
import { ProtocolError } from '../wire/errors.js';
import { hostOf, hostPort, onAbort, portOf } from './endpoint.js';
import { FrameConnectionBase } from './frame-connection-base.js';
import { DEFAULT_MAX_FRAME_BYTES } from './frame-decoder.js';

/** Options of the WebSocket transport. */
export interface WsTransportOptions {
  /** Largest message accepted, in bytes; a larger one closes the connection (1009). Default 16 MiB. */
  maxFrameBytes?: number;
  /** How long a graceful close waits for the closing handshake, in ms. Default 2000. */
  closeTimeoutMs?: number;
}

/** Close codes that mean the peer ended the connection on purpose. */
const CLEAN_CLOSE_CODES = new Set([1000, 1001, 1005]);

/** One WebSocket carrying frames, one binary message each; text messages break the protocol. */
export class WsFrameConnection extends FrameConnectionBase {
  readonly remote: string;
  readonly #ws: WebSocket;
  readonly #closeTimeoutMs: number;
  #error: Error | undefined;

  constructor(ws: WebSocket, remote: string, options: WsTransportOptions = {}) {
    super();
    this.#ws = ws;
    this.remote = remote;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 2000;
    ws.binaryType = 'nodebuffer';
    ws.on('message', this.#onMessage);
    ws.on('error', (err) => (this.#error ??= wsError(err)));
    ws.on('close', (code, reason) => this.ended(this.#error ?? closeError(code, reason)));
  }

  send(frame: Uint8Array): void {
    // ws itself corks the socket around each message's header and payload writes.
    if (!this.isClosed && this.#ws.readyState === WebSocket.OPEN) this.#ws.send(frame, { binary: true, compress: false });
  }

  protected shutdown(error: Error | undefined): void {
    if (this.#ws.readyState === WebSocket.CLOSED) return this.ended(error);
    const tooLarge = error instanceof ProtocolError && error.code === 'ERR_PACKET_TOO_LARGE';
    if (error === undefined) this.#ws.close(1000);
    else this.#ws.close(tooLarge ? 1009 : 1002, error.message.slice(0, 120));
    setTimeout(() => this.#ws.terminate(), this.#closeTimeoutMs).unref();
  }

  #onMessage = (data: RawData, isBinary: boolean): void => {
    if (!isBinary) {
      void this.close(new ProtocolError('ERR_BODY_INVALID', 'text message on an RPC WebSocket'));
      return;
    }
    this.deliver(toBytes(data));
  };
}

/** Accepts WebSocket connections; `close` also closes the ones it accepted. */
class WsListener implements FrameListener {
  readonly endpoint: string;
  readonly #server: WebSocketServer;
  readonly #connections = new Set<WsFrameConnection>();
  #closing: Promise<void> | undefined;

  constructor(server: WebSocketServer, endpoint: string) {
    this.#server = server;
    this.endpoint = endpoint;
  }

  /** Wraps an accepted WebSocket and tracks it until it ends. */
  accept(ws: WebSocket, req: IncomingMessage, options: WsTransportOptions): WsFrameConnection {
    const remote = `ws://${hostPort(req.socket.remoteAddress ?? 'unknown', req.socket.remotePort ?? 0)}`;
    const connection = new WsFrameConnection(ws, remote, options);
    this.#connections.add(connection);
    ws.once('close', () => this.#connections.delete(connection));
    return connection;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      const server = this.#server;
      await Promise.all([...this.#connections].map((c) => c.close()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** The `ws://host:port/path` transport (`ws` package; binary messages, no compression). */
export function wsTransport(options: WsTransportOptions = {}): Transport {
  return {
    schemes: ['ws'],
    connect: (url, connectOptions) => connectWs(url, options, connectOptions),
    listen: (url, onConnection) => listenWs(url, options, onConnection),
  };
}

/** Connects to `ws://host:port/path`; fails with RpcError `unavailable` if it cannot. */
export function connectWs(url: URL, options: WsTransportOptions = {}, connect: ConnectOptions = {}): Promise<FrameConnection> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { maxPayload: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, perMessageDeflate: false });
    const stop = onAbort(connect.signal, () => {
      ws.terminate();
      reject(new RpcError('unavailable', `connecting to ${url.href} took too long or was aborted`));
    });
    ws.once('open', () => {
      stop();
      ws.removeAllListeners('error');
      resolve(new WsFrameConnection(ws, `ws://${url.host}${url.pathname}`, options));
    });
    ws.once('error', (err) => {
      stop();
      reject(new RpcError('unavailable', `cannot connect to ${url.href}: ${err.message}`, { cause: err }));
    });
  });
}

/** Listens on `ws://host:port/path` (port 0 picks a free one; only that path is upgraded). */
export function listenWs(
  url: URL,
  options: WsTransportOptions,
  onConnection: (connection: FrameConnection) => void,
): Promise<FrameListener> {
  const host = hostOf(url);
  const path = url.pathname === '/' || url.pathname === '' ? undefined : url.pathname;
  return new Promise((resolve, reject) => {
    const server = new WebSocketServer({
      host,
      port: portOf(url),
      path,
      maxPayload: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      perMessageDeflate: false,
      clientTracking: false,
    });
    server.once('error', (err) => reject(new RpcError('unavailable', `cannot listen on ${url.href}: ${err.message}`, { cause: err })));
    server.once('listening', () => {
      const port = (server.address() as AddressInfo).port;
      const listener = new WsListener(server, `ws://${hostPort(host, port)}${path ?? ''}`);
      server.removeAllListeners('error');
      server.on('error', () => {}); // after listening, errors belong to single connections
      server.on('connection', (ws, req) => onConnection(listener.accept(ws, req, options)));
      resolve(listener);
    });
  });
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

function wsError(err: Error): Error {
  const code = (err as { code?: unknown }).code;
  if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return new ProtocolError('ERR_PACKET_TOO_LARGE', err.message);
  return err;
}

function closeError(code: number, reason: Buffer): Error | undefined {
  if (CLEAN_CLOSE_CODES.has(code)) return undefined;
  const text = reason.length > 0 ? `: ${reason.toString('utf8')}` : '';
  if (code === 1009) return new ProtocolError('ERR_PACKET_TOO_LARGE', `the peer closed with 1009${text}`);
  return new RpcError('unavailable', `WebSocket closed with code ${code}${text}`);
}
