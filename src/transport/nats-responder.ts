import type { Msg, NatsConnection, Subscription } from 'nats';
import type { Adapter } from '../rpc/adapter.js';
import { CallDispatcher, type CallOrigin } from '../rpc/call-dispatcher.js';
import { decodeEnvelope } from '../rpc/envelope-decoder.js';
import type { Envelope } from '../rpc/envelope.js';
import { RpcError } from '../rpc/errors.js';
import type { RpcLogger } from '../rpc/logger.js';

/** The caller of one NATS request: its answer is published to the request's reply subject. */
class NatsOrigin implements CallOrigin {
  readonly caller = undefined;
  readonly #msg: Msg;
  readonly #logger: RpcLogger;

  constructor(msg: Msg, logger: RpcLogger) {
    this.#msg = msg;
    this.#logger = logger;
  }

  get remote(): string {
    return `nats:${this.#msg.reply ?? this.#msg.subject}`;
  }

  respond(frame: Uint8Array): void {
    try {
      this.#msg.respond(frame);
    } catch (err) {
      // The connection closed while the servant worked; the caller fails on its own deadline or disconnect.
      this.#logger.warn({ subject: this.#msg.reply, err }, 'NATS reply not sent');
    }
  }
}

/** Subjects a server answers on. */
export interface NatsResponderSubjects {
  /** `<prefix>.srv.<id>`: calls to this server. */
  readonly server: string;
  /** `<prefix>.type.<type>`, with queue group `<type>`: calls to any one server of the type. */
  readonly type: string;
  readonly queue: string;
}

/**
 * The serving side of the NATS transport: subscribes a server's subjects and dispatches each
 * request through the adapter, in arrival order, with the same envelopes (route, extra, session,
 * deadline) as a TCP link; two-way answers go to the request's reply subject.
 */
export class NatsResponder {
  readonly #adapter: Adapter;
  readonly #dispatcher: CallDispatcher;
  readonly #logger: RpcLogger;
  readonly #subscriptions: Subscription[];

  constructor(nc: NatsConnection, subjects: NatsResponderSubjects, adapter: Adapter, logger: RpcLogger) {
    this.#adapter = adapter;
    this.#logger = logger;
    // Many callers share these subjects, so their call ids are not unique here: no cancel by id.
    this.#dispatcher = new CallDispatcher({ logger, cancelById: false });
    const callback = (err: Error | null, msg: Msg) => this.#onMessage(err, msg);
    this.#subscriptions = [
      nc.subscribe(subjects.server, { callback }),
      nc.subscribe(subjects.type, { queue: subjects.queue, callback }),
    ];
  }

  /** Stops receiving; servants still working see their signal fire with `reason`. */
  close(reason: RpcError): void {
    for (const sub of this.#subscriptions) {
      try {
        sub.unsubscribe();
      } catch {
        // The connection is already closed, which ends the subscription too.
      }
    }
    this.#dispatcher.close(reason);
  }

  /**
   * Hot path: every request. The subscription callback runs once per message, in arrival order,
   * and dispatch starts the servant synchronously, so a subject's calls start in the order sent.
   */
  #onMessage(err: Error | null, msg: Msg): void {
    if (err !== null) return this.#logger.warn({ err }, 'NATS subscription error');
    if (msg.data.length === 0) return; // empty messages are reserved as keepalives, as on TCP
    let env: Envelope;
    try {
      env = decodeEnvelope(msg.data);
    } catch (error) {
      return this.#logger.warn({ subject: msg.subject, err: error }, 'dropping a malformed NATS request');
    }
    if (env.kind !== 'request' && env.kind !== 'oneway') {
      return this.#logger.warn({ subject: msg.subject, kind: env.kind }, 'dropping a NATS message that is not a request');
    }
    if (env.kind === 'request' && !msg.reply) {
      return this.#logger.warn({ subject: msg.subject, route: env.route }, 'dropping a two-way request without a reply subject');
    }
    this.#dispatcher.dispatch(env, this.#adapter, new NatsOrigin(msg, this.#logger));
  }
}
