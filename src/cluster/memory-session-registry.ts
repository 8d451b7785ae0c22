import { RpcError } from '../rpc/errors.js';
import { checkResumeArgs, decodeResumable, encodeResumable, type ResumableSnapshot } from './resumable-snapshot.js';
import { checkBindingTtl, type BindingRefreshResult, type BoundSession, type SessionLocation, type SessionRegistry } from './session-registry.js';

/** Rejects a uid the registry cannot key on, so a bug upstream fails here and clearly. */
export function checkUid(uid: unknown): asserts uid is string {
  if (typeof uid !== 'string' || uid === '') throw new RpcError('bad_payload', 'session registry: uid must be a non-empty string');
}

/** Copies the two fields of a location, rejecting anything else, so callers cannot alias our state. */
export function checkLocation(loc: SessionLocation): SessionLocation {
  if (typeof loc?.frontendId !== 'string' || typeof loc.sessionId !== 'string' || loc.frontendId === '' || loc.sessionId === '') {
    throw new RpcError('bad_payload', 'session registry: location needs a non-empty frontendId and sessionId');
  }
  return Object.freeze({ frontendId: loc.frontendId, sessionId: loc.sessionId });
}

/** Checks the sessions a gateway asks to keep bound (see `refreshBindings`) and copies their two fields. */
export function checkBoundSessions(frontendId: string, sessions: readonly BoundSession[]): BoundSession[] {
  return sessions.map((s) => {
    checkUid(s?.uid);
    return { uid: s.uid, sessionId: checkLocation({ frontendId, sessionId: s.sessionId }).sessionId };
  });
}

/** An entry of a map whose entries expire, as Redis keys with a TTL do. */
interface Expiring {
  readonly expiresAt: number;
}

/** `map`'s entry for `key` unless it has expired; an expired one is deleted. */
function liveEntry<K, E extends Expiring>(map: Map<K, E>, key: K): E | undefined {
  const entry = map.get(key);
  if (entry && entry.expiresAt <= Date.now()) {
    map.delete(key);
    return undefined;
  }
  return entry;
}

/** Deletes expired entries from the oldest-written end of `map`, stopping at the first live one. */
function purgeOldest<K, E extends Expiring>(map: Map<K, E>): void {
  const now = Date.now();
  for (const [key, entry] of map) {
    if (entry.expiresAt > now) break;
    map.delete(key);
  }
}

/** Options of {@link MemorySessionRegistry}. */
export interface MemorySessionRegistryOptions {
  /** How long a binding lives unless refreshed, in ms (as in Redis, so both registries agree). Default 60000. */
  bindingTtlMs?: number;
}

/**
 * The session registry of a single process (embedded mode, tests): a Map. Every operation is
 * synchronous underneath, so bind-and-return-previous is atomic for free. Bindings and snapshots
 * expire as their Redis keys would: an expired one is absent to every call, purged lazily.
 */
export class MemorySessionRegistry implements SessionRegistry {
  readonly bindingTtlMs: number;
  /** uid → location and its expiry in epoch ms; an entry moves to the end when written, so the oldest lead. */
  readonly #bindings = new Map<string, { loc: SessionLocation; expiresAt: number }>();
  /** Resume token → encoded snapshot (a copy, as a shared store would hold) and its expiry in epoch ms. */
  readonly #resumable = new Map<string, { bytes: Uint8Array; expiresAt: number }>();
  #closed = false;

  constructor(options: MemorySessionRegistryOptions = {}) {
    this.bindingTtlMs = checkBindingTtl(options?.bindingTtlMs, 'MemorySessionRegistry');
  }

  /** Number of users bound now (expired bindings not counted). */
  get size(): number {
    this.#purgeExpiredBindings();
    return this.#bindings.size;
  }

  async bind(uid: string, loc: SessionLocation): Promise<SessionLocation | undefined> {
    this.#checkOpen();
    checkUid(uid);
    const next = checkLocation(loc);
    this.#purgeExpiredBindings();
    const previous = this.#binding(uid);
    this.#setBinding(uid, next);
    return previous;
  }

  async unbind(uid: string, sessionId: string): Promise<void> {
    this.#checkOpen();
    checkUid(uid);
    if (this.#binding(uid)?.sessionId === sessionId) this.#bindings.delete(uid);
  }

  async lookup(uid: string): Promise<SessionLocation | undefined> {
    this.#checkOpen();
    checkUid(uid);
    return this.#binding(uid);
  }

  async refreshBindings(frontendId: string, sessions: readonly BoundSession[]): Promise<BindingRefreshResult> {
    this.#checkOpen();
    const checked = checkBoundSessions(frontendId, sessions);
    this.#purgeExpiredBindings();
    let kept = 0;
    let missing = 0;
    for (const { uid, sessionId } of checked) {
      const current = this.#binding(uid);
      if (!current) missing++;
      else if (current.frontendId === frontendId && current.sessionId === sessionId) {
        this.#setBinding(uid, current);
        kept++;
      }
    }
    return { kept, missing, replaced: checked.length - kept - missing };
  }

  async saveResumable(token: string, snapshot: ResumableSnapshot, ttlMs: number): Promise<void> {
    this.#checkOpen();
    checkResumeArgs(token, ttlMs);
    this.#purgeExpired();
    this.#resumable.delete(token);
    this.#resumable.set(token, { bytes: encodeResumable(snapshot), expiresAt: Date.now() + ttlMs });
  }

  async updateResumable(token: string, snapshot: ResumableSnapshot, ttlMs: number): Promise<boolean> {
    this.#checkOpen();
    checkResumeArgs(token, ttlMs);
    if (!this.#liveResumable(token)) return false;
    await this.saveResumable(token, snapshot, ttlMs);
    return true;
  }

  async refreshResumable(tokens: readonly string[], ttlMs: number): Promise<void> {
    this.#checkOpen();
    for (const token of tokens) {
      checkResumeArgs(token, ttlMs);
      const entry = this.#liveResumable(token);
      if (!entry) continue;
      this.#resumable.delete(token);
      this.#resumable.set(token, { bytes: entry.bytes, expiresAt: Date.now() + ttlMs });
    }
  }

  async dropResumable(token: string): Promise<void> {
    this.#checkOpen();
    checkResumeArgs(token);
    this.#resumable.delete(token);
  }

  async takeResumable(token: string): Promise<ResumableSnapshot | undefined> {
    this.#checkOpen();
    checkResumeArgs(token);
    const entry = this.#liveResumable(token);
    this.#resumable.delete(token);
    return entry ? decodeResumable(entry.bytes) : undefined;
  }

  /** Snapshots kept now (expired ones may linger until the next save). */
  get resumableCount(): number {
    return this.#resumable.size;
  }

  /** A token's snapshot unless it has expired: an expired one is gone, as its Redis key would be. */
  #liveResumable(token: string): { bytes: Uint8Array; expiresAt: number } | undefined {
    return liveEntry(this.#resumable, token);
  }

  /** A user's binding unless it has expired (then it is forgotten, as its Redis key would be). */
  #binding(uid: string): SessionLocation | undefined {
    return liveEntry(this.#bindings, uid)?.loc;
  }

  /** Writes a binding with a fresh expiry, at the end of the map (the newest-written end). */
  #setBinding(uid: string, loc: SessionLocation): void {
    this.#bindings.delete(uid);
    this.#bindings.set(uid, { loc, expiresAt: Date.now() + this.bindingTtlMs });
  }

  /** Drops expired bindings from the oldest-written end; one TTL for all, so they expire in order. */
  #purgeExpiredBindings(): void {
    purgeOldest(this.#bindings);
  }

  /**
   * Drops expired snapshots from the oldest-written end. Entries move to the end when written, so
   * with one TTL the oldest expire first; a longer TTL in front only delays purging behind it.
   */
  #purgeExpired(): void {
    purgeOldest(this.#resumable);
  }

  /** Forgets every binding; later calls fail with `unavailable`. Safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#bindings.clear();
    this.#resumable.clear();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #checkOpen(): void {
    if (this.#closed) throw new RpcError('unavailable', 'session registry is closed');
  }
}
