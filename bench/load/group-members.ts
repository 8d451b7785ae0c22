/**
 * Group members for B6: WebSocket clients that handshake and join a group with one request, then
 * either read its pushes (answering the gateway's heartbeats) or never read again. One that does
 * not read keeps its socket paused: the kernel's buffers fill, then the gateway's send queue does,
 * and the gateway drops it. The paused side cannot see that until it reads again, so `finish`
 * resumes every member and counts the sockets that turn out to have been closed, with their codes.
 */
import type WebSocket from 'ws';
import { MessageType, PacketType, encodeJsonBody } from '../../src/wire/index.js';
import { connectMany, forEachPacket, MSG_RESPONSE, openSocket, pomeloHandshake, requestPacket, sendHeartbeat } from './lean-pomelo-client.js';

/** What `finish` saw. */
export interface MembersOutcome {
  /** Members whose socket the server had closed. */
  readonly closedByServer: number;
  /** Close codes those sockets reported (1006: closed without a close frame), code → count. */
  readonly closeCodes: Record<string, number>;
  /** Members still connected at the end. */
  readonly stillOpen: number;
}

/** Pushes and bytes the members received. */
export interface MemberCounts {
  readonly pushes: number;
  readonly bytes: number;
}

/** Sends one request and resolves when its response arrives. */
function request(ws: WebSocket, route: string, body: unknown, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no response to ${route} within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (frame: Buffer): void => {
      forEachPacket(frame, (_frame, type, start) => {
        if (type !== PacketType.Data || ((frame[start]! >> 1) & 7) !== MSG_RESPONSE) return;
        clearTimeout(timer);
        ws.off('message', onMessage);
        resolve();
      });
    };
    ws.on('message', onMessage);
    ws.send(requestPacket(1, route, encodeJsonBody(body), undefined));
  });
}

/** N members of one group. */
export class GroupMembers {
  readonly #sockets: WebSocket[];
  readonly #closeCodes = new Map<WebSocket, number>();
  #pushes = 0;
  #bytes = 0;

  private constructor(sockets: WebSocket[]) {
    this.#sockets = sockets;
    for (const ws of sockets) {
      ws.on('message', this.#onFrame(ws));
      ws.once('close', (code: number) => this.#closeCodes.set(ws, code));
    }
  }

  /**
   * Connects `count` members (100 at a time), each joining through `joinRoute` with `body`; members
   * that do not `read` pause their socket as soon as the join is answered.
   */
  static async join(url: string, count: number, joinRoute: string, body: unknown, read: boolean): Promise<GroupMembers> {
    const sockets = await connectMany(count, 100, async () => {
      const ws = await openSocket(url, 30_000);
      await pomeloHandshake(ws, 30_000);
      await request(ws, joinRoute, body, 30_000);
      if (!read) ws.pause();
      return ws;
    });
    return new GroupMembers(sockets);
  }

  /** Pushes and bytes received so far. */
  counts(): MemberCounts {
    return { pushes: this.#pushes, bytes: this.#bytes };
  }

  /** Every member leaves: a normal WebSocket close. */
  leave(): void {
    for (const ws of this.#sockets) ws.close(1000);
  }

  /**
   * Reads again, waits (at most `timeoutMs`) until `expectedClosed` sockets have shown their close,
   * then reports and closes the rest.
   */
  async finish(expectedClosed: number, timeoutMs: number): Promise<MembersOutcome> {
    for (const ws of this.#sockets) ws.resume();
    const deadline = performance.now() + timeoutMs;
    while (this.#closeCodes.size < expectedClosed && performance.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    const closeCodes: Record<string, number> = {};
    for (const code of this.#closeCodes.values()) closeCodes[code] = (closeCodes[code] ?? 0) + 1;
    const outcome = { closedByServer: this.#closeCodes.size, closeCodes, stillOpen: this.#sockets.length - this.#closeCodes.size };
    for (const ws of this.#sockets) ws.terminate();
    return outcome;
  }

  /** One listener per member: counts pushes, answers heartbeats while reading. */
  #onFrame(ws: WebSocket): (frame: Buffer) => void {
    const onPacket = (frame: Buffer, type: number, start: number, end: number): void => {
      if (type === PacketType.Heartbeat) sendHeartbeat(ws);
      else if (type === PacketType.Data && ((frame[start]! >> 1) & 7) === MessageType.Push) {
        this.#pushes++;
        this.#bytes += end - start;
      }
    };
    return (frame) => {
      if (!ws.isPaused) forEachPacket(frame, onPacket);
    };
  }
}
