import { RpcError } from '../rpc/errors.js';
import { MAX_MESSAGE_ID, type Message } from '../wire/message.js';

interface Pending {
  resolve(msg: Message): void;
  reject(err: RpcError): void;
  timer: ReturnType<typeof setTimeout> | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * Requests waiting for their response, by message id. Each one ends exactly once: response,
 * deadline, abort, or connection loss; whatever comes later for the same id is ignored.
 */
export class PendingRequests {
  #byId = new Map<number, Pending>();
  #lastId: number;

  /** @param lastId the id before the first one handed out (tests start near the wrap). Default 0. */
  constructor(lastId = 0) {
    this.#lastId = lastId;
  }

  /** Number of requests waiting. */
  get size(): number {
    return this.#byId.size;
  }

  /**
   * The next request id: increasing, wrapping below 2^28 (pomelo's JS client decodes ids with
   * 32-bit shifts), never 0 (pomelo servers read id 0 as a notify), never one still waiting.
   */
  nextId(): number {
    do {
      this.#lastId = this.#lastId >= MAX_MESSAGE_ID ? 1 : this.#lastId + 1;
    } while (this.#byId.has(this.#lastId));
    return this.#lastId;
  }

  /**
   * Waits for the response to `id`. A finite `timeoutMs` fails it with `deadline_exceeded` (at once
   * when 0 or negative), `signal` with `cancelled`. The caller checks `signal.aborted` before sending.
   */
  wait(id: number, timeoutMs: number, signal: AbortSignal | undefined): Promise<Message> {
    return new Promise<Message>((resolve, reject) => {
      const entry: Pending = { resolve, reject, timer: undefined, signal, onAbort: undefined };
      if (Number.isFinite(timeoutMs)) {
        entry.timer = setTimeout(
          () => this.reject(id, new RpcError('deadline_exceeded', `no response within ${timeoutMs} ms`)),
          Math.max(0, timeoutMs),
        );
      }
      if (signal) {
        entry.onAbort = () => this.reject(id, new RpcError('cancelled', 'request aborted', { cause: signal.reason }));
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.#byId.set(id, entry);
    });
  }

  /** Settles `id` with its response; false when nobody waits for it any more. */
  resolve(id: number, msg: Message): boolean {
    const entry = this.#take(id);
    entry?.resolve(msg);
    return entry !== undefined;
  }

  /** Fails `id`; false when nobody waits for it any more. */
  reject(id: number, err: RpcError): boolean {
    const entry = this.#take(id);
    entry?.reject(err);
    return entry !== undefined;
  }

  /** Fails every waiting request (connection lost or client closed). */
  rejectAll(err: RpcError): void {
    for (const id of [...this.#byId.keys()]) this.reject(id, err);
  }

  #take(id: number): Pending | undefined {
    const entry = this.#byId.get(id);
    if (!entry) return undefined;
    this.#byId.delete(id);
    if (entry.timer) clearTimeout(entry.timer);
    if (entry.onAbort) entry.signal!.removeEventListener('abort', entry.onAbort);
    return entry;
  }
}
