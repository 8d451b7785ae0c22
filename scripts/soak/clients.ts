/**
 * The state the soak run keeps per simulated client ("slot"): its current connection, a
 * connection epoch that grows each time a connection ends (and why it ended), whether its user is
 * logged in, and its room membership with a short history. The accounting reads this state to
 * tell which pushes a client must receive and which request failures the run caused itself.
 */
import type { Client, ClientSocket } from '../../src/client/index.js';

/** Why a connection ended. Only `deliberate` is the run's own doing. */
export type EndReason = 'deliberate' | 'unexpected' | 'kicked' | 'resync';

/** Where a client is with respect to its room. */
export type Phase = 'out' | 'joining' | 'in' | 'leaving';

/** A gateway's client ports. */
export interface GatewayAddress {
  readonly id: string;
  readonly ws: number;
  readonly tcp: number;
}

/** One connection of a slot: the client and the socket under it (replaced on each SDK reconnect). */
export interface Conn {
  readonly client: Client;
  socket: ClientSocket | undefined;
}

/** A time span during which the client was in, or joining, a room (ms timestamps). */
interface RoomSpell {
  readonly room: string;
  readonly from: number;
  to: number | undefined;
}

/** Past epochs and room spells kept per slot; older ones are never asked about. */
const HISTORY = 8;
/** Recent events kept per slot, to explain a lost push in the report (covers more than the push horizon). */
const TRAIL = 48;

/** One simulated client. */
export class Slot {
  readonly index: number;
  readonly uid: string;
  gateway: GatewayAddress;
  transport: 'ws' | 'tcp';
  conn: Conn | undefined;
  /** Counts connections; bumped when one ends. Requests and pushes remember the epoch they started in. */
  epoch = 0;
  /** The run closed the socket and the SDK's `disconnect` event for it is still to come. */
  lossExpected = false;
  /** When the login of this epoch was answered; undefined until then. */
  loggedInAt: number | undefined;
  room: string | undefined;
  phase: Phase = 'out';
  /** Bumped on each join, so a say can tell a member who left and came back from one who stayed. */
  joinGen = 0;
  readonly #ended = new Map<number, EndReason>();
  readonly #spells: RoomSpell[] = [];
  readonly #trail: { readonly at: number; readonly text: string }[] = [];
  readonly #origin: number;

  constructor(index: number, gateway: GatewayAddress, transport: 'ws' | 'tcp', origin: number) {
    this.#origin = origin;
    this.index = index;
    this.uid = `u${index}`;
    this.gateway = gateway;
    this.transport = transport;
  }

  /** The URL of the slot's gateway for its transport. */
  get url(): string {
    return this.transport === 'ws' ? `ws://127.0.0.1:${this.gateway.ws}/` : `tcp://127.0.0.1:${this.gateway.tcp}`;
  }

  /** Whether the slot can send a request now. */
  get ready(): boolean {
    return this.conn !== undefined && this.conn.client.connected && this.loggedInAt !== undefined;
  }

  /**
   * Whether the connection of `epoch` is still the current one and the run has not started closing
   * it: once the socket is closed on purpose the gateway may end the session before the SDK reports
   * the disconnect, so from then on nothing is required of it.
   */
  connectedSince(epoch: number): boolean {
    return this.epoch === epoch && !this.lossExpected;
  }

  /** Why epoch `epoch` ended, if it did. */
  endReason(epoch: number): EndReason | undefined {
    return this.#ended.get(epoch);
  }

  /** The current connection is over: a new epoch starts with no login and no room. */
  endEpoch(reason: EndReason): void {
    this.note(`connection ended (${reason})`);
    this.#ended.set(this.epoch, reason);
    if (this.#ended.size > HISTORY) this.#ended.delete(this.#ended.keys().next().value!);
    this.epoch++;
    this.loggedInAt = undefined;
    this.#leftRoom();
  }

  /** A join is about to be sent. */
  joining(room: string): void {
    this.room = room;
    this.phase = 'joining';
    this.joinGen++;
    this.#spells.push({ room, from: Date.now(), to: undefined });
    if (this.#spells.length > HISTORY) this.#spells.shift();
  }

  /** The join was answered. */
  joined(): void {
    this.phase = 'in';
  }

  /** The leave was answered (or the membership is void for another reason). */
  left(): void {
    this.#leftRoom();
  }

  #leftRoom(): void {
    const open = this.#spells.at(-1);
    if (open && open.to === undefined) open.to = Date.now();
    this.room = undefined;
    this.phase = 'out';
  }

  /** Whether the slot was in, or joining, `room` at some moment of [from, to]. */
  wasInRoom(room: string, from: number, to: number): boolean {
    return this.#spells.some((s) => s.room === room && s.from <= to && (s.to ?? Infinity) >= from);
  }

  /** Remembers an event (time relative to the run's start) in the slot's short trail. */
  note(text: string): void {
    this.#trail.push({ at: Date.now(), text });
    if (this.#trail.length > TRAIL) this.#trail.shift();
  }

  /** Up to `count` events that happened before `until` (ms timestamp), oldest first. */
  trail(until: number, count: number): string[] {
    return this.#trail
      .filter((e) => e.at <= until)
      .slice(-count)
      .map((e) => `${e.at - this.#origin} ms ${e.text}`);
  }

  /** For samples: index, gateway, transport and epoch. */
  describe(): string {
    return `c${this.index} ${this.gateway.id}/${this.transport} epoch ${this.epoch}`;
  }
}
