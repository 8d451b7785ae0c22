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
  close(): Promise<void>;
}
