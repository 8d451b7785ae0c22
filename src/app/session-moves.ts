import { encodeFramedJson } from '../cluster/framed-json.js';
import { decodeResumable, encodeResumable, type ResumableSnapshot } from '../cluster/resumable-snapshot.js';
import type { ResumableState, Session } from '../gateway/index.js';
import type { OperationRef } from '../rpc/index.js';
import { EMPTY_BYTES } from '../wire/bytes.js';
import { frontendOf, SystemOps } from './system-ops.js';

/** What a gateway's record of moved sessions needs from its cluster runtime. */
export interface SessionMovesHost {
  /** This gateway's server id and process (its incarnation). */
  self(): { readonly id: string; readonly incarnation: string };
  /** Remembers that the session's copies live on `serverId` (told when it closes). */
  servedBy(sessionId: string, serverId: string): void;
  /** Sends a one-way system message to server `id`. */
  send(id: string, op: OperationRef, args: Uint8Array): void;
  /** Makes a two-way system call to gateway `id`, if it is listed; undefined when it is not (or is this one). */
  call(id: string, op: OperationRef, args: Uint8Array, timeoutMs: number): Promise<Uint8Array> | undefined;
  /** Gives up the session parked here under `token`, if there is one (see ResumeManager.release). */
  releaseParked(token: string): ResumableState | undefined;
  /** Forgets and returns the servers holding copies of session `sid`. */
  takeServedBy(sid: string): string[];
}

/** How long a gateway waits for another to give up a parked session (within a client's handshake). */
const CLAIM_TIMEOUT_MS = 2000;

/**
 * A gateway's side of sessions that move to it: a resumable session restored here from the shared
 * store got a new id, while the backends that served it under its old id still hold copies with
 * the application's state and close hooks. They are told (`__yard.be.moved`) to re-key those copies,
 * and the session's forwarded snapshots carry its old id (`movedFrom`) so a backend that gets a call
 * before that notice re-keys its copy then. Holds one entry per moved session while it lives here.
 */
export class SessionMoves {
  readonly #host: SessionMovesHost;
  /** New session id → the id it had where it was saved. */
  readonly #from = new Map<string, string>();

  constructor(host: SessionMovesHost) {
    this.#host = host;
  }

  /** A session saved elsewhere (`kept`) was restored here as `session`: tells its backends. */
  restored(session: Session, kept: ResumableState): void {
    const from = kept.sessionId;
    if (from === undefined || from === session.id) return;
    this.#from.set(session.id, from);
    const self = this.#host.self();
    const note = { from, to: session.id, frontendId: self.id, incarnation: self.incarnation };
    for (const server of kept.servedBy ?? []) {
      this.#host.servedBy(session.id, server);
      this.#host.send(server, SystemOps.moved, encodeFramedJson(note, EMPTY_BYTES));
    }
  }

  /** The id session `sid` had before it moved here, if it did. */
  movedFrom(sid: string): string | undefined {
    return this.#from.get(sid);
  }

  /** Session `sid` ended here. */
  closed(sid: string): void {
    this.#from.delete(sid);
  }

  /**
   * A client came back here with the token of session `sid`, which the gateway that handed it out
   * may still hold parked (the client reached another gateway or worker): asks it to give the
   * session up with its pushes (`__yard.gw.release`). Undefined when it does not hold it.
   */
  async claim(sid: string, token: string): Promise<ResumableSnapshot | undefined> {
    const reply = await this.#host.call(frontendOf(sid), SystemOps.release, encodeFramedJson({ token }, EMPTY_BYTES), CLAIM_TIMEOUT_MS);
    return reply === undefined || reply.byteLength === 0 ? undefined : decodeResumable(reply);
  }

  /** Answers a claim: the session parked here under `token`, with the servers holding its copies, or an empty body. */
  release(token: string): Uint8Array {
    const kept = this.#host.releaseParked(token);
    if (!kept) return EMPTY_BYTES;
    const servedBy = kept.sessionId === undefined ? [] : this.#host.takeServedBy(kept.sessionId);
    return encodeResumable({ ...kept, servedBy });
  }
}
