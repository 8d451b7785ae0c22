import { RpcError } from '../rpc/errors.js';
import type { FrameConnection, FrameListener, Transport } from '../rpc/frame.js';
import { FrameConnectionBase } from './frame-connection-base.js';

/**
 * One end of an in-process pair. Frames are handed over asynchronously (a microtask), never during
 * `send`, so code that works in-process behaves the same over a socket: a reply never arrives
 * before the call has returned its promise. Frames are passed by reference, not copied.
 */
export class InProcessFrameConnection extends FrameConnectionBase {
  readonly remote: string;
  #peer: InProcessFrameConnection | undefined;
  #inbox: Uint8Array[] = [];
  #peerEnded = false;
  #scheduled = false;

  constructor(remote: string) {
    super();
    this.remote = remote;
  }

  /** Two connected ends; what one sends the other receives. */
  static pair(name = 'pair'): [InProcessFrameConnection, InProcessFrameConnection] {
    const a = new InProcessFrameConnection(`inproc://${name}`);
    const b = new InProcessFrameConnection(`inproc://${name}`);
    a.#peer = b;
    b.#peer = a;
    return [a, b];
  }

  send(frame: Uint8Array): void {
    if (!this.isClosed) this.#peer!.#receive(frame);
  }

  protected shutdown(error: Error | undefined): void {
    this.#peer!.#peerClosed();
    queueMicrotask(() => this.ended(error));
  }

  #receive(frame: Uint8Array): void {
    if (this.#peerEnded) return;
    this.#inbox.push(frame);
    this.#schedule();
  }

  #peerClosed(): void {
    this.#peerEnded = true;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(this.#drain);
  }

  #drain = (): void => {
    this.#scheduled = false;
    const inbox = this.#inbox;
    this.#inbox = [];
    for (let i = 0; i < inbox.length; i++) this.deliver(inbox[i]!);
    if (this.#peerEnded) this.ended(undefined);
  };
}

type Acceptor = (connection: InProcessFrameConnection) => void;

/**
 * The registry of in-process listeners by name. Each in-process transport has its own hub unless
 * given one, so there is no process-wide state: two communicators meet only through a shared hub.
 */
export class InProcessHub {
  readonly #acceptors = new Map<string, Acceptor>();

  /** Registers `name`; a name already taken throws RpcError `unavailable`. */
  listen(name: string, onConnection: (connection: FrameConnection) => void): FrameListener {
    if (this.#acceptors.has(name)) throw new RpcError('unavailable', `inproc://${name} is already listening`);
    const accepted = new Set<InProcessFrameConnection>();
    const acceptor: Acceptor = (connection) => {
      accepted.add(connection);
      void connection.done.then(() => accepted.delete(connection));
      onConnection(connection);
    };
    this.#acceptors.set(name, acceptor);
    let closing: Promise<void> | undefined;
    const close = (): Promise<void> =>
      (closing ??= (async () => {
        if (this.#acceptors.get(name) === acceptor) this.#acceptors.delete(name);
        await Promise.all([...accepted].map((c) => c.close()));
      })());
    return { endpoint: `inproc://${name}`, close, [Symbol.asyncDispose]: close };
  }

  /** Connects to the listener `name`; none there fails with RpcError `unavailable`. */
  connect(name: string): FrameConnection {
    const acceptor = this.#acceptors.get(name);
    if (acceptor === undefined) throw new RpcError('unavailable', `nothing listens on inproc://${name}`);
    const [client, server] = InProcessFrameConnection.pair(name);
    acceptor(server);
    return client;
  }
}

/** Options of the in-process transport. */
export interface InProcessTransportOptions {
  /** Hub to register listeners in; share one between communicators that should meet. Default: a new one. */
  hub?: InProcessHub;
}

/** The `inproc://name` transport. */
export function inProcessTransport(options: InProcessTransportOptions = {}): Transport {
  const hub = options.hub ?? new InProcessHub();
  return {
    schemes: ['inproc'],
    connect: async (url) => hub.connect(url.hostname),
    listen: async (url, onConnection) => hub.listen(url.hostname, onConnection),
  };
}
