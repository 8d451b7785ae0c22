/**
 * The soak run's load: a fixed pool of clients, each a closed loop (one request at a time, then a
 * short random pause) of echoes, room joins, leaves and says, and pokes at other users; plus a
 * dropper that every so often ends one client's connection on purpose (links.ts). After a new
 * session the client logs in again, and rejoins rooms as its loop goes on; after a resumable
 * session came back without its missed pushes, or a request that changes it failed, it asks the
 * server for its user and room first. Pool size, pauses and drop period are fixed, so the load is
 * bounded.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '../../src/client/index.js';
import { Slot, type EndReason } from './clients.js';
import type { FaultLog } from './faults.js';
import { codeOf, Links, pick, type ConnectionSummary, type LinkOptions } from './links.js';
import { PushLedger, type Candidate, type ClientView } from './pushes.js';
import { RequestLedger, type RequestOutcome } from './requests.js';

/** Shape of the load. */
export interface LoadOptions extends LinkOptions {
  readonly clients: number;
  readonly rooms: number;
  /** Pause between a client's requests: uniform in [min, max] ms. */
  readonly thinkMs: readonly [number, number];
  /** Share of clients with resumable sessions (0..1). */
  readonly resumable: number;
}

/** Codes a call fails with when the backend serving it dies or NATS goes away (docs/cluster.md). */
const FAULT_CODES = new Set(['unavailable', 'deadline_exceeded']);

/** Result of one request: the decoded answer, or undefined when it failed (already counted). */
type Answer<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly kind: RequestOutcome['kind'] };

/** How long the load waits, after stopping, for pushes still on their way, in ms. */
const DRAIN_MS = 10_000;
/** Echo padding sizes are uniform in [0, MAX_PAD] bytes, so packets of several sizes flow. */
const MAX_PAD = 1024;

/** Runs and accounts for the load; `start()`, then `stop()` to end it and judge what is left. */
export class Load implements ClientView {
  readonly requests: RequestLedger;
  readonly pushes: PushLedger;
  readonly #options: LoadOptions;
  readonly #slots: Slot[];
  readonly #rooms: string[];
  readonly #startedAt: number;
  readonly #links: Links;
  readonly #faults: FaultLog;
  #stopping = false;
  /** Aborted by `stop()`, to cut the dropper's wait short. */
  readonly #stopped = new AbortController();
  #loops: Promise<void>[] = [];
  #sweeper: NodeJS.Timeout | undefined;
  #echoSeq = 0;

  constructor(options: LoadOptions, faults: FaultLog) {
    this.#options = options;
    this.#faults = faults;
    this.#startedAt = Date.now();
    this.requests = new RequestLedger(this.#startedAt);
    this.pushes = new PushLedger(this.#startedAt, this, faults);
    this.#links = new Links(options, this.pushes, faults, this.#startedAt);
    this.#rooms = Array.from({ length: options.rooms }, (_, i) => `r${i}`);
    const g = options.gateways;
    // Every k-th slot is resumable, so resumable sessions spread over both gateways and transports.
    const every = options.resumable > 0 ? 1 / options.resumable : Infinity;
    this.#slots = Array.from({ length: options.clients }, (_, i) => {
      const resumable = Math.floor((i + 1) / every) > Math.floor(i / every);
      return new Slot(i, g[i % g.length]!, Math.floor(i / g.length) % 2 ? 'tcp' : 'ws', this.#startedAt, resumable);
    });
  }

  /** Starts every client loop (staggered over about a second) and the dropper. */
  start(): void {
    const stagger = 1000 / Math.max(1, this.#slots.length);
    this.#loops = this.#slots.map((slot) => this.#loop(slot, slot.index * stagger));
    this.#loops.push(this.#links.dropper(this.#slots, this.#stopped.signal));
    this.#sweeper = setInterval(() => this.pushes.sweep(), 1000);
  }

  /** Clients connected and logged in now. */
  get readyClients(): number {
    return this.#slots.filter((s) => s.ready).length;
  }

  /** Stops the loops after their current request, waits for pushes in flight, judges everything, closes the clients. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#stopped.abort();
    await Promise.all(this.#loops);
    clearInterval(this.#sweeper);
    const deadline = Date.now() + DRAIN_MS;
    while (this.pushes.pendingCopies > 0 && Date.now() < deadline) await sleep(100);
    this.pushes.finish();
    await Promise.all(this.#slots.map((s) => this.#links.closeQuietly(s)));
  }

  /** Connection figures for the report. */
  connections(): ConnectionSummary {
    return this.#links.summary;
  }

  /** Slots with resumable sessions. */
  get resumableClients(): number {
    return this.#slots.filter((s) => s.resumable).length;
  }

  // ClientView, for the push ledger.
  connectedSince(slot: number, epoch: number): boolean {
    return this.#slots[slot]!.connectedSince(epoch);
  }

  wasInRoom(slot: number, room: string, from: number, to: number): boolean {
    return this.#slots[slot]!.wasInRoom(room, from, to);
  }

  endReason(slot: number, epoch: number): EndReason | undefined {
    return this.#slots[slot]!.endReason(epoch);
  }

  describe(slot: number): string {
    return this.#slots[slot]!.describe();
  }

  trail(slot: number, until: number, count: number): string[] {
    return this.#slots[slot]!.trail(until, count);
  }

  #note(text: string): void {
    this.#links.note(text);
  }

  /** One client's closed loop. */
  async #loop(slot: Slot, delayMs: number): Promise<void> {
    await sleep(delayMs);
    while (!this.#stopping) {
      const conn = slot.conn;
      if (!conn) await this.#links.connect(slot);
      else if (!conn.client.connected) await sleep(50); // the SDK is reconnecting
      else if (slot.needsState) await this.#reloadState(slot, conn.client);
      else if (slot.loggedInAt === undefined) await this.#login(slot, conn.client);
      else {
        await this.#act(slot, conn.client);
        const [min, max] = this.#options.thinkMs;
        await sleep(min + Math.random() * (max - min));
      }
    }
  }

  /** Sends one request and accounts for it. */
  async #request<T>(slot: Slot, client: Client, route: string, body: unknown): Promise<Answer<T>> {
    const link = slot.link;
    const sentAt = Date.now();
    const started = performance.now();
    this.requests.sent(route);
    try {
      const value = await client.request<T>(route, body);
      this.requests.ended(route, { kind: 'ok' }, performance.now() - started, { message: '', client: '' });
      return { ok: true, value };
    } catch (err) {
      const ms = performance.now() - started;
      const outcome = this.#outcome(slot, link, sentAt, err, ms);
      this.requests.ended(route, outcome, ms, { message: (err as Error).message, client: slot.describe() });
      return { ok: false, kind: outcome.kind };
    }
  }

  /**
   * Classifies a failure: its connection ended (closed by the run, lost to a fault, or lost), no
   * reply within the deadline, a fault's typed answer (`unavailable` or `deadline_exceeded` while
   * a backend or NATS was down), or another answer from the server.
   */
  #outcome(slot: Slot, link: number, sentAt: number, err: unknown, ms: number): RequestOutcome {
    const code = codeOf(err);
    if (slot.link !== link) {
      const why: EndReason | undefined = slot.linkEndReason(link);
      if (why === 'deliberate') return { kind: 'droppedOnPurpose', code };
      return why === 'fault' ? { kind: 'fault', code } : { kind: 'connectionLost', code };
    }
    if (code === 'deadline_exceeded' && ms >= this.#options.timeoutMs - 50) return { kind: 'timedOut' };
    if (FAULT_CODES.has(code) && this.#faults.overlaps(sentAt, Date.now(), ['kill-backend', 'restart-nats'])) return { kind: 'fault', code };
    return { kind: 'answeredError', code };
  }

  /** The request's answer left the session's room unknown: ask the server before going on. */
  #unsure(slot: Slot, what: string): void {
    slot.note(`state unknown after ${what}`); // in the slot's trail: the report's samples are kept for trouble
    slot.uncertain(undefined);
  }

  /** Asks the server for the session's user and room (`soak.state`). */
  async #reloadState(slot: Slot, client: Client): Promise<void> {
    const epoch = slot.epoch;
    this.#links.summary.stateReloads++;
    const answer = await this.#request<{ uid: string | null; room: string | null }>(slot, client, 'soak.state', {});
    if (slot.epoch !== epoch || !slot.needsState) return;
    if (!answer.ok) return void (await sleep(200));
    slot.stateKnown(answer.value.uid === slot.uid, answer.value.room ?? undefined);
    slot.note(`state: user ${answer.value.uid ?? '-'}, room ${answer.value.room ?? '-'}`);
  }

  async #login(slot: Slot, client: Client): Promise<void> {
    const epoch = slot.epoch;
    const answer = await this.#request<{ server: string }>(slot, client, 'soak.login', { uid: slot.uid });
    if (slot.epoch !== epoch) return;
    if (answer.ok) {
      slot.loggedInAt = Date.now();
      slot.note(`logged in on ${slot.gateway.id}/${slot.transport} via ${answer.value.server}`);
    }
    else await sleep(200);
  }

  /** One step of the loop: echo 45%, say (or join) 25%, poke 20%, leave (or join) 10%. */
  #act(slot: Slot, client: Client): Promise<void> {
    const r = Math.random();
    if (r < 0.45) return this.#echo(slot, client);
    if (r < 0.7) return slot.phase === 'in' ? this.#say(slot, client) : this.#join(slot, client);
    if (r < 0.9) return this.#poke(slot, client);
    return slot.phase === 'in' ? this.#leave(slot, client) : this.#join(slot, client);
  }

  async #echo(slot: Slot, client: Client): Promise<void> {
    const n = ++this.#echoSeq;
    const pad = 'x'.repeat(Math.floor(Math.random() * (MAX_PAD + 1)));
    const answer = await this.#request<{ n: number; pad: string }>(slot, client, 'soak.echo', { n, pad });
    if (answer.ok && (answer.value.n !== n || answer.value.pad !== pad)) this.#mismatch(slot, `echo ${n} answered ${answer.value.n}`);
  }

  #mismatch(slot: Slot, what: string): void {
    this.#links.summary.mismatchedReplies++;
    this.#note(`mismatched reply on ${slot.describe()}: ${what}`);
  }

  async #join(slot: Slot, client: Client): Promise<void> {
    const room = pick(this.#rooms);
    const epoch = slot.epoch;
    slot.joining(room);
    slot.note(`join ${room} sent`);
    const answer = await this.#request<{ room: string; server: string }>(slot, client, 'room.join', { room });
    if (slot.epoch !== epoch) return; // the session ended, and its membership with it
    if (!answer.ok) return this.#unsure(slot, `failed join of ${room}`);
    if (answer.value.room !== room) this.#mismatch(slot, `join ${room} answered ${answer.value.room}`);
    slot.note(`join ${room} answered by ${answer.value.server}`);
    slot.joined();
  }

  async #leave(slot: Slot, client: Client): Promise<void> {
    const epoch = slot.epoch;
    slot.phase = 'leaving';
    slot.note(`leave ${slot.room} sent`);
    const answer = await this.#request<{ room: string; server: string }>(slot, client, 'room.leave', {});
    if (slot.epoch !== epoch) return;
    if (!answer.ok) return this.#unsure(slot, 'failed leave');
    slot.note(`leave ${answer.value.room} answered by ${answer.value.server}`);
    slot.left();
  }

  /** Says something in the slot's room; every member joined before and still in after must get it. */
  async #say(slot: Slot, client: Client): Promise<void> {
    const room = slot.room!;
    const members = this.#slots.filter((s) => s.room === room && s.phase !== 'out');
    const before = new Map(members.map((s) => [s.index, { epoch: s.epoch, gen: s.joinGen, wasIn: s.phase === 'in' && !s.lossExpected }]));
    const candidates: Candidate[] = members.map((s) => ({ slot: s.index, epoch: s.epoch }));
    const id = this.pushes.begin('say', slot.index, slot.epoch, room, candidates);
    const epoch = slot.epoch;
    const answer = await this.#request<{ room: string; server: string }>(slot, client, 'room.say', { id });
    if (!answer.ok) {
      this.pushes.abandon(id);
      // A say changes nothing, but an error answer may mean the run's idea of the room is wrong.
      if (slot.epoch === epoch && answer.kind === 'answeredError') this.#unsure(slot, `failed say in ${room}`);
      return;
    }
    if (answer.value.room !== room) this.#mismatch(slot, `say in ${room} answered ${answer.value.room}`);
    const stayed = members.filter((s) => {
      const b = before.get(s.index)!;
      return b.wasIn && s.phase === 'in' && s.room === room && s.joinGen === b.gen && s.connectedSince(b.epoch);
    });
    this.pushes.settle(id, stayed.map((s) => s.index));
  }

  /** Pushes to another logged-in user by user id; it must arrive if the server found the user. */
  async #poke(slot: Slot, client: Client): Promise<void> {
    const target = this.#pokeTarget(slot);
    if (!target) return this.#echo(slot, client);
    const epoch = target.epoch;
    const loginAge = Date.now() - target.loggedInAt!;
    const id = this.pushes.begin('poke', slot.index, slot.epoch, undefined, [{ slot: target.index, epoch }]);
    const answer = await this.#request<{ delivered: boolean }>(slot, client, 'soak.poke', { uid: target.uid, id });
    if (!answer.ok) return this.pushes.abandon(id);
    const stayed = target.connectedSince(epoch) && target.loggedInAt !== undefined;
    if (answer.value.delivered && stayed) return this.pushes.settle(id, [target.index]);
    if (stayed) {
      this.#links.summary.pokesNotFound++;
      const recent = target.trail(Date.now(), 4).join('; ');
      this.#note(`poke of ${target.describe()} (logged in ${loginAge} ms before) answered delivered=false; its last events: ${recent}`);
    }
    this.pushes.settle(id, []);
  }

  /** A random other slot that is logged in now, or undefined after a few misses. */
  #pokeTarget(slot: Slot): Slot | undefined {
    for (let i = 0; i < 5; i++) {
      const t = pick(this.#slots);
      if (t !== slot && t.ready && !t.lossExpected) return t;
    }
    return undefined;
  }
}
