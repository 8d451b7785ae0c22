import type { Msg, NatsConnection, Subscription } from 'nats';
import type { Adapter } from '../rpc/adapter.js';
import { CallDispatcher, type CallOrigin } from '../rpc/call-dispatcher.js';
import { decodeEnvelope } from '../rpc/envelope-decoder.js';
import { encodeEnvelope, encodeErrorBody } from '../rpc/envelope-encoder.js';
import { answerEnvelope, type Envelope } from '../rpc/envelope.js';
import { RpcError } from '../rpc/errors.js';
import type { RpcLogger } from '../rpc/logger.js';
import { frameFits, splitFrames } from './frame-batch.js';
import type { NatsOutbox } from './nats-outbox.js';

/** The callers of one NATS message's requests: their answers go to its reply subject, through the outbox. */
class NatsOrigin implements CallOrigin {
  readonly caller = undefined;
  readonly #reply: string;
  readonly #outbox: NatsOutbox;

  constructor(reply: string, outbox: NatsOutbox) {
    this.#reply = reply;
    this.#outbox = outbox;
  }

  get remote(): string {
    return `nats:${this.#reply}`;
  }

  respond(frame: Uint8Array): void {
    const max = this.#outbox.maxPayload;
    this.#outbox.answer(this.#reply, frameFits(frame, max) ? frame : tooLargeAnswer(frame, max));
  }
}

/** An error reply in place of a reply that no NATS message could carry, so its caller fails at once. */
function tooLargeAnswer(frame: Uint8Array, max: number): Uint8Array {
  const { id } = decodeEnvelope(frame);
  const message = `a ${frame.length}-byte reply is over the NATS server's max payload (${max} bytes)`;
  return encodeEnvelope(answerEnvelope('error', id, encodeErrorBody('bad_payload', message)));
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
 * request of each message through the adapter, in arrival order, with the same envelopes (route,
 * extra, session, deadline) as a TCP link; two-way answers go to the message's reply subject.
 */
export class NatsResponder {
  readonly #adapter: Adapter;
  readonly #dispatcher: CallDispatcher;
  readonly #logger: RpcLogger;
  readonly #subscriptions: Subscription[];
  readonly #outbox: NatsOutbox;

  constructor(nc: NatsConnection, outbox: NatsOutbox, subjects: NatsResponderSubjects, adapter: Adapter, logger: RpcLogger) {
    this.#adapter = adapter;
    this.#logger = logger;
    // Many callers share these subjects, so their call ids are not unique here: no cancel by id.
    this.#dispatcher = new CallDispatcher({ logger, cancelById: false });
    this.#outbox = outbox;
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
   * Hot path: every message. The subscription callback runs once per message, in arrival order,
   * and dispatch starts the servant synchronously, so a subject's calls start in the order sent.
   */
  #onMessage(err: Error | null, msg: Msg): void {
    if (err !== null) return this.#logger.warn({ err }, 'NATS subscription error');
    if (msg.data.length === 0) return; // empty messages are reserved as keepalives, as on TCP
    let frames: Uint8Array[];
    try {
      frames = splitFrames(msg.data);
    } catch (error) {
      return this.#logger.warn({ subject: msg.subject, err: error }, 'dropping a malformed NATS message');
    }
    const origin = msg.reply ? new NatsOrigin(msg.reply, this.#outbox) : undefined;
    for (const frame of frames) this.#onFrame(frame, msg.subject, origin);
  }

  #onFrame(frame: Uint8Array, subject: string, origin: NatsOrigin | undefined): void {
    let env: Envelope;
    try {
      env = decodeEnvelope(frame);
    } catch (error) {
      return this.#logger.warn({ subject, err: error }, 'dropping a malformed NATS request');
    }
    if (env.kind !== 'request' && env.kind !== 'oneway') {
      return this.#logger.warn({ subject, kind: env.kind }, 'dropping a NATS message that is not a request');
    }
    if (origin === undefined) {
      if (env.kind === 'request') return this.#logger.warn({ subject, route: env.route }, 'dropping a two-way request without a reply subject');
      return this.#dispatcher.dispatch(env, this.#adapter, NO_REPLY);
    }
    this.#dispatcher.dispatch(env, this.#adapter, origin);
  }
}

/** The origin of one-way calls that came without a reply subject: nothing is ever answered. */
const NO_REPLY: CallOrigin = {
  caller: undefined,
  remote: 'nats',
  respond: () => {},
};
