import { ConfigError, encodeJsonBody, encodeMessagePacket, MessageType, type RouteDictionary } from '../wire/index.js';
import type { GatewayObserver } from './options.js';
import { Session, type ClientSession } from './session.js';

/** Options of {@link SessionGroup.broadcast}. */
export interface BroadcastOptions {
  /** A session (or session id) that does not get this broadcast, e.g. the sender. */
  except?: ClientSession | string;
}

/**
 * A named set of sessions to broadcast to (a room, a channel): on a gateway its own sessions, on a
 * backend sessions held by any gateway. Members leave on their own when their session closes.
 */
export interface SessionGroup {
  readonly name: string;
  readonly size: number;
  /** Adds a session; adding twice is harmless. False if the session has already closed. */
  add(session: ClientSession): boolean;
  remove(session: ClientSession): void;
  has(session: ClientSession): boolean;
  members(): ClientSession[];
  /** Pushes a JSON body to every member; returns how many it was sent to. */
  broadcast(route: string, body: unknown, options?: BroadcastOptions): number;
  /** Pushes an encoded body to every member. */
  broadcastBytes(route: string, body: Uint8Array, options?: BroadcastOptions): number;
  /** Removes every member. */
  clear(): void;
}

/**
 * A group of this gateway's own sessions. The push is encoded once and the same bytes are queued
 * to every member.
 */
export class Group implements SessionGroup {
  readonly name: string;
  #members = new Map<string, Session>();
  readonly #dictionary: RouteDictionary;
  readonly #observer: GatewayObserver | undefined;
  readonly #onMemberClosed = (s: ClientSession): void => {
    this.#members.delete(s.id);
  };

  constructor(name: string, dictionary: RouteDictionary, observer?: GatewayObserver) {
    this.name = name;
    this.#dictionary = dictionary;
    this.#observer = observer;
  }

  get size(): number {
    return this.#members.size;
  }

  add(session: ClientSession): boolean {
    if (!(session instanceof Session)) throw new ConfigError(`group ${this.name} holds this gateway's own sessions only`);
    if (session.closed) return false;
    if (this.#members.has(session.id)) return true;
    this.#members.set(session.id, session);
    session.onClose(this.#onMemberClosed);
    session.noteGroup(this.name, true);
    return true;
  }

  remove(session: ClientSession): void {
    const member = this.#members.get(session.id);
    if (!member) return;
    this.#members.delete(session.id);
    member.offClose(this.#onMemberClosed);
    member.noteGroup(this.name, false);
  }

  has(session: ClientSession): boolean {
    return this.#members.has(session.id);
  }

  members(): Session[] {
    return [...this.#members.values()];
  }

  broadcast(route: string, body: unknown, options?: BroadcastOptions): number {
    return this.broadcastBytes(route, encodeJsonBody(body), options);
  }

  broadcastBytes(route: string, body: Uint8Array, options?: BroadcastOptions): number {
    const packet = encodeMessagePacket({ type: MessageType.Push, route, routeCode: this.#dictionary.codeOf(route), body });
    const except = typeof options?.except === 'object' ? options.except.id : options?.except;
    let sent = 0;
    for (const member of this.#members.values()) {
      if (member.id !== except && member.sendPacket(packet)) sent++;
    }
    this.#observer?.messageOut(route, sent);
    return sent;
  }

  clear(): void {
    for (const s of this.#members.values()) {
      s.offClose(this.#onMemberClosed);
      s.noteGroup(this.name, false);
    }
    this.#members.clear();
  }
}
