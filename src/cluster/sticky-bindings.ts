/**
 * Sticky bindings: which instance of a server type a session is bound to. Kept in the session's own
 * data when the caller passes it (so it travels with the session to backends and dies with it),
 * else in a map here that the owner clears with {@link StickyBindings.forget} when the session ends.
 */

/** A session's key/value data: the gateway `Session` (get/set) or its forwarded copy (a plain record). */
export type SessionData =
  | { get(key: string): unknown; set(key: string, value: unknown): void }
  | Record<string, unknown>;

/** Prefix of the session-data key holding a binding; the full key is `yard.sticky.<type>`. */
export const STICKY_KEY_PREFIX = 'yard.sticky.';

/** The session-data key of the binding to a server type, e.g. `yard.sticky.chat` (value: server id). */
export function stickyKey(type: string): string {
  return STICKY_KEY_PREFIX + type;
}

function hasAccessors(data: SessionData): data is { get(key: string): unknown; set(key: string, value: unknown): void } {
  return typeof data.get === 'function' && typeof data.set === 'function';
}

/** Reads and writes bindings (session id, type) → server id. */
export class StickyBindings {
  /** session id → (type → server id), for sessions whose data was not passed. */
  readonly #bound = new Map<string, Map<string, string>>();
  /** type → `yard.sticky.<type>`, so the hot path does not build strings. */
  readonly #keys = new Map<string, string>();

  /** The server id `sessionId` is bound to for `type`, if any. */
  get(type: string, sessionId: string, data?: SessionData): string | undefined {
    if (data) {
      const v = hasAccessors(data) ? data.get(this.#key(type)) : data[this.#key(type)];
      return typeof v === 'string' ? v : undefined;
    }
    return this.#bound.get(sessionId)?.get(type);
  }

  /** Binds `sessionId` to `serverId` for `type`. */
  set(type: string, sessionId: string, serverId: string, data?: SessionData): void {
    if (data) {
      if (hasAccessors(data)) data.set(this.#key(type), serverId);
      else data[this.#key(type)] = serverId;
      return;
    }
    let m = this.#bound.get(sessionId);
    if (!m) {
      m = new Map();
      this.#bound.set(sessionId, m);
    }
    m.set(type, serverId);
  }

  /** Drops every binding kept here for `sessionId` (call when the session closes). */
  forget(sessionId: string): void {
    this.#bound.delete(sessionId);
  }

  /** Sessions with bindings kept here (not those kept in session data). */
  get size(): number {
    return this.#bound.size;
  }

  #key(type: string): string {
    let k = this.#keys.get(type);
    if (k === undefined) {
      k = stickyKey(type);
      this.#keys.set(type, k);
    }
    return k;
  }
}
