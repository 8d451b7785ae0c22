import { RpcError } from '../rpc/errors.js';
import type { RpcLogger } from '../rpc/logger.js';
import { FrameBatch } from './frame-batch.js';

/** Where an outbox's messages go: the transport's NATS connection. */
export interface OutboxHost {
  /** Publishes one message; throws RpcError when it cannot (closed, over the server's max payload). */
  publish(subject: string, message: Uint8Array, reply: string | undefined): void;
  /** Largest message the NATS server accepts, in bytes. */
  readonly maxPayload: number;
}

/** The maker of a message's calls (a link): names its reply subject, and hears when it was not sent. */
export interface OutboxCaller {
  /** Reply subject of a message whose two-way calls have ids `first` to `first + calls - 1`. */
  replySubject(first: number, calls: number): string;
  /** The message was not published: its two-way calls fail with `error`; `oneWays` one-way calls are lost. */
  notSent(first: number, calls: number, oneWays: number, error: RpcError): void;
}

/** One message being gathered: frames for one subject, from one caller or as answers. */
class Outgoing {
  readonly batch = new FrameBatch();
  /** Two-way calls in the message and the first one's id; their ids are consecutive. */
  calls = 0;
  firstId = 0;

  constructor(
    readonly subject: string,
    readonly caller: OutboxCaller | undefined,
  ) {}
}

/**
 * Everything one NATS connection sends during an event-loop turn, in the order it was made,
 * published at the end of the turn: frames for one subject made one after another travel as one
 * message (hot path: NATS costs per message, in the client and in the server). The order across
 * subjects is kept, as when each frame was published at once: a server's group change sent to a
 * gateway is never overtaken by its answer to the call that made the change.
 */
export class NatsOutbox {
  readonly #host: OutboxHost;
  readonly #logger: RpcLogger;
  #queue: Outgoing[] = [];
  #scheduled = false;

  constructor(host: OutboxHost, logger: RpcLogger) {
    this.#host = host;
    this.#logger = logger;
  }

  /** Largest message the NATS server accepts, in bytes. */
  get maxPayload(): number {
    return this.#host.maxPayload;
  }

  /** Adds a request frame of `caller` for `subject`; `id` is 0 for a one-way call. */
  request(subject: string, frame: Uint8Array, caller: OutboxCaller, id: number): void {
    let out = this.#last(subject, caller, frame);
    if (out !== undefined && id !== 0 && out.calls > 0 && id !== out.firstId + out.calls) out = undefined;
    out ??= this.#open(subject, caller);
    if (id !== 0 && out.calls++ === 0) out.firstId = id;
    out.batch.push(frame);
  }

  /** Adds an answer frame for the reply subject `subject`. */
  answer(subject: string, frame: Uint8Array): void {
    (this.#last(subject, undefined, frame) ?? this.#open(subject, undefined)).batch.push(frame);
  }

  /** Publishes everything gathered, in order (at the end of each turn, and before closing). */
  readonly flush = (): void => {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    for (const out of queue) this.#publish(out);
  };

  /** NATS went away: what was gathered is dropped (the connection's calls fail on their own). */
  clear(reason: RpcError): void {
    const queue = this.#queue;
    this.#queue = [];
    for (const out of queue) this.#notSent(out, out.batch.count, reason);
  }

  #last(subject: string, caller: OutboxCaller | undefined, frame: Uint8Array): Outgoing | undefined {
    const last = this.#queue[this.#queue.length - 1];
    if (last === undefined || last.subject !== subject || last.caller !== caller) return undefined;
    return last.batch.fits(frame, this.#host.maxPayload) ? last : undefined;
  }

  #open(subject: string, caller: OutboxCaller | undefined): Outgoing {
    const out = new Outgoing(subject, caller);
    this.#queue.push(out);
    if (!this.#scheduled) {
      this.#scheduled = true;
      // After every callback of this turn's poll phase, as FrameWriter does for TCP.
      setImmediate(this.flush);
    }
    return out;
  }

  #publish(out: Outgoing): void {
    const frames = out.batch.count;
    const reply = out.caller !== undefined && out.calls > 0 ? out.caller.replySubject(out.firstId, out.calls) : undefined;
    try {
      this.#host.publish(out.subject, out.batch.take(), reply);
    } catch (err) {
      this.#notSent(out, frames, RpcError.from(err));
    }
  }

  #notSent(out: Outgoing, frames: number, error: RpcError): void {
    out.batch.clear();
    if (out.caller !== undefined) out.caller.notSent(out.firstId, out.calls, frames - out.calls, error);
    else if (frames > 0) this.#logger.warn({ subject: out.subject, count: frames, code: error.code, err: error }, 'NATS replies not sent');
  }
}
