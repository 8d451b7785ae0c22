import { isRecord } from '../wire/json-record.js';

/** The server's `sys.resume` in a handshake answer (see docs/protocol.md, "Resumable sessions"). */
export interface ResumeOffer {
  readonly token: string;
  readonly sessionId: string;
  /** Number of the last push before the first one this connection delivers. */
  readonly seq: number;
  /** True when the session came back whole; false with `reason` when not; absent on a new session. */
  readonly ok?: boolean;
  readonly reason?: string;
}

/** What `sys.resume` asks for: a resumable session, or a resume of the session with this token. */
export type ResumeAsk = true | { token: string; lastSeq: number };

/**
 * How a (re)connection went for the session: `fresh` on the first connection (or the server offers
 * no resume), `resumed` when it came back whole, `resync` when it came back without pushes it
 * missed, `expired` when it is gone and this is a new one.
 */
export type ResumeOutcome = 'fresh' | 'resumed' | 'resync' | 'expired';

/** Reads `sys.resume` from an answer; undefined when absent or not the expected shape. */
export function readResumeOffer(v: unknown): ResumeOffer | undefined {
  if (!isRecord(v) || typeof v.token !== 'string' || typeof v.sessionId !== 'string') return undefined;
  if (typeof v.seq !== 'number' || !Number.isSafeInteger(v.seq) || v.seq < 0) return undefined;
  const ok = typeof v.ok === 'boolean' ? v.ok : undefined;
  const reason = typeof v.reason === 'string' ? v.reason : undefined;
  return { token: v.token, sessionId: v.sessionId, seq: v.seq, ok, reason };
}

/**
 * The client's side of a resumable session: the token the server gave, and the number of the last
 * push processed. The server numbers the pushes of a resumable session 1, 2, 3…; the wire carries
 * no number, because both ends count the same push messages on an ordered connection, and the
 * handshake answer says where counting starts.
 */
export class ResumeTracker {
  #token: string | undefined;
  #sessionId: string | undefined;
  /** Number of the last push processed. Hot path: one increment per push. */
  seq = 0;

  /** The server's id of the session, when it offered resume. */
  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  /** Whether the server gave a token (so a lost connection can resume). */
  get active(): boolean {
    return this.#token !== undefined;
  }

  /** What to put in `sys.resume`: the token and last push once we have one, else a request for one. */
  ask(): ResumeAsk {
    return this.#token === undefined ? true : { token: this.#token, lastSeq: this.seq };
  }

  /** Takes in a handshake answer's offer (before any push of that connection) and says how it went. */
  accept(offer: ResumeOffer | undefined): ResumeOutcome {
    const resuming = this.#token !== undefined;
    this.#token = offer?.token;
    this.#sessionId = offer?.sessionId;
    this.seq = offer?.seq ?? 0;
    if (!resuming) return 'fresh';
    if (offer?.ok === true) return 'resumed';
    return offer?.reason === 'resync' ? 'resync' : 'expired';
  }
}
