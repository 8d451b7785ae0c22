import { RpcError } from '../rpc/errors.js';
import type { SessionLocation, SessionRegistry } from './session-registry.js';

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

/**
 * The session registry of a single process (embedded mode, tests): a Map. Every operation is
 * synchronous underneath, so bind-and-return-previous is atomic for free.
 */
export class MemorySessionRegistry implements SessionRegistry {
  readonly #bindings = new Map<string, SessionLocation>();
  #closed = false;

  /** Number of users bound now. */
  get size(): number {
    return this.#bindings.size;
  }

  async bind(uid: string, loc: SessionLocation): Promise<SessionLocation | undefined> {
    this.#checkOpen();
    checkUid(uid);
    const next = checkLocation(loc);
    const previous = this.#bindings.get(uid);
    this.#bindings.set(uid, next);
    return previous;
  }

  async unbind(uid: string, sessionId: string): Promise<void> {
    this.#checkOpen();
    checkUid(uid);
    if (this.#bindings.get(uid)?.sessionId === sessionId) this.#bindings.delete(uid);
  }

  async lookup(uid: string): Promise<SessionLocation | undefined> {
    this.#checkOpen();
    checkUid(uid);
    return this.#bindings.get(uid);
  }

  /** Forgets every binding; later calls fail with `unavailable`. Safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#bindings.clear();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #checkOpen(): void {
    if (this.#closed) throw new RpcError('unavailable', 'session registry is closed');
  }
}
