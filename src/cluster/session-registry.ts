import type { ResumableSnapshot } from './resumable-snapshot.js';

/** Where a user's session lives: which gateway holds it, and its session id there. */
export interface SessionLocation {
  readonly frontendId: string;
  readonly sessionId: string;
}

/**
 * user id → session location, shared by the cluster (memory in one process, Redis across
 * processes), so any server can push to a user or kick their older session on a second login.
 */
export interface SessionRegistry {
  /** Records `uid` at `loc`; resolves with the location it replaces, if any (to kick it). */
  bind(uid: string, loc: SessionLocation): Promise<SessionLocation | undefined>;
  /** Forgets `uid` only if it still points at `sessionId` (a newer login is left alone). */
  unbind(uid: string, sessionId: string): Promise<void>;
  /** Where `uid` is, if bound. Fails with RpcError('unavailable') when the store cannot be reached. */
  lookup(uid: string): Promise<SessionLocation | undefined>;
  /**
   * Calls `listener` when the store is reachable again after an outage; it may have lost its data
   * (a Redis without persistence), so gateways bind their users again. Stores that cannot go away
   * need not implement it.
   */
  onRestored?(listener: () => void): void;
  /**
   * Keeps a resumable session's snapshot under its resume token for `ttlMs`, so another gateway
   * can restore it if this one dies. The four resume methods come together or not at all; a
   * registry without them gives resume within one gateway only.
   */
  saveResumable?(token: string, snapshot: ResumableSnapshot, ttlMs: number): Promise<void>;
  /** Pushes back the expiry of these tokens' snapshots to `ttlMs` from now; missing ones are skipped. */
  refreshResumable?(tokens: readonly string[], ttlMs: number): Promise<void>;
  /**
   * Overwrites a token's snapshot only if it is still there (not taken, not expired); false when
   * it is not. Optional even with the four: a gateway handing sessions over uses it to learn that
   * another gateway took one.
   */
  updateResumable?(token: string, snapshot: ResumableSnapshot, ttlMs: number): Promise<boolean>;
  /** Deletes a token's snapshot (its session ended or got a new token). */
  dropResumable?(token: string): Promise<void>;
  /** Deletes and returns a token's snapshot in one step: of two gateways asking, only one gets it. */
  takeResumable?(token: string): Promise<ResumableSnapshot | undefined>;
  close(): Promise<void>;
}
