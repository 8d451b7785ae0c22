/**
 * The state the soak run keeps per simulated client ("slot"): its current connection, a
 * connection epoch that grows each time a connection ends (and why it ended), whether its user is
 * logged in, and its room membership with a short history. The accounting reads this state to
 * tell which pushes a client must receive and which request failures the run caused itself.
 */
import type { Client, ClientSocket } from '../../src/client/index.js';

/**
 * Why a connection, or a session, ended. `deliberate` is the run's own doing, `fault` a fault's
 * (its gateway was killed); `resync` is the run starting over after an answer that left its state
 * unknown. A resumable session outlives its connection; it ends `resumeResync` when it came back
 * without the pushes it missed, `resumeExpired` when the server refused it and gave a new one.
 */
export type EndReason = 'deliberate' | 'fault' | 'unexpected' | 'kicked' | 'resync' | 'resumeResync' | 'resumeExpired';

/** Where a client is with respect to its room. */
export type Phase = 'out' | 'joining' | 'in' | 'leaving';

/** A gateway's client ports, and which of them speak TLS. */
export interface GatewayAddress {
  readonly id: string;
  readonly ws: number;
  readonly tcp: number;
  readonly wsTls: boolean;
  readonly tcpTls: boolean;
}

/** The URL of a gateway's port for a transport: `ws://`, `wss://`, `tcp://` or `tls://`. */
export function gatewayUrl(g: GatewayAddress, transport: 'ws' | 'tcp'): string {
  if (transport === 'ws') return `${g.wsTls ? 'wss' : 'ws'}://127.0.0.1:${g.ws}/`;
  return `${g.tcpTls ? 'tls' : 'tcp'}://127.0.0.1:${g.tcp}`;
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
  /**
   * Whether the slot's sessions are resumable: its client reconnects by itself with both gateways'
   * URLs and takes its session back. Other slots' sessions end with their connection.
   */
  readonly resumable: boolean;
  /** Counts sessions; bumped when one ends. Pushes remember the epoch they started in. */
  epoch = 0;
  /** Counts connections; bumped when one ends (with the session, unless it is resumable). Requests remember it. */
  link = 0;
  /** The session came back (or may have changed) without the run knowing its user and room: ask the server first. */
  needsState = false;
  /** The run closed the socket and the SDK's `disconnect` event for it is still to come. */
  lossExpected = false;
  /** When the login of this epoch was answered; undefined until then. */
  loggedInAt: number | undefined;
  room: string | undefined;
  phase: Phase = 'out';
  /** Bumped on each join, so a say can tell a member who left and came back from one who stayed. */
  joinGen = 0;
  readonly #ended = new Map<number, EndReason>();
  readonly #linkEnded = new Map<number, EndReason>();
  readonly #spells: RoomSpell[] = [];
  /** Spans a resumable session spent away (from its connection's loss to the SDK's word on how it came back). */
  readonly #aways: { readonly from: number; to: number | undefined }[] = [];
  readonly #trail: { readonly at: number; readonly text: string }[] = [];
  readonly #origin: number;

  constructor(index: number, gateway: GatewayAddress, transport: 'ws' | 'tcp', origin: number, resumable: boolean) {
    this.#origin = origin;
    this.resumable = resumable;
    this.index = index;
    this.uid = `u${index}`;
    this.gateway = gateway;
    this.transport = transport;
  }

  /** The URL of the slot's gateway for its transport. */
  get url(): string {
    return gatewayUrl(this.gateway, this.transport);
  }

  /** Whether the slot can send a request now. */
  get ready(): boolean {
    return this.conn !== undefined && this.conn.client.connected && this.loggedInAt !== undefined && !this.needsState;
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

  /** Why connection `link` ended, if it did. */
  linkEndReason(link: number): EndReason | undefined {
    return this.#linkEnded.get(link);
  }

  /** The current connection is over; the session too unless it is resumable. */
  endLink(reason: EndReason): void {
    if (this.resumable) {
      this.#endLinkOnly(reason);
      this.note(`connection lost (${reason}); session parked`);
      this.#aways.push({ from: Date.now(), to: undefined });
      if (this.#aways.length > HISTORY) this.#aways.shift();
    } else this.endEpoch(reason);
  }

  /**
   * The SDK said how the session came back. Until then the room is not certain: a session restored
   * from an older snapshot rejoins the rooms it was in then, and its first pushes may reach the
   * listeners before the SDK's `resync` event.
   */
  back(): void {
    const away = this.#aways.at(-1);
    if (away && away.to === undefined) away.to = Date.now();
  }

  #endLinkOnly(reason: EndReason): void {
    this.#linkEnded.set(this.link, reason);
    if (this.#linkEnded.size > HISTORY) this.#linkEnded.delete(this.#linkEnded.keys().next().value!);
    this.link++;
  }

  /**
   * The current session is over, and its connection with it, except when a resumable session was
   * refused on a new connection (`resumeExpired`): a new session starts with no login and no room.
   */
  endEpoch(reason: EndReason): void {
    this.note(`session ended (${reason})`);
    this.#ended.set(this.epoch, reason);
    if (this.#ended.size > HISTORY) this.#ended.delete(this.#ended.keys().next().value!);
    if (reason !== 'resumeExpired') this.#endLinkOnly(reason);
    this.epoch++;
    this.loggedInAt = undefined;
    this.needsState = false;
    this.#leftRoom();
  }

  /**
   * The session came back without the pushes it missed (or a request that changes it failed with
   * its connection): a new epoch, and until the server says, the run does not know the user or
   * room, so any room's copies may arrive.
   */
  uncertain(reason: EndReason | undefined): void {
    if (reason) {
      this.note(`session back without its missed pushes (${reason})`);
      this.#ended.set(this.epoch, reason);
      this.epoch++;
    }
    this.#leftRoom();
    this.needsState = true;
    this.#spells.push({ room: '*', from: Date.now(), to: undefined });
    if (this.#spells.length > HISTORY) this.#spells.shift();
  }

  /** The server said where the session is: bound to the slot's user or not, in `room` or none. */
  stateKnown(loggedIn: boolean, room: string | undefined): void {
    this.#leftRoom();
    this.needsState = false;
    if (!loggedIn) this.loggedInAt = undefined;
    else this.loggedInAt ??= Date.now();
    if (room === undefined) return;
    this.joining(room);
    this.joined();
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

  /** Whether the slot was in, or joining, `room` (or in a room it did not know) at some moment of [from, to]. */
  wasInRoom(room: string, from: number, to: number): boolean {
    const overlaps = (s: { from: number; to: number | undefined }): boolean => s.from <= to && (s.to ?? Infinity) >= from;
    return this.#spells.some((s) => (s.room === room || s.room === '*') && overlaps(s)) || this.#aways.some(overlaps);
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

  /** For samples: index, gateway, transport, epoch, and `R` for a resumable session. */
  describe(): string {
    return `c${this.index}${this.resumable ? 'R' : ''} ${this.gateway.id}/${this.transport} epoch ${this.epoch}`;
  }
}
