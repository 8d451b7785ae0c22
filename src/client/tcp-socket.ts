import { connect, type Socket } from 'node:net';
import { CLOSE_GRACE_MS, type ClientSocket, type OpenSocket, type SocketHandlers } from './client-socket.js';

/** Adapts a `node:net` socket to the client seam; the core reassembles packets from the stream. */
class TcpSocket implements ClientSocket {
  readonly framing = 'stream';
  readonly #socket: Socket;

  constructor(socket: Socket) {
    this.#socket = socket;
  }

  send(bytes: Uint8Array): void {
    if (!this.#socket.destroyed && this.#socket.writable) this.#socket.write(bytes);
  }

  close(): void {
    this.#socket.end();
    // end() waits for the server to close its side; a dead server must not hold the socket open.
    setTimeout(() => this.#socket.destroy(), CLOSE_GRACE_MS).unref();
  }
}

/** Host and port of a `tcp://host:port` URL (IPv6 hosts in brackets). */
export function parseTcpUrl(url: string): { host: string; port: number } {
  const u = new URL(url);
  const port = Number(u.port);
  if (!u.hostname || !Number.isInteger(port) || port <= 0) throw new Error(`expected tcp://host:port, got ${url}`);
  return { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

/** Opens `tcp://host:port`. Nagle is off: packets are small and latency matters more than packing. */
export const openTcpSocket: OpenSocket = (url: string, handlers: SocketHandlers) =>
  new Promise<ClientSocket>((resolve, reject) => {
    const socket = connect(parseTcpUrl(url));
    socket.setNoDelay(true);
    let opened = false;
    let lastError: Error | undefined;
    socket.once('connect', () => {
      opened = true;
      resolve(new TcpSocket(socket));
    });
    socket.on('data', (chunk: Buffer) => handlers.onData(chunk));
    socket.on('error', (err) => {
      lastError = err;
      if (!opened) reject(err);
    });
    socket.on('close', () => {
      if (opened) handlers.onClose(lastError);
    });
  });
