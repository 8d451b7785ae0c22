/**
 * A small pomelo-protocol server for client tests, built on the independent `pomelo-protocol`
 * codec (not on our wire layer), `ws` and `node:net`. Each test scripts it through `FakePeer`.
 */
import { EventEmitter, once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

interface PomeloPacket {
  type: number;
  body: Buffer | null;
}

interface PomeloMessage {
  id: number;
  type: number;
  compressRoute: number;
  route: string | number | null;
  body: Buffer;
}

interface PomeloProtocol {
  strencode(s: string): Buffer;
  strdecode(b: Buffer): string;
  Package: {
    encode(type: number, body?: Buffer): Buffer;
    decode(buf: Buffer): PomeloPacket | PomeloPacket[];
  };
  Message: {
    encode(id: number, type: number, compressRoute: number, route: string | number, body: Buffer): Buffer;
    decode(buf: Buffer): PomeloMessage;
  };
}

export const Protocol = createRequire(import.meta.url)('pomelo-protocol') as PomeloProtocol;

export const PKG = { Handshake: 1, HandshakeAck: 2, Heartbeat: 3, Data: 4, Kick: 5 } as const;
export const MSG = { Request: 0, Notify: 1, Response: 2, Push: 3 } as const;

/** A message the server received, route resolved. */
export interface Received {
  id: number;
  type: number;
  route: string;
  /** Whether the route came as a 2-byte code. */
  compressed: boolean;
  body: Buffer;
}

export interface FakeServerOptions {
  transport: 'ws' | 'tcp';
  /** For 'ws': serve WebSockets on this HTTP server instead of a port of our own. */
  httpServer?: import('node:http').Server;
  /** Listen on this port (to restart a server where the client expects it). Default: any free port. */
  port?: number;
  /** Heartbeat interval in seconds sent in the handshake answer. Default 0 (none). */
  heartbeat?: number;
  dict?: Record<string, number>;
  /** Builds the handshake answer from the client's handshake; null sends none. */
  answer?: (handshake: Record<string, unknown>) => Record<string, unknown> | null;
  /** Answers client heartbeats at once. Default true. */
  answerHeartbeats?: boolean;
  /** Handles a request; default: echoes its body back as the response. */
  onRequest?: (peer: FakePeer, req: Received) => void;
}

/** The server side of one client connection. Emits 'handshake', 'ack', 'heartbeat', 'message', 'close'. */
export class FakePeer extends EventEmitter {
  handshake: Record<string, unknown> | undefined;
  acked = false;
  heartbeats = 0;
  readonly messages: Received[] = [];
  readonly #write: (bytes: Buffer) => void;
  readonly #destroy: () => void;
  readonly #server: FakeServer;

  constructor(server: FakeServer, write: (bytes: Buffer) => void, destroy: () => void) {
    super();
    this.#server = server;
    this.#write = write;
    this.#destroy = destroy;
  }

  /** Writes raw bytes (one WebSocket message, or a TCP write). */
  sendRaw(bytes: Uint8Array): void {
    this.#write(Buffer.from(bytes));
  }

  sendPacket(type: number, body?: Buffer): void {
    this.sendRaw(Protocol.Package.encode(type, body));
  }

  /** Responds to request `id`; `error` sets flag 0x20 (pitaya style). */
  respond(id: number, body: unknown, opts: { error?: boolean } = {}): void {
    const bytes = Buffer.isBuffer(body) ? body : Protocol.strencode(JSON.stringify(body));
    const msg = Protocol.Message.encode(id, MSG.Response, 0, '', bytes);
    if (opts.error) msg[0] |= 0x20;
    this.sendPacket(PKG.Data, msg);
  }

  /** Pushes on `route` (by dictionary code when `compress`). */
  push(route: string, body: unknown, opts: { compress?: boolean } = {}): void {
    const bytes = Buffer.isBuffer(body) ? body : Protocol.strencode(JSON.stringify(body));
    const code = this.#server.options.dict?.[route];
    const msg = opts.compress && code
      ? Protocol.Message.encode(0, MSG.Push, 1, code, bytes)
      : Protocol.Message.encode(0, MSG.Push, 0, route, bytes);
    this.sendPacket(PKG.Data, msg);
  }

  kick(reason: string): void {
    this.sendPacket(PKG.Kick, Protocol.strencode(JSON.stringify({ reason })));
  }

  /** Drops the connection without a goodbye. */
  destroy(): void {
    this.#destroy();
  }

  /** Waits for the next received message matching `pred`. */
  async nextMessage(pred: (m: Received) => boolean = () => true): Promise<Received> {
    for (;;) {
      const [m] = (await once(this, 'message')) as [Received];
      if (pred(m)) return m;
    }
  }

  /** Called by the server for each packet from the client. */
  onPacket(p: PomeloPacket): void {
    const body = p.body ?? Buffer.alloc(0);
    switch (p.type) {
      case PKG.Handshake: {
        this.handshake = JSON.parse(Protocol.strdecode(body)) as Record<string, unknown>;
        const o = this.#server.options;
        const answer = o.answer
          ? o.answer(this.handshake)
          : { code: 200, sys: { heartbeat: o.heartbeat ?? 0, dict: o.dict ?? {} }, user: { greeting: 'hello' } };
        if (answer) this.sendPacket(PKG.Handshake, Protocol.strencode(JSON.stringify(answer)));
        this.emit('handshake', this.handshake);
        break;
      }
      case PKG.HandshakeAck:
        this.acked = true;
        this.emit('ack');
        break;
      case PKG.Heartbeat:
        this.heartbeats++;
        if (this.#server.options.answerHeartbeats !== false) this.sendPacket(PKG.Heartbeat);
        this.emit('heartbeat');
        break;
      case PKG.Data:
        this.#onData(body);
        break;
    }
  }

  #onData(body: Buffer): void {
    const m = Protocol.Message.decode(body);
    const dict = this.#server.options.dict ?? {};
    const route = typeof m.route === 'number' ? Object.keys(dict).find((r) => dict[r] === m.route) ?? `#${m.route}` : m.route ?? '';
    const received: Received = { id: m.id, type: m.type, route, compressed: m.compressRoute === 1, body: m.body };
    this.messages.push(received);
    this.emit('message', received);
    if (m.type !== MSG.Request) return;
    const onRequest = this.#server.options.onRequest;
    if (onRequest) onRequest(this, received);
    else this.respond(m.id, received.body);
  }
}

/** Splits a TCP byte stream into pomelo packets (whole ones only). */
function tcpPackets(onPacket: (p: PomeloPacket) => void): (chunk: Buffer) => void {
  let buffered = Buffer.alloc(0);
  return (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4) {
      const length = buffered.readUIntBE(1, 3);
      if (buffered.length < 4 + length) return;
      onPacket({ type: buffered[0]!, body: length ? buffered.subarray(4, 4 + length) : null });
      buffered = buffered.subarray(4 + length);
    }
  };
}

function framePackets(frame: Buffer): PomeloPacket[] {
  const decoded = Protocol.Package.decode(frame);
  return Array.isArray(decoded) ? decoded : [decoded];
}

export class FakeServer {
  readonly options: FakeServerOptions;
  readonly peers: FakePeer[] = [];
  #untaken: FakePeer[] = [];
  #waiters: ((p: FakePeer) => void)[] = [];
  #tcp: Server | undefined;
  #wss: WebSocketServer | undefined;
  #sockets = new Set<Socket | WebSocket>();
  port = 0;

  private constructor(options: FakeServerOptions) {
    this.options = options;
  }

  static async start(options: FakeServerOptions): Promise<FakeServer> {
    const server = new FakeServer(options);
    await server.#listen();
    return server;
  }

  get url(): string {
    return `${this.options.transport}://127.0.0.1:${this.port}`;
  }

  /** The oldest peer not taken yet, or the next to connect. */
  nextPeer(): Promise<FakePeer> {
    const peer = this.#untaken.shift();
    return peer ? Promise.resolve(peer) : new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Resolves with a peer once it has acked the handshake. */
  async nextAckedPeer(): Promise<FakePeer> {
    const peer = await this.nextPeer();
    if (!peer.acked) await once(peer, 'ack');
    return peer;
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    for (const s of this.#sockets) 'terminate' in s ? s.terminate() : s.destroy();
    if (this.#wss) await new Promise<void>((r) => this.#wss!.close(() => r()));
    if (this.#tcp) await new Promise<void>((r) => this.#tcp!.close(() => r()));
  }

  #addPeer(write: (b: Buffer) => void, destroy: () => void): FakePeer {
    const peer = new FakePeer(this, write, destroy);
    this.peers.push(peer);
    const waiter = this.#waiters.shift();
    if (waiter) waiter(peer);
    else this.#untaken.push(peer);
    return peer;
  }

  async #listen(): Promise<void> {
    if (this.options.transport === 'ws') {
      const { httpServer } = this.options;
      const wss = (this.#wss = httpServer
        ? new WebSocketServer({ server: httpServer })
        : new WebSocketServer({ host: '127.0.0.1', port: this.options.port ?? 0 }));
      if (!httpServer) await once(wss, 'listening');
      this.port = ((httpServer ?? wss).address() as AddressInfo).port;
      wss.on('connection', (ws) => {
        this.#sockets.add(ws);
        const peer = this.#addPeer((b) => ws.send(b), () => ws.terminate());
        ws.on('message', (data: Buffer) => framePackets(data).forEach((p) => peer.onPacket(p)));
        ws.on('close', () => {
          this.#sockets.delete(ws);
          peer.emit('close');
        });
      });
      return;
    }
    const tcp = (this.#tcp = createServer((socket) => {
      this.#sockets.add(socket);
      const peer = this.#addPeer((b) => socket.write(b), () => socket.destroy());
      socket.on('data', tcpPackets((p) => peer.onPacket(p)));
      socket.on('error', () => {});
      socket.on('close', () => {
        this.#sockets.delete(socket);
        peer.emit('close');
      });
    }));
    tcp.listen(this.options.port ?? 0, '127.0.0.1');
    await once(tcp, 'listening');
    this.port = (tcp.address() as AddressInfo).port;
  }
}
