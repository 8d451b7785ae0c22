import net from 'node:net';
import { RpcError } from '../rpc/errors.js';
import type { ConnectOptions, FrameConnection, FrameListener, Transport } from '../rpc/frame.js';
import { hostOf, hostPort, onAbort, portOf } from './endpoint.js';
import { FrameConnectionBase } from './frame-connection-base.js';
import { DEFAULT_MAX_FRAME_BYTES, FrameDecoder } from './frame-decoder.js';
import { FrameWriter, type FlushOrder } from './frame-writer.js';

/** Options of the TCP transport. */
export interface TcpTransportOptions {
  /** Largest frame accepted, in bytes; a peer announcing more is disconnected. Default 16 MiB. */
  maxFrameBytes?: number;
  /** How long a graceful close waits for the peer before dropping the socket, in ms. Default 2000. */
  closeTimeoutMs?: number;
}

/** One TCP socket carrying length-prefixed frames (4-byte big-endian length, then the bytes). */
export class TcpFrameConnection extends FrameConnectionBase {
  readonly remote: string;
  readonly #socket: net.Socket;
  readonly #decoder: FrameDecoder;
  readonly #writer: FrameWriter;
  readonly #closeTimeoutMs: number;
  #error: Error | undefined;

  /** `order`: `accepted` for a connection a listener accepted, whose frames go out after those of connections this process opened. */
  constructor(socket: net.Socket, options: TcpTransportOptions = {}, order: FlushOrder = 'opened') {
    super();
    this.#socket = socket;
    this.remote = `tcp://${hostPort(socket.remoteAddress ?? 'unknown', socket.remotePort ?? 0)}`;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 2000;
    this.#decoder = new FrameDecoder((frame) => this.deliver(frame), options);
    this.#writer = new FrameWriter(socket, order);
    // Hot path: a call is one small frame; Nagle would hold it back waiting for an ACK.
    socket.setNoDelay(true);
    socket.on('data', this.#onData);
    socket.on('error', (err) => (this.#error ??= err));
    socket.on('close', () => this.ended(this.#error));
  }

  send(frame: Uint8Array): void {
    if (!this.isClosed) this.#writer.push(frame);
  }

  protected shutdown(error: Error | undefined): void {
    this.#writer.flush();
    if (error !== undefined) {
      this.#socket.destroy();
      return;
    }
    this.#socket.end();
    setTimeout(() => this.#socket.destroy(), this.#closeTimeoutMs).unref();
  }

  #onData = (chunk: Buffer): void => {
    try {
      this.#decoder.push(chunk);
    } catch (err) {
      void this.close(err as Error);
    }
  };
}

/** Accepts TCP connections; `close` also closes the ones it accepted. */
class TcpListener implements FrameListener {
  readonly endpoint: string;
  readonly #server: net.Server;
  readonly #connections = new Set<TcpFrameConnection>();
  #closing: Promise<void> | undefined;

  constructor(server: net.Server, endpoint: string) {
    this.#server = server;
    this.endpoint = endpoint;
  }

  /** Wraps an accepted socket and tracks it until it ends. */
  accept(socket: net.Socket, options: TcpTransportOptions): TcpFrameConnection {
    const connection = new TcpFrameConnection(socket, options, 'accepted');
    this.#connections.add(connection);
    socket.once('close', () => this.#connections.delete(connection));
    return connection;
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      for (const c of this.#connections) void c.close();
    });
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** The `tcp://host:port` transport. */
export function tcpTransport(options: TcpTransportOptions = {}): Transport {
  return {
    schemes: ['tcp'],
    connect: (url, connectOptions) => connectTcp(url, options, connectOptions),
    listen: (url, onConnection) => listenTcp(url, options, onConnection),
  };
}

/** Connects to `tcp://host:port`; fails with RpcError `unavailable` if it cannot. */
export function connectTcp(url: URL, options: TcpTransportOptions = {}, connect: ConnectOptions = {}): Promise<FrameConnection> {
  const host = hostOf(url);
  const port = portOf(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const stop = onAbort(connect.signal, () => {
      socket.destroy();
      reject(new RpcError('unavailable', `connecting to ${url.href} took too long or was aborted`));
    });
    socket.once('connect', () => {
      stop();
      socket.removeAllListeners('error');
      resolve(new TcpFrameConnection(socket, options));
    });
    socket.once('error', (err) => {
      stop();
      reject(new RpcError('unavailable', `cannot connect to ${url.href}: ${err.message}`, { cause: err }));
    });
  });
}

/** Listens on `tcp://host:port` (port 0 picks a free one). */
export function listenTcp(
  url: URL,
  options: TcpTransportOptions,
  onConnection: (connection: FrameConnection) => void,
): Promise<FrameListener> {
  const host = hostOf(url);
  const port = portOf(url);
  const server = net.createServer();
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new RpcError('unavailable', `cannot listen on ${url.href}: ${err.message}`, { cause: err })));
    // Exclusive: in a node:cluster worker, a listener of port 0 would otherwise share the primary's
    // one port with the other workers, and a peer's connection reach whichever worker accepts it.
    server.listen({ host, port, exclusive: true }, () => {
      const address = server.address() as net.AddressInfo;
      const listener = new TcpListener(server, `tcp://${hostPort(host, address.port)}`);
      server.removeAllListeners('error');
      server.on('error', () => {}); // accept errors are retried by Node; nothing to fail here
      server.on('connection', (socket) => onConnection(listener.accept(socket, options)));
      resolve(listener);
    });
  });
}
