import { ErrorCode, Events, NatsError, connect, createInbox, type Msg, type NatsConnection, type Subscription } from 'nats';
import type { Adapter } from '../rpc/adapter.js';
import type { Invoker } from '../rpc/call.js';
import { RpcError } from '../rpc/errors.js';
import { consoleLogger, type RpcLogger } from '../rpc/logger.js';
import { DEFAULT_TIMEOUT_MS } from '../rpc/rpc-connection.js';
import { backoffDelay, backoffPolicy, type BackoffOptions, type BackoffPolicy } from './backoff.js';
import { NatsLink, type NatsLinkHost, type NatsState } from './nats-link.js';
import { NatsOutbox, type OutboxHost } from './nats-outbox.js';
import { NatsResponder } from './nats-responder.js';
import { NatsSubjects } from './nats-subjects.js';
import type { PeerAddress, ServerTransport } from './server-transport.js';

/** Options of a {@link NatsTransport}. */
export interface NatsTransportOptions {
  /** NATS server URL(s), `nats://127.0.0.1:4222`. Required unless `connection` is given. */
  servers?: string | string[];
  /** An open connection to use instead of opening one; the transport never closes it. */
  connection?: NatsConnection;
  /** First token(s) of every subject, so several clusters can share one NATS. Default `yard`. */
  subjectPrefix?: string;
  /** Deadline of two-way calls that set no `timeoutMs`, in milliseconds. Default 10000. */
  defaultTimeoutMs?: number;
  /** Wait between the client's reconnect attempts after NATS went away, in milliseconds. Default 250. */
  reconnectTimeWaitMs?: number;
  /** How long one connect handshake may take, in milliseconds. Default 5000. */
  connectTimeoutMs?: number;
  /** Delays between attempts when the very first connect fails. Default 100 ms doubling to 5000 ms. */
  backoff?: BackoffOptions;
  /** Client name shown by the NATS server's monitoring. Default `switchyard`. */
  name?: string;
  /** Where connection changes and dropped messages are reported. Default: the console. */
  logger?: RpcLogger;
}

/** How long `close` waits for NATS to confirm the unsubscribes, in milliseconds. */
const CLOSE_FLUSH_MS = 1000;

/**
 * Server-to-server calls over NATS (DESIGN §5). A server listens on `<prefix>.srv.<id>` (calls to
 * it) and `<prefix>.type.<type>` in queue group `<type>` (calls to any one server of the type);
 * the calls of one turn to one subject travel as one message carrying the same framed envelopes as
 * a TCP link (see {@link NatsOutbox}), answered on its reply subject. One connection per
 * transport: calls through one invoker keep their order. While NATS is unreachable calls fail
 * `unavailable` at once; the client reconnects by itself, forever.
 */
export class NatsTransport implements ServerTransport, NatsLinkHost, OutboxHost {
  readonly #options: NatsTransportOptions;
  readonly #subjects: NatsSubjects;
  readonly #logger: RpcLogger;
  readonly #defaultTimeoutMs: number;
  readonly #backoff: BackoffPolicy;
  readonly #owned: boolean;
  readonly #links = new Map<string, NatsLink>();
  readonly #typeLinks = new Map<string, NatsLink>();
  readonly #byNumber = new Map<number, NatsLink>();
  readonly #outbox: NatsOutbox;
  /** The NATS server's own default until its INFO says otherwise. */
  #maxPayload = 1024 * 1024;
  #state: NatsState = 'idle';
  #nc: NatsConnection | undefined;
  #opening: Promise<NatsConnection> | undefined;
  #failures = 0;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #inbox = '';
  #inboxSub: Subscription | undefined;
  #linkNumber = 0;
  #self: { address: PeerAddress; adapter: Adapter } | undefined;
  #responder: NatsResponder | undefined;

  constructor(options: NatsTransportOptions) {
    this.#options = options;
    this.#subjects = new NatsSubjects(options.subjectPrefix ?? 'yard');
    this.#logger = options.logger ?? consoleLogger;
    this.#defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#backoff = backoffPolicy(options.backoff);
    this.#owned = options.connection === undefined;
    this.#outbox = new NatsOutbox(this, this.#logger);
    if (options.connection !== undefined) this.#attach(options.connection);
    else if (options.servers === undefined) throw new TypeError('NatsTransport needs servers or a connection');
  }

  /** Where the NATS connection is now. */
  get state(): NatsState {
    return this.#state;
  }

  /**
   * Subscribes `<prefix>.srv.<self.id>` and `<prefix>.type.<self.type>` (queue group `<self.type>`)
   * and serves `adapter` on both. Resolves with 0: NATS has no port.
   */
  async listen(self: PeerAddress, adapter: Adapter): Promise<number> {
    this.#subjects.server(self.id);
    this.#subjects.type(self.type); // both throw TypeError for ids and types that cannot be subject tokens
    if (this.#self !== undefined) throw new TypeError('NatsTransport is already listening');
    this.#self = { address: self, adapter };
    try {
      const nc = this.#nc ?? (await this.#ready());
      this.#checkOpen();
      this.#serve(nc);
      await nc.flush(); // the server has our subscriptions before anyone is told we listen
    } catch (err) {
      if (this.#responder === undefined) this.#self = undefined; // listen may be tried again
      throw err instanceof RpcError ? err : new RpcError('unavailable', `NATS: ${(err as Error).message}`, { cause: err });
    }
    return 0;
  }

  /** Calls to server `target`; one connection carries every key, so `key` only documents intent. */
  invoker(target: PeerAddress, _key = 0): Invoker {
    return this.#links.get(target.id) ?? this.#newLink(this.#links, target.id, this.#subjects.server(target.id));
  }

  /** Calls to any one server of `type` (stateless services): NATS picks one member of the queue group. */
  typeInvoker(type: string): Invoker {
    return this.#typeLinks.get(type) ?? this.#newLink(this.#typeLinks, type, this.#subjects.type(type));
  }

  /** Calls waiting on `targetId` fail `unavailable`; later invokers start afresh. */
  forget(targetId: string): void {
    const link = this.#links.get(targetId);
    if (link === undefined) return;
    this.#links.delete(targetId);
    this.#dropLink(link, new RpcError('unavailable', `server ${targetId} left the cluster`));
  }

  /** Unsubscribes, fails calls still waiting with `cancelled`, and closes the connection if it opened it. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    const wasUp = this.#state === 'up';
    this.#state = 'closed';
    clearTimeout(this.#retry);
    const reason = new RpcError('cancelled', 'NATS transport closed locally');
    this.#responder?.close(reason);
    if (wasUp) this.#outbox.flush(); // one-way calls and answers of this turn still go
    for (const link of this.#byNumber.values()) link.close(reason);
    this.#byNumber.clear();
    const nc = this.#nc;
    if (nc === undefined) return;
    try {
      this.#inboxSub?.unsubscribe();
    } catch {
      // already closed by its owner
    }
    // Once the server has answered a PING sent after our UNSUBs, calls from anyone to this server
    // get "no responders" instead of vanishing; bounded, since NATS may be down right now.
    if (wasUp) await flushWithin(nc, CLOSE_FLUSH_MS);
    if (this.#owned) await nc.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Where links and the responder gather what they send during a turn. */
  get outbox(): NatsOutbox {
    return this.#outbox;
  }

  /** Largest message the NATS server accepts, in bytes (read from its INFO on each connect). */
  get maxPayload(): number {
    return this.#maxPayload;
  }

  /** Opens the connection if nobody has yet (links call this on first use). */
  start(): void {
    if (this.#state === 'idle') this.#ready().catch(() => {});
  }

  /** Hot path: publishes one message; failures become RpcErrors the caller can branch on. */
  publish(subject: string, message: Uint8Array, reply: string | undefined): void {
    if (this.#nc === undefined) throw new RpcError('unavailable', `NATS is not connected; cannot publish to ${subject}`);
    try {
      this.#nc.publish(subject, message, reply === undefined ? undefined : { reply });
    } catch (err) {
      const tooLarge = err instanceof NatsError && err.code === ErrorCode.MaxPayloadExceeded;
      const message = `NATS publish to ${subject}: ${(err as Error).message}`;
      throw new RpcError(tooLarge ? 'bad_payload' : 'unavailable', message, { cause: err });
    }
  }

  #newLink(links: Map<string, NatsLink>, name: string, subject: string): NatsLink {
    if (this.#state === 'closed') throw new RpcError('unavailable', 'NatsTransport is closed');
    const number = ++this.#linkNumber;
    const link = new NatsLink(this, {
      subject,
      replyPrefix: `${this.#inbox}.${number}.`,
      defaultTimeoutMs: this.#defaultTimeoutMs,
      logger: this.#logger,
    });
    links.set(name, link);
    this.#byNumber.set(number, link);
    return link;
  }

  #dropLink(link: NatsLink, reason: RpcError): void {
    for (const [number, l] of this.#byNumber) if (l === link) this.#byNumber.delete(number);
    link.close(reason);
  }

  /** The open connection, opening it if needed; fails with `unavailable` when NATS cannot be reached. */
  #ready(): Promise<NatsConnection> {
    if (this.#nc !== undefined) return Promise.resolve(this.#nc);
    if (this.#opening !== undefined) return this.#opening;
    this.#checkOpen();
    if (this.#state === 'idle') this.#state = 'connecting';
    const opening = connect({
      servers: this.#options.servers,
      name: this.#options.name ?? 'switchyard',
      timeout: this.#options.connectTimeoutMs ?? 5000,
      maxReconnectAttempts: -1, // never give up: NATS coming back must heal the cluster by itself
      reconnectTimeWait: this.#options.reconnectTimeWaitMs ?? 250,
      reconnectJitter: 100,
      waitOnFirstConnect: false, // a first connect that fails is retried here, with calls failing fast meanwhile
    }).then(
      (nc) => {
        this.#opening = undefined;
        if (this.#state === 'closed') {
          return nc.close().then(() => Promise.reject(new RpcError('unavailable', 'NatsTransport is closed')));
        }
        this.#attach(nc);
        return nc;
      },
      (err: unknown) => {
        this.#opening = undefined;
        throw this.#firstConnectFailed(err);
      },
    );
    this.#opening = opening;
    return opening;
  }

  #firstConnectFailed(err: unknown): RpcError {
    const message = `cannot connect to NATS ${String(this.#options.servers)}: ${(err as Error).message}`;
    const error = new RpcError('unavailable', message, { cause: err });
    if (this.#state === 'closed') return error;
    if (++this.#failures === 1) this.#logger.warn({ servers: this.#options.servers, err }, 'NATS unreachable; retrying');
    this.#setDown(error);
    this.#retry = setTimeout(() => this.#ready().catch(() => {}), backoffDelay(this.#failures, this.#backoff));
    this.#retry.unref();
    return error;
  }

  #attach(nc: NatsConnection): void {
    this.#nc = nc;
    this.#failures = 0;
    this.#inbox = createInbox();
    for (const [number, link] of this.#byNumber) link.rebase(`${this.#inbox}.${number}.`);
    const offset = this.#inbox.length + 1;
    this.#inboxSub = nc.subscribe(`${this.#inbox}.*.*.*`, { callback: (err, msg) => this.#onReply(err, msg, offset) });
    if (this.#self !== undefined) this.#serve(nc);
    void this.#watch(nc);
    this.#setUp();
  }

  #serve(nc: NatsConnection): void {
    if (this.#responder !== undefined || this.#self === undefined) return;
    const { address, adapter } = this.#self;
    const subjects = {
      server: this.#subjects.server(address.id),
      type: this.#subjects.type(address.type),
      queue: address.type,
    };
    this.#responder = new NatsResponder(nc, this.#outbox, subjects, adapter, this.#logger);
  }

  /** Hot path: replies (or a no-responders status) for the message `<inbox>.<link>.<first call id>.<calls>`. */
  #onReply(err: Error | null, msg: Msg, offset: number): void {
    if (err !== null) return this.#logger.warn({ err }, 'NATS reply subscription error');
    const subject = msg.subject;
    const dot = subject.indexOf('.', offset);
    const link = this.#byNumber.get(Number(subject.slice(offset, dot)));
    link?.onReply(subject.slice(dot + 1), msg);
  }

  /** Follows the client's connection changes until the connection closes. */
  async #watch(nc: NatsConnection): Promise<void> {
    void nc.closed().then((err) => this.#connectionClosed(nc, err));
    for await (const status of nc.status()) {
      if (status.type === Events.Disconnect) {
        this.#logger.warn({ server: status.data }, 'NATS disconnected; calls fail unavailable until it is back');
        this.#setDown(new RpcError('unavailable', `NATS connection lost (${String(status.data)})`));
      } else if (status.type === Events.Reconnect) {
        this.#logger.warn({ server: status.data }, 'NATS reconnected');
        this.#setUp();
      } else if (status.type === Events.Error) {
        this.#logger.warn({ error: status.data }, 'NATS reported an error');
      }
    }
  }

  #connectionClosed(nc: NatsConnection, err: void | Error): void {
    if (this.#nc !== nc || this.#state === 'closed') return;
    this.#logger.warn({ err }, 'NATS connection closed');
    this.#nc = undefined;
    this.#responder = undefined;
    this.#setDown(new RpcError('unavailable', 'NATS connection closed', { cause: err }));
    if (this.#owned) this.#ready().catch(() => {});
  }

  #setUp(): void {
    if (this.#state === 'closed') return;
    this.#state = 'up';
    this.#maxPayload = this.#nc?.info?.max_payload ?? this.#maxPayload; // a reconnect may reach another server
    for (const link of this.#byNumber.values()) link.connected();
  }

  #setDown(reason: RpcError): void {
    if (this.#state === 'closed') return;
    this.#state = 'down';
    this.#outbox.clear(reason);
    for (const link of this.#byNumber.values()) link.disconnected(reason);
  }

  #checkOpen(): void {
    if (this.#state === 'closed') throw new RpcError('unavailable', 'NatsTransport is closed');
  }
}

/** Waits for the server to have seen what was sent, for at most `ms` milliseconds. */
async function flushWithin(nc: NatsConnection, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([nc.flush().catch(() => {}), late]);
  clearTimeout(timer);
}
