import { isRecord } from '../wire/json-record.js';

/**
 * What another gateway needs to take over a resumable session whose gateway died: who the user
 * is, the session's data and the groups it was in. Pushes are not in it (they stay with the dead
 * gateway), so a session restored from it is told to resync. A gateway that stops gracefully hands
 * its sessions over with `seq` and `pushes` too, and the client then resumes without a gap.
 */
export interface ResumableState {
  /** The session's id where it was saved: the gateway that restores it tells the cluster it moved. */
  readonly sessionId?: string;
  /** Servers holding copies of the session (filled in by the cluster's store, opaque to the gateway). */
  readonly servedBy?: readonly string[];
  readonly uid?: string;
  readonly data: Record<string, unknown>;
  readonly groups: readonly string[];
  /** Number of the session's last push (handover snapshots only). */
  readonly seq?: number;
  /** Encoded push packets numbered `seq - pushes.length + 1` … `seq`, oldest first (handover snapshots only). */
  readonly pushes?: readonly Uint8Array[];
}

/**
 * A store shared by the gateways of a cluster (the session registry) where each resumable session
 * is kept under its resume token while it lives, so any gateway can restore it from the token.
 * Calls may fail (the store is away); the gateway logs that and carries on.
 */
export interface ResumeStore {
  /** Writes (or overwrites) the state kept under `token`, expiring after `ttlMs`. */
  save(token: string, state: ResumableState, ttlMs: number): Promise<void>;
  /** Pushes the expiry of these tokens to `ttlMs` from now (sessions that live on unchanged). */
  refresh(tokens: readonly string[], ttlMs: number): Promise<void>;
  /**
   * Overwrites the state under `token` only if it is still there; false when it is not (another
   * gateway took it). Optional: without it a stopping gateway overwrites with {@link save}.
   */
  update?(token: string, state: ResumableState, ttlMs: number): Promise<boolean>;
  /** Forgets `token` (its session ended, or it was given a new token). */
  drop(token: string): Promise<void>;
  /**
   * Removes and returns the state under `token`, atomically: of two gateways asking, one gets it.
   * A cluster's store may return the session whole (`seq`, `pushes`) from a gateway that still
   * holds it, when its client came back elsewhere.
   */
  take(token: string): Promise<ResumableState | undefined>;
}

/** What a client sends in `sys.resume` to get its session back. */
export interface ResumeRequest {
  readonly token: string;
  /** Number of the last push the client processed; -1 when it sent none that makes sense (forces a resync). */
  readonly lastSeq: number;
}

/**
 * The handshake answer's `sys.resume`. `seq` is the number of the last push before the first one
 * this connection delivers: the client sets its push counter to it. `ok` is absent on a session
 * that was just made resumable at the client's request (`sys.resume: true`).
 */
export interface ResumeAnswer {
  token: string;
  sessionId: string;
  seq: number;
  ok?: boolean;
  reason?: 'resync' | 'expired';
}

/** Longest token accepted from a client; ours are 22 characters. */
const MAX_TOKEN_LENGTH = 64;

/**
 * Reads a client's `sys.resume`: `true` asks for a resumable session, an object asks to resume.
 * Anything else that is present is read as a resume with an unknown token, so the client gets a
 * fresh resumable session and `expired` rather than a refused handshake.
 */
export function readResumeRequest(value: unknown): true | ResumeRequest {
  if (value === true) return true;
  const o: Record<string, unknown> = isRecord(value) ? value : {};
  const token = typeof o.token === 'string' && o.token.length <= MAX_TOKEN_LENGTH ? o.token : '';
  const lastSeq = Number.isSafeInteger(o.lastSeq) && (o.lastSeq as number) >= 0 ? (o.lastSeq as number) : -1;
  return { token, lastSeq };
}
