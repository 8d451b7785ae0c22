import type { Invoker, OperationEntry } from '../rpc/call.js';
import { RpcError } from '../rpc/errors.js';
import { encodeJsonBody } from '../wire/json-body.js';
import { encodeMessagePacket, MessageType, type Message } from '../wire/message.js';
import { RECONNECT_KICK_REASON } from '../wire/kick-reasons.js';
import { encodePacket, PacketType } from '../wire/packet.js';
import { attachCallSite, CallSite } from '../rpc/call-site.js';
import { backoffDelay } from './backoff.js';
import { decodeJson, encodeJson, responseBody } from './client-bodies.js';
import type { ClientConnection, ConnectionSink } from './client-connection.js';
import { ClientPushes } from './client-pushes.js';
import { resolveOptions, type ConnectOptions, type ResolvedOptions } from './client-options.js';
import { ResumeTracker, type ResumeOutcome } from './client-resume.js';
import { ClientTargets } from './client-targets.js';
import type { OpenSocket } from './client-socket.js';
import { PendingRequests } from './pending-requests.js';
import { operationsOf } from './served-operations.js';
import { TypedEmitter } from './typed-emitter.js';
import { EVENT_NAMES, type ClientEvents, type PushListener, type RequestOptions } from './client-events.js';

export type { ClientEvents, PushListener, RequestOptions } from './client-events.js';

/** Sent on `close()` by a client with a resumable session, so the server ends it instead of waiting. */
const GOODBYE_PACKET = encodePacket(PacketType.Kick, encodeJsonBody({ reason: 'client closed' }));

const enum State {
  Open,
  Reconnecting,
  Closed,
}

/**
 * A connection to a Switchyard (or any pomelo-protocol) server: requests, notifies, pushes, kick,
 * heartbeats and optional reconnects, over any {@link OpenSocket} transport. Create with `connect()`.
 */
export class Client implements AsyncDisposable {
  #state = State.Open;
  #conn: ClientConnection | undefined;
  #kicked = false;
  /** The server handed the session over and asked us to reconnect elsewhere: start at the next URL. */
  #moveOn = false;
  #closing: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #invoker: Invoker | undefined;
  readonly #pending = new PendingRequests();
  readonly #lifetime = new AbortController();
  readonly #events = new TypedEmitter<ClientEvents>((err, event) => this.#listenerFailed(err, event));
  readonly #pushes = new ClientPushes({
    signal: this.#lifetime.signal,
    invoker: () => this.invoker(),
    error: (err) => this.#events.emit('error', err),
    listenerFailed: (err, route) => this.#listenerFailed(err, route),
  });
  readonly #options: ResolvedOptions;
  readonly #targets: ClientTargets;
  readonly #resume = new ResumeTracker();
  /** How the last handshake went for the session. */
  #outcome: ResumeOutcome = 'fresh';
  readonly #sink: ConnectionSink = {
    onHandshake: (hs) => (this.#outcome = this.#resume.accept(hs.resume)),
    onMessage: (msg) => this.#onMessage(msg),
    onKick: (reason) => this.#onKick(reason),
    onLost: (error, fault) => this.#onLost(error, fault),
  };

  private constructor(targets: ClientTargets, options: ResolvedOptions) {
    this.#targets = targets;
    this.#options = options;
  }

  /**
   * Connects and handshakes, trying the URLs in order until one answers; rejects with the last
   * failure, an RpcError (`unavailable`, `unauthenticated`, ...). `openerFor` picks each URL's transport.
   */
  static async connect(urls: string | readonly string[], openerFor: (url: string) => OpenSocket, options: ConnectOptions = {}): Promise<Client> {
    const client = new Client(new ClientTargets(urls, openerFor, options.socket), resolveOptions(options));
    for (let i = 0; ; i++) {
      try {
        client.#conn = await client.#open(i);
        return client;
      } catch (err) {
        const e = RpcError.from(err);
        if (i === client.#targets.size - 1 || e.code === 'unauthenticated' || e.code === 'cancelled') throw e;
      }
    }
  }

  /** The URLs given to `connect()`, tried in turn. */
  get urls(): readonly string[] {
    return this.#targets.urls;
  }

  /** The URL of the server connected to now (or last). */
  get url(): string {
    return this.#targets.urls[this.#targets.current]!;
  }

  /** The server's id of this client's session, when the server offers resume (it stays the same across a resume). */
  get sessionId(): string | undefined {
    return this.#resume.sessionId;
  }

  /** The `user` part of the server's handshake answer (refreshed on each reconnect). */
  get handshakeUser(): Record<string, unknown> {
    return this.#conn?.handshake.user ?? {};
  }

  /** Whether requests can be sent now (false while reconnecting and once closed). */
  get connected(): boolean {
    return this.#state === State.Open;
  }

  /** Sends a request with a JSON body; resolves with the JSON-decoded response. */
  async request<T = unknown>(route: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    const response = await this.#call(route, encodeJson(body, route), options);
    return decodeJson(response, `response to ${route}`) as T;
  }

  /** Sends a notify (no response). Throws RpcError `unavailable` when not connected. */
  notify(route: string, body?: unknown): void {
    this.#send(route, MessageType.Notify, encodeJson(body, route));
  }

  /** Listens to a client event, or to the pushes of a route (any name that is not an event). */
  on<K extends keyof ClientEvents>(event: K, listener: ClientEvents[K]): this;
  on<T = unknown>(route: string, listener: PushListener<T>): this;
  on(name: string, listener: (...args: never[]) => void): this {
    if (EVENT_NAMES.has(name)) this.#events.on(name as keyof ClientEvents, listener as ClientEvents[keyof ClientEvents]);
    else this.#pushes.on(name, listener as PushListener);
    return this;
  }

  /** Removes a listener added with `on`. */
  off<K extends keyof ClientEvents>(event: K, listener: ClientEvents[K]): this;
  off<T = unknown>(route: string, listener: PushListener<T>): this;
  off(name: string, listener: (...args: never[]) => void): this {
    if (EVENT_NAMES.has(name)) this.#events.off(name as keyof ClientEvents, listener as ClientEvents[keyof ClientEvents]);
    else this.#pushes.off(name, listener as PushListener);
    return this;
  }

  /** An RPC invoker over this connection: generated proxies call backends through it with binary bodies. */
  invoker(): Invoker {
    return (this.#invoker ??= {
      call: (op, args, opts) => this.#call(op.route, args, opts ?? {}),
      send: (op, args) => {
        try {
          this.#send(op.route, MessageType.Notify, args);
        } catch (err) {
          this.#events.emit('error', RpcError.from(err));
        }
      },
    });
  }

  /**
   * Serves a servant's operations (its class's static `operations`, or those given): a backend calls
   * them by pushing to their routes. Pushes carry no reply, so results are dropped. Returns a stop function.
   */
  serve<S extends object>(servant: S, operations: readonly OperationEntry<S>[] = operationsOf(servant)): () => void {
    return this.#pushes.serve(servant, operations);
  }

  /** Closes the connection and stops reconnecting; waiting requests fail with `cancelled`. */
  close(): Promise<void> {
    return (this.#closing ??= this.#close());
  }

  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    const wasClosed = this.#state === State.Closed;
    const cancelled = new RpcError('cancelled', 'client closed');
    this.#state = State.Closed;
    this.#lifetime.abort(cancelled);
    this.#wake?.();
    this.#pending.rejectAll(cancelled);
    if (!wasClosed) this.#events.emit('close', undefined);
    if (this.#resume.active) this.#conn?.send(GOODBYE_PACKET); // else the server would keep the session for a return
    await this.#conn?.close(cancelled);
  }

  /**
   * Opens the target at `index` (modulo the list). With `reconnect` on, the handshake asks for a
   * resumable session, or to resume the one we have.
   */
  #open(index: number): Promise<ClientConnection> {
    const { user, handshakeTimeoutMs, maxPacketSize, reconnect } = this.#options;
    const resume = reconnect ? this.#resume.ask() : undefined;
    const options = { user, resume, handshakeTimeoutMs, maxPacketSize, signal: this.#lifetime.signal };
    return this.#targets.open(index, options, this.#sink);
  }

  #call(route: string, body: Uint8Array, options: RequestOptions): Promise<Uint8Array> {
    const conn = this.#conn;
    if (this.#state !== State.Open || !conn) return Promise.reject(this.#notConnected());
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new RpcError('cancelled', 'request aborted before it was sent', { cause: signal.reason }));
    const id = this.#pending.nextId();
    const code = conn.handshake.dict.codeOf(route);
    let packet: Uint8Array;
    try {
      packet = encodeMessagePacket({ type: MessageType.Request, id, route, routeCode: code, body });
    } catch (err) {
      return Promise.reject(new RpcError('bad_payload', `cannot send ${route}: ${(err as Error).message}`, { cause: err }));
    }
    // Remembered so a failure that surfaces later points at the caller's code, not the receive loop.
    const site = this.#options.captureCallSites ? new CallSite() : undefined;
    const reply = this.#pending.wait(id, options.timeoutMs ?? this.#options.timeoutMs, signal);
    conn.send(packet);
    return reply.then(responseBody).catch((err: RpcError) => {
      throw attachCallSite(err, site);
    });
  }

  #send(route: string, type: MessageType, body: Uint8Array): void {
    const conn = this.#conn;
    if (this.#state !== State.Open || !conn) throw this.#notConnected();
    const code = conn.handshake.dict.codeOf(route);
    try {
      conn.send(encodeMessagePacket({ type, route, routeCode: code, body }));
    } catch (err) {
      throw new RpcError('bad_payload', `cannot send ${route}: ${(err as Error).message}`, { cause: err });
    }
  }

  #notConnected(): RpcError {
    return new RpcError('unavailable', this.#state === State.Closed ? 'client is closed' : 'not connected (reconnecting)');
  }

  #onMessage(msg: Message): void {
    if (msg.type === MessageType.Response) {
      this.#pending.resolve(msg.id, msg); // false: a late answer to a request that already ended
      return;
    }
    this.#resume.seq++; // every push counts, listened to or not: the server numbers them all
    this.#pushes.deliver(msg);
  }

  /**
   * A kick ends the client, except the reconnect kick of a gateway that stopped and handed our
   * resumable session over: with reconnect on, that is a lost connection to resume elsewhere.
   */
  #onKick(reason: string): void {
    if (reason === RECONNECT_KICK_REASON && this.#options.reconnect && this.#resume.active) {
      this.#moveOn = true;
      return;
    }
    this.#kicked = true;
    this.#events.emit('kick', reason);
  }

  #onLost(error: RpcError, fault: boolean): void {
    if (this.#state === State.Closed) return;
    this.#pending.rejectAll(error.code === 'unavailable' ? error : new RpcError('unavailable', error.message, { cause: error }));
    if (fault) this.#events.emit('error', error);
    if (this.#kicked || !this.#options.reconnect) {
      this.#finish(error);
      return;
    }
    this.#state = State.Reconnecting;
    this.#events.emit('disconnect', error);
    void this.#reconnect(error);
  }

  /**
   * Retries with backoff until connected, closed, refused, or out of attempts. The first attempt
   * goes to the server connected to last (where the session waits), each next one to the next URL;
   * after a reconnect kick (that server is stopping) the first goes to the next URL already.
   */
  async #reconnect(lastError: RpcError): Promise<void> {
    const policy = this.#options.reconnect!;
    const first = this.#targets.current + (this.#moveOn ? 1 : 0);
    this.#moveOn = false;
    for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
      await this.#sleep(backoffDelay(attempt, policy));
      if (this.#state !== State.Reconnecting) return;
      try {
        this.#conn = await this.#open(first + attempt - 1);
        this.#state = State.Open;
        this.#events.emit('reconnect', attempt);
        this.#reportResume();
        return;
      } catch (err) {
        if (this.#state !== State.Reconnecting) return;
        lastError = RpcError.from(err);
        if (lastError.code === 'unauthenticated') break; // refused: trying again will not change that
      }
    }
    if (this.#state === State.Reconnecting) this.#finish(lastError);
  }

  /** Tells listeners how the session fared over the reconnect (nothing when resume was never offered). */
  #reportResume(): void {
    const outcome = this.#outcome;
    if (outcome === 'resumed') this.#events.emit('resume', this.#resume.sessionId!);
    else if (outcome !== 'fresh') this.#events.emit('resync', outcome);
  }

  /** Waits `ms`, or less when the client is closed meanwhile. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  #finish(error: RpcError): void {
    this.#state = State.Closed;
    this.#lifetime.abort(error);
    this.#events.emit('close', error);
  }

  /** A listener threw: report it as an 'error' event, or rethrow it where nobody listens for errors. */
  #listenerFailed(err: unknown, name: string): void {
    if (name !== 'error' && this.#events.has('error')) {
      const detail = err instanceof Error ? err.message : String(err);
      this.#events.emit('error', new RpcError('internal', `a "${String(name)}" listener threw: ${detail}`, { cause: err }));
    } else {
      queueMicrotask(() => {
        throw err;
      });
    }
  }
}
