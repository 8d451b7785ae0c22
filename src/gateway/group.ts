import { encodeJsonBody, encodeMessagePacket, MessageType, type RouteDictionary } from '../wire/index.js';
import type { Session } from './session.js';

/** Options of {@link Group.broadcast}. */
export interface BroadcastOptions {
  /** A session (or session id) that does not get this broadcast, e.g. the sender. */
  except?: Session | string;
}

/**
 * A named set of sessions (a room, a channel) to broadcast to. The push is encoded once and the
 * same bytes are queued to every member. Members leave on their own when their session closes.
 */
export class Group {
  readonly name: string;
  #members = new Map<string, Session>();
  readonly #dictionary: RouteDictionary;
  readonly #onMemberClosed = (s: Session): void => {
    this.#members.delete(s.id);
  };

  constructor(name: string, dictionary: RouteDictionary) {
    this.name = name;
    this.#dictionary = dictionary;
  }

  get size(): number {
    return this.#members.size;
  }

  /** Adds a session; adding twice is harmless. False if the session has already closed. */
  add(session: Session): boolean {
    if (session.closed) return false;
    if (this.#members.has(session.id)) return true;
    this.#members.set(session.id, session);
    session.onClose(this.#onMemberClosed);
    return true;
  }

  remove(session: Session): void {
    if (this.#members.delete(session.id)) session.offClose(this.#onMemberClosed);
  }

  has(session: Session): boolean {
    return this.#members.has(session.id);
  }

  members(): Session[] {
    return [...this.#members.values()];
  }

  /** Pushes a JSON body to every member; returns how many it was queued to. */
  broadcast(route: string, body: unknown, options?: BroadcastOptions): number {
    return this.broadcastBytes(route, encodeJsonBody(body), options);
  }

  /** Pushes an encoded body to every member, encoding the packet once. */
  broadcastBytes(route: string, body: Uint8Array, options?: BroadcastOptions): number {
    const packet = encodeMessagePacket({ type: MessageType.Push, route, routeCode: this.#dictionary.codeOf(route), body });
    const except = typeof options?.except === 'object' ? options.except.id : options?.except;
    let sent = 0;
    for (const member of this.#members.values()) {
      if (member.id !== except && member.sendPacket(packet)) sent++;
    }
    return sent;
  }

  /** Removes every member. */
  clear(): void {
    for (const s of this.#members.values()) s.offClose(this.#onMemberClosed);
    this.#members.clear();
  }
}
