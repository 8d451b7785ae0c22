/**
 * A test client built only from the npm `pomelo-protocol` codec plus `ws` / `net`: no Switchyard
 * code, so what it sees proves compatibility with an independent implementation.
 */
import { createRequire } from 'node:module';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import WebSocket from 'ws';

const require = createRequire(import.meta.url);
interface PomeloProtocol {
  strencode(s: string): Buffer;
  strdecode(b: Uint8Array): string;
  Package: { encode(type: number, body?: Uint8Array): Buffer; decode(b: Uint8Array): { type: number; body: Buffer | null } | { type: number; body: Buffer | null }[] };
  Message: {
    encode(id: number, type: number, compressRoute: number, route: string | number, msg: Uint8Array, gzip?: number): Buffer;
    decode(b: Uint8Array): { id: number; type: number; compressRoute: number; route: string | number | null; body: Buffer; compressGzip: number };
  };
}
export const Protocol = require('pomelo-protocol') as PomeloProtocol;

export interface RawPush {
  route: string;
  body: unknown;
}

type Waiter = { resolve: (v: unknown) => void };

/** A raw pomelo-protocol client for tests. */
export class RawClient {
  dict: Record<string, number> = {};
  abbrs: Record<number, string> = {};
  handshake: Record<string, unknown> | undefined;
  pushes: RawPush[] = [];
  kicks: unknown[] = [];
  heartbeats = 0;
  closed: Promise<void>;
  isClosed = false;
  #reqId = 0;
  #pending = new Map<number, Waiter>();
  #pushWaiters: { route: string; resolve: (p: RawPush) => void }[] = [];
  #handshakeWaiter: ((v: Record<string, unknown>) => void) | undefined;
  #tcpBuffer = Buffer.alloc(0);
  readonly #write: (b: Uint8Array) => void;
  readonly #close: () => void;

  private constructor(write: (b: Uint8Array) => void, close: () => void, closed: Promise<void>) {
    this.#write = write;
    this.#close = close;
    this.closed = closed.then(() => {
      this.isClosed = true;
    });
  }

  /** Opens a WebSocket connection (no handshake yet); `options` go to `ws` (e.g. `localAddress`, `origin`). */
  static ws(url: string, options: WebSocket.ClientOptions = {}): Promise<RawClient> {
    const ws = new WebSocket(url, options);
    const closed = new Promise<void>((r) => ws.on('close', () => r()));
    ws.on('error', () => {});
    const c = new RawClient((b) => ws.send(b), () => ws.terminate(), closed);
    ws.on('message', (data: Buffer) => c.#onFrame(data));
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(c));
      ws.once('error', reject);
    });
  }

  /** Opens a TCP connection (no handshake yet), from `localAddress` if given (e.g. another loopback address). */
  static tcp(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawClient> {
    return RawClient.#stream(netConnect({ port, host, localAddress }), 'connect');
  }

  /** Opens a TLS connection to a `tcp.tls` acceptor (no handshake yet); `options` carry e.g. the test CA. */
  static tls(port: number, options: ConnectionOptions = {}): Promise<RawClient> {
    return RawClient.#stream(tlsConnect({ port, host: '127.0.0.1', ...options }), 'secureConnect');
  }

  static #stream(s: Socket, ready: 'connect' | 'secureConnect'): Promise<RawClient> {
    const closed = new Promise<void>((r) => s.on('close', () => r()));
    s.on('error', () => {});
    const c = new RawClient((b) => s.write(b), () => s.destroy(), closed);
    s.on('data', (chunk: Buffer) => c.#onStream(chunk));
    return new Promise((resolve, reject) => {
      s.once(ready, () => resolve(c));
      s.once('error', reject);
    });
  }

  /** Sends bytes as they are. */
  sendRaw(bytes: Uint8Array): void {
    this.#write(bytes);
  }

  /** Sends the handshake and waits for the answer (does not ack). */
  shake(user: Record<string, unknown> = {}, sys: Record<string, unknown> = { type: 'raw-test', version: '0.0.1' }): Promise<Record<string, unknown>> {
    const p = new Promise<Record<string, unknown>>((r) => (this.#handshakeWaiter = r));
    this.#write(Protocol.Package.encode(1, Protocol.strencode(JSON.stringify({ sys, user }))));
    return p;
  }

  ack(): void {
    this.#write(Protocol.Package.encode(2));
  }

  /** Handshake + ack. */
  async open(user?: Record<string, unknown>, sys?: Record<string, unknown>): Promise<this> {
    const hs = await this.shake(user, sys);
    if (hs.code !== 200) throw new Error(`handshake refused: ${JSON.stringify(hs)}`);
    this.ack();
    return this;
  }

  request(route: string, body: unknown, compress = false): Promise<unknown> {
    const id = ++this.#reqId;
    const p = new Promise<unknown>((resolve) => this.#pending.set(id, { resolve }));
    this.#write(Protocol.Package.encode(4, this.#message(id, 0, route, body, compress)));
    return p;
  }

  /** A request whose body bytes are sent as given (not JSON-encoded), optionally flagged compressed (0x10). */
  requestBytes(route: string, bytes: Uint8Array, compressed = false): Promise<unknown> {
    const id = ++this.#reqId;
    const p = new Promise<unknown>((resolve) => this.#pending.set(id, { resolve }));
    this.#write(Protocol.Package.encode(4, Protocol.Message.encode(id, 0, 0, route, bytes, compressed ? 1 : 0)));
    return p;
  }

  notify(route: string, body: unknown): void {
    this.#write(Protocol.Package.encode(4, this.#message(0, 1, route, body, false)));
  }

  heartbeat(): void {
    this.#write(Protocol.Package.encode(3));
  }

  /** Resolves with the next push on `route` (or one already received and not yet taken). */
  nextPush(route: string): Promise<RawPush> {
    const i = this.pushes.findIndex((p) => p.route === route);
    if (i >= 0) return Promise.resolve(this.pushes.splice(i, 1)[0]!);
    return new Promise((resolve) => this.#pushWaiters.push({ route, resolve }));
  }

  close(): void {
    this.#close();
  }

  #message(id: number, type: number, route: string, body: unknown, compress: boolean): Buffer {
    const bytes = Protocol.strencode(JSON.stringify(body));
    const code = this.dict[route];
    if (compress && code !== undefined) return Protocol.Message.encode(id, type, 1, code, bytes);
    return Protocol.Message.encode(id, type, 0, route, bytes);
  }

  #onStream(chunk: Buffer): void {
    this.#tcpBuffer = Buffer.concat([this.#tcpBuffer, chunk]);
    while (this.#tcpBuffer.length >= 4) {
      const len = (this.#tcpBuffer[1]! << 16) | (this.#tcpBuffer[2]! << 8) | this.#tcpBuffer[3]!;
      if (this.#tcpBuffer.length < 4 + len) return;
      this.#onFrame(this.#tcpBuffer.subarray(0, 4 + len));
      this.#tcpBuffer = this.#tcpBuffer.subarray(4 + len);
    }
  }

  #onFrame(data: Buffer): void {
    const decoded = Protocol.Package.decode(data);
    for (const pkg of Array.isArray(decoded) ? decoded : [decoded]) this.#onPackage(pkg.type, pkg.body);
  }

  #onPackage(type: number, body: Buffer | null): void {
    if (type === 1) {
      const hs = JSON.parse(Protocol.strdecode(body!)) as Record<string, unknown>;
      this.handshake = hs;
      const sys = hs.sys as { dict?: Record<string, number> } | undefined;
      this.dict = sys?.dict ?? {};
      for (const [r, c] of Object.entries(this.dict)) this.abbrs[c] = r;
      this.#handshakeWaiter?.(hs);
    } else if (type === 3) {
      this.heartbeats++;
    } else if (type === 5) {
      this.kicks.push(JSON.parse(Protocol.strdecode(body!)));
    } else if (type === 4) {
      const m = Protocol.Message.decode(body!);
      const value = m.body.length ? JSON.parse(Protocol.strdecode(m.body)) : undefined;
      if (m.type === 2) {
        const w = this.#pending.get(m.id);
        this.#pending.delete(m.id);
        w?.resolve(value);
      } else if (m.type === 3) {
        const route = typeof m.route === 'number' ? this.abbrs[m.route]! : m.route!;
        const push = { route, body: value };
        const wi = this.#pushWaiters.findIndex((w) => w.route === route);
        if (wi >= 0) this.#pushWaiters.splice(wi, 1)[0]!.resolve(push);
        else this.pushes.push(push);
      }
    }
  }
}
