import { ConfigError } from '../wire/errors.js';
import type { ResumableSnapshot } from './resumable-snapshot.js';

/** Where a user's session lives: which gateway holds it, and its session id there. */
export interface SessionLocation {
  readonly frontendId: string;
  readonly sessionId: string;
}

/** One of a gateway's bound sessions, as it asks the registry to keep its binding alive. */
export interface BoundSession {
  readonly uid: string;
  readonly sessionId: string;
}

/** What one `refreshBindings` call did, so the gateway can log bindings it found lost. */
export interface BindingRefreshResult {
  /** Bindings that still pointed at the session: their expiry pushed back. */
  readonly kept: number;
  /** Bindings that were gone (expired, or the store lost them): not written again, only counted. */
  readonly missing: number;
  /** Bindings that now point at another session (a newer login): left alone. */
  readonly replaced: number;
}

/** Default life of a user binding not refreshed (`bindingTtlMs`): a killed gateway's users are freed within it. */
export const DEFAULT_BINDING_TTL_MS = 60_000;
/** Bounds of `bindingTtlMs`: at least 100 ms (the gateway refreshes every third of it), at most a day. */
export const BINDING_TTL_RANGE = { min: 100, max: 86_400_000 } as const;

/** Checks a `bindingTtlMs` option at start-up, so a bad value fails there and names its owner. */
export function checkBindingTtl(value: unknown, where: string): number {
  const v = value ?? DEFAULT_BINDING_TTL_MS;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < BINDING_TTL_RANGE.min || v > BINDING_TTL_RANGE.max) {
    throw new ConfigError(`${where}: bindingTtlMs must be an integer in ${BINDING_TTL_RANGE.min}..${BINDING_TTL_RANGE.max} (ms), got ${JSON.stringify(value)}`);
  }
  return v;
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
  /**
   * How long a binding lives unless refreshed, in ms: the gateway holding the session refreshes it
   * (every third of this), so a gateway that dies without unbinding frees its users within it.
   * This and `refreshBindings` come together; a registry whose bindings never expire has neither.
   */
  readonly bindingTtlMs?: number;
  /**
   * Keeps a gateway's bindings alive for another `bindingTtlMs`, in one round trip for the lot:
   * only a binding that still points at `frontendId` and its session is extended; one that is gone
   * stays gone and one that points elsewhere (a newer login) is left alone, so none is resurrected.
   */
  refreshBindings?(frontendId: string, sessions: readonly BoundSession[]): Promise<BindingRefreshResult>;
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
