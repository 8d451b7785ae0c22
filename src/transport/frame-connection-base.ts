import { RpcError } from '../rpc/errors.js';
import type { FrameConnection, FrameSink } from '../rpc/frame.js';

/**
 * What every transport's connection shares: frames that arrive before `attach` are held and then
 * delivered first, in order; the sink hears `closed` exactly once, after the last frame; `close`
 * is idempotent and resolves when the transport has really ended.
 */
export abstract class FrameConnectionBase implements FrameConnection {
  abstract readonly remote: string;
  #sink: FrameSink | undefined;
  /** Frames waiting for the sink; undefined once the sink has caught up (hot path: no queueing). */
  #held: Uint8Array[] | undefined = [];
  #closing = false;
  #closeError: Error | undefined;
  #ended = false;
  #endError: Error | undefined;
  #told = false;
  readonly #endedPromise: Promise<void>;
  #resolveEnded!: () => void;

  constructor() {
    this.#endedPromise = new Promise((resolve) => (this.#resolveEnded = resolve));
  }

  abstract send(frame: Uint8Array): void;

  /** Starts the transport's own close; it must call {@link ended} when done. */
  protected abstract shutdown(error: Error | undefined): void;

  /** Resolves once the transport has ended, whichever side closed it. */
  get done(): Promise<void> {
    return this.#endedPromise;
  }

  get isClosed(): boolean {
    return this.#closing || this.#ended;
  }

  attach(sink: FrameSink): void {
    if (this.#sink !== undefined) throw new TypeError(`frame connection ${this.remote} already has a sink`);
    this.#sink = sink;
    queueMicrotask(() => this.#catchUp());
  }

  close(error?: Error): Promise<void> {
    if (!this.#closing && !this.#ended) {
      this.#closing = true;
      this.#closeError = error;
      this.shutdown(error);
    }
    return this.#endedPromise;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Hands one received frame to the sink (hot path), or holds it until there is one. */
  protected deliver(frame: Uint8Array): void {
    if (this.#ended) return;
    if (this.#held !== undefined) {
      this.#held.push(frame);
      return;
    }
    this.#toSink(frame);
  }

  /** The transport has ended (`error` undefined when clean); the sink hears it after held frames. */
  protected ended(error: Error | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#endError = this.#closeError ?? error;
    if (this.#held === undefined) this.#tell();
    this.#resolveEnded();
  }

  #catchUp(): void {
    const held = this.#held!;
    for (let i = 0; i < held.length; i++) this.#toSink(held[i]!);
    this.#held = undefined;
    if (this.#ended) this.#tell();
  }

  #toSink(frame: Uint8Array): void {
    try {
      this.#sink!.frame(frame);
    } catch (err) {
      void this.close(RpcError.from(err));
    }
  }

  #tell(): void {
    if (this.#told) return;
    this.#told = true;
    this.#sink!.closed(this.#endError);
  }
}
