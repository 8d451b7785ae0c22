import { connect, type Socket } from 'node:net';
import { hostOf } from '../transport/endpoint.js';
import { CLOSE_GRACE_MS, type ClientSocket, type OpenSocket, type SocketHandlers } from './client-socket.js';

/** Adapts a `node:net` socket (or a TLS one) to the client seam; the core reassembles packets from the stream. */
class StreamSocket implements ClientSocket {
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

/** Host and port of a `tcp://host:port` or `tls://host:port` URL (IPv6 hosts in brackets). */
export function parseTcpUrl(url: string): { host: string; port: number } {
  const u = new URL(url);
  const port = Number(u.port);
  if (!u.hostname || !Number.isInteger(port) || port <= 0) throw new Error(`expected ${u.protocol}//host:port, got ${url}`);
  return { host: hostOf(u), port };
}

/**
 * Resolves with the client socket once `socket` emits `readyEvent` (`connect`, or `secureConnect`
 * after a TLS handshake); rejects if it fails first. Nagle is off: packets are small and latency
 * matters more than packing.
 */
export function whenStreamOpen(socket: Socket, readyEvent: 'connect' | 'secureConnect', handlers: SocketHandlers): Promise<ClientSocket> {
  socket.setNoDelay(true);
  return new Promise<ClientSocket>((resolve, reject) => {
    let opened = false;
    let lastError: Error | undefined;
    socket.once(readyEvent, () => {
      opened = true;
      resolve(new StreamSocket(socket));
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
}

/** Opens `tcp://host:port`. */
export const openTcpSocket: OpenSocket = (url: string, handlers: SocketHandlers) => {
  let socket: Socket;
  try {
    socket = connect(parseTcpUrl(url));
  } catch (err) {
    return Promise.reject(err as Error);
  }
  return whenStreamOpen(socket, 'connect', handlers);
};
