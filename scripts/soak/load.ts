/**
 * The soak run's load: a fixed pool of clients, each a closed loop (one request at a time, then a
 * short random pause) of echoes, room joins, leaves and says, and pokes at other users; plus a
 * dropper that every so often ends one client's connection on purpose, alternating between closing
 * the socket under the SDK (which reconnects by itself) and closing the client and connecting a
 * new one, possibly to the other gateway. After any reconnect the client logs in again, and rejoins
 * rooms as its loop goes on. Pool size, pauses and drop period are fixed, so the load is bounded.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, RpcError, socketForUrl, type Client } from '../../src/client/index.js';
import { POKE_PUSH, SAY_PUSH, type PokePush, type SayPush } from '../soak-app.js';
import { Slot, type Conn, type EndReason, type GatewayAddress } from './clients.js';
import { PushLedger, type Candidate, type ClientView } from './pushes.js';
import { RequestLedger, type RequestOutcome } from './requests.js';

/** Shape of the load. */
export interface LoadOptions {
  readonly gateways: readonly GatewayAddress[];
  readonly clients: number;
  readonly rooms: number;
  /** Pause between a client's requests: uniform in [min, max] ms. */
  readonly thinkMs: readonly [number, number];
  /** Period of deliberate disconnects, in ms (one client each time). */
  readonly dropEveryMs: number;
  /** Request deadline, in ms. */
  readonly timeoutMs: number;
}

/** Connection events of the run. */
export interface ConnectionSummary {
  socketDropsOnPurpose: number;
  freshReconnectsOnPurpose: number;
  sdkReconnects: number;
  unexpectedDisconnects: number;
  unexpectedCloses: number;
  resyncs: number;
  kicks: Record<string, number>;
  connectFailures: Record<string, number>;
  clientErrorEvents: Record<string, number>;
  /** A reply that did not match its request (wrong echo number or room). */
  mismatchedReplies: number;
  /** A poke the server answered `delivered: false` for a user logged in and connected throughout. */
  pokesNotFound: number;
  samples: string[];
}

/** Result of one request: the decoded answer, or undefined when it failed (already counted). */
type Answer<T> = { readonly ok: true; readonly value: T } | { readonly ok: false };

const MAX_SAMPLES = 40;
/** How long the load waits, after stopping, for pushes still on their way, in ms. */
const DRAIN_MS = 10_000;
/** Echo padding sizes are uniform in [0, MAX_PAD] bytes, so packets of several sizes flow. */
const MAX_PAD = 1024;

function bump(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)]!;
}

/** The code of a failure, whatever was thrown. */
function codeOf(err: unknown): string {
  return err instanceof RpcError ? err.code : 'non_rpc_error';
}

/** Runs and accounts for the load; `start()`, then `stop()` to end it and judge what is left. */
export class Load implements ClientView {
  readonly requests: RequestLedger;
  readonly pushes: PushLedger;
  readonly #options: LoadOptions;
  readonly #slots: Slot[];
  readonly #rooms: string[];
  readonly #startedAt: number;
  readonly #conn: ConnectionSummary = {
    socketDropsOnPurpose: 0,
    freshReconnectsOnPurpose: 0,
    sdkReconnects: 0,
    unexpectedDisconnects: 0,
    unexpectedCloses: 0,
    resyncs: 0,
    kicks: {},
    connectFailures: {},
    clientErrorEvents: {},
    mismatchedReplies: 0,
    pokesNotFound: 0,
    samples: [],
  };
  #stopping = false;
  /** Aborted by `stop()`, to cut the dropper's wait short. */
  readonly #stopped = new AbortController();
  #loops: Promise<void>[] = [];
  #sweeper: NodeJS.Timeout | undefined;
  #echoSeq = 0;

  constructor(options: LoadOptions) {
    this.#options = options;
    this.#startedAt = Date.now();
    this.requests = new RequestLedger(this.#startedAt);
    this.pushes = new PushLedger(this.#startedAt, this);
    this.#rooms = Array.from({ length: options.rooms }, (_, i) => `r${i}`);
    const g = options.gateways;
    this.#slots = Array.from({ length: options.clients }, (_, i) => new Slot(i, g[i % g.length]!, Math.floor(i / g.length) % 2 ? 'tcp' : 'ws', this.#startedAt));
  }

  /** Starts every client loop (staggered over about a second) and the dropper. */
  start(): void {
    const stagger = 1000 / Math.max(1, this.#slots.length);
    this.#loops = this.#slots.map((slot) => this.#loop(slot, slot.index * stagger));
    this.#loops.push(this.#dropper());
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
    await Promise.all(this.#slots.map((s) => this.#closeQuietly(s)));
  }

  /** Closes a slot's client without counting it as a disconnect: the slot lets go of it first. */
  async #closeQuietly(slot: Slot): Promise<void> {
    const conn = slot.conn;
    slot.conn = undefined;
    await conn?.client.close();
  }

  /** Connection figures for the report. */
  connections(): ConnectionSummary {
    return this.#conn;
  }

  // ClientView, for the push ledger.
  connectedSince(slot: number, epoch: number): boolean {
    return this.#slots[slot]!.connectedSince(epoch);
  }

  wasInRoom(slot: number, room: string, from: number, to: number): boolean {
    return this.#slots[slot]!.wasInRoom(room, from, to);
  }

  describe(slot: number): string {
    return this.#slots[slot]!.describe();
  }

  trail(slot: number, until: number, count: number): string[] {
    return this.#slots[slot]!.trail(until, count);
  }

  #note(text: string): void {
    if (this.#conn.samples.length < MAX_SAMPLES) this.#conn.samples.push(`${Date.now() - this.#startedAt} ms: ${text}`);
  }

  /** One client's closed loop. */
  async #loop(slot: Slot, delayMs: number): Promise<void> {
    await sleep(delayMs);
    while (!this.#stopping) {
      const conn = slot.conn;
      if (!conn) await this.#connect(slot);
      else if (!conn.client.connected) await sleep(50); // the SDK is reconnecting
      else if (slot.loggedInAt === undefined) await this.#login(slot, conn.client);
      else {
        await this.#act(slot, conn.client);
        const [min, max] = this.#options.thinkMs;
        await sleep(min + Math.random() * (max - min));
      }
    }
  }

  /** Opens a connection for the slot, with the SDK's reconnect on. */
  async #connect(slot: Slot): Promise<void> {
    const url = slot.url;
    const open = socketForUrl(url);
    let conn: Conn | undefined;
    let socket: Conn['socket'];
    try {
      const client = await connect(url, {
        timeoutMs: this.#options.timeoutMs,
        reconnect: { initialDelayMs: 100, maxDelayMs: 2000 },
        socket: async (u, handlers) => {
          socket = await open(u, handlers);
          if (conn) conn.socket = socket;
          return socket;
        },
      });
      conn = { client, socket };
      slot.conn = conn;
      this.#listen(slot, conn);
    } catch (err) {
      bump(this.#conn.connectFailures, codeOf(err));
      this.#note(`connect ${slot.describe()} failed: ${(err as Error).message}`);
      await sleep(500);
    }
  }

  /** Push and connection listeners of one connection; events of a connection the slot has left are ignored. */
  #listen(slot: Slot, conn: Conn): void {
    const { client } = conn;
    const current = (): boolean => slot.conn === conn;
    let kicked = false;
    client.on<SayPush>(SAY_PUSH, (body) => this.pushes.deliver(slot.index, 'say', body.id));
    client.on<PokePush>(POKE_PUSH, (body) => this.pushes.deliver(slot.index, 'poke', body.id));
    client.on('disconnect', (err) => {
      if (!current()) return;
      if (slot.lossExpected) {
        slot.lossExpected = false;
        slot.endEpoch('deliberate');
        return;
      }
      this.#conn.unexpectedDisconnects++;
      this.#note(`unexpected disconnect of ${slot.describe()}: ${err.code} ${err.message}`);
      slot.endEpoch('unexpected');
    });
    client.on('reconnect', () => {
      if (current()) this.#conn.sdkReconnects++;
    });
    client.on('kick', (reason) => {
      if (!current()) return;
      kicked = true;
      bump(this.#conn.kicks, reason || '(none)');
      this.#note(`kick of ${slot.describe()}: ${reason}`);
      slot.endEpoch('kicked');
    });
    client.on('close', (err) => {
      if (!current()) return;
      slot.conn = undefined;
      if (kicked) return; // counted as a kick; the epoch already ended
      this.#conn.unexpectedCloses++;
      this.#note(`unexpected close of ${slot.describe()}: ${err?.code} ${err?.message}`);
      slot.endEpoch('unexpected');
    });
    client.on('error', (err) => {
      bump(this.#conn.clientErrorEvents, err.code);
      this.#note(`client error on ${slot.describe()}: ${err.code} ${err.message}`);
    });
  }

  /** Sends one request and accounts for it. */
  async #request<T>(slot: Slot, client: Client, route: string, body: unknown): Promise<Answer<T>> {
    const epoch = slot.epoch;
    const started = performance.now();
    this.requests.sent(route);
    try {
      const value = await client.request<T>(route, body);
      this.requests.ended(route, { kind: 'ok' }, performance.now() - started, { message: '', client: '' });
      return { ok: true, value };
    } catch (err) {
      const ms = performance.now() - started;
      const outcome = this.#outcome(slot, epoch, err, ms);
      this.requests.ended(route, outcome, ms, { message: (err as Error).message, client: slot.describe() });
      return { ok: false };
    }
  }

  /** Classifies a failure: caused by the run, a lost reply, a lost connection, or a server's answer. */
  #outcome(slot: Slot, epoch: number, err: unknown, ms: number): RequestOutcome {
    const code = codeOf(err);
    if (slot.epoch !== epoch) {
      const why: EndReason | undefined = slot.endReason(epoch);
      return why === 'deliberate' ? { kind: 'droppedOnPurpose', code } : { kind: 'connectionLost', code };
    }
    if (code === 'deadline_exceeded' && ms >= this.#options.timeoutMs - 50) return { kind: 'timedOut' };
    return { kind: 'answeredError', code };
  }

  /** Ends the slot's connection after an answer that leaves its state unknown; it starts over. */
  #resync(slot: Slot, what: string): void {
    this.#conn.resyncs++;
    this.#note(`resync of ${slot.describe()} after ${what}`);
    const conn = slot.conn;
    slot.endEpoch('resync');
    slot.conn = undefined;
    void conn?.client.close();
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
    this.#conn.mismatchedReplies++;
    this.#note(`mismatched reply on ${slot.describe()}: ${what}`);
  }

  async #join(slot: Slot, client: Client): Promise<void> {
    const room = pick(this.#rooms);
    const epoch = slot.epoch;
    slot.joining(room);
    slot.note(`join ${room} sent`);
    const answer = await this.#request<{ room: string; server: string }>(slot, client, 'room.join', { room });
    if (slot.epoch !== epoch) return; // the connection ended: the session, and its membership, are gone
    if (!answer.ok) return this.#resync(slot, `failed join of ${room}`);
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
    if (!answer.ok) return this.#resync(slot, 'failed leave');
    slot.note(`leave ${answer.value.room} answered by ${answer.value.server}`);
    slot.left();
  }

  /** Says something in the slot's room; every member joined before and still in after must get it. */
  async #say(slot: Slot, client: Client): Promise<void> {
    const room = slot.room!;
    const members = this.#slots.filter((s) => s.room === room && s.phase !== 'out');
    const before = new Map(members.map((s) => [s.index, { epoch: s.epoch, gen: s.joinGen, wasIn: s.phase === 'in' && !s.lossExpected }]));
    const candidates: Candidate[] = members.map((s) => ({ slot: s.index, epoch: s.epoch }));
    const id = this.pushes.begin('say', slot.index, room, candidates);
    const epoch = slot.epoch;
    const answer = await this.#request<{ room: string; server: string }>(slot, client, 'room.say', { id });
    if (!answer.ok) {
      this.pushes.abandon(id);
      if (slot.epoch === epoch) this.#resync(slot, `failed say in ${room}`);
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
    const id = this.pushes.begin('poke', slot.index, undefined, [{ slot: target.index, epoch }]);
    const answer = await this.#request<{ delivered: boolean }>(slot, client, 'soak.poke', { uid: target.uid, id });
    if (!answer.ok) return this.pushes.abandon(id);
    const stayed = target.connectedSince(epoch) && target.loggedInAt !== undefined;
    if (answer.value.delivered && stayed) return this.pushes.settle(id, [target.index]);
    if (stayed) {
      this.#conn.pokesNotFound++;
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

  /** Every `dropEveryMs`, ends one logged-in client's connection on purpose, alternating the two ways. */
  async #dropper(): Promise<void> {
    let n = 0;
    while (!this.#stopping) {
      await sleep(this.#options.dropEveryMs, undefined, { signal: this.#stopped.signal }).catch(() => undefined);
      if (this.#stopping) return;
      const slot = this.#dropTarget();
      if (!slot) continue;
      if (n++ % 2 === 0) this.#dropSocket(slot);
      else this.#dropClient(slot);
    }
  }

  #dropTarget(): Slot | undefined {
    for (let i = 0; i < 10; i++) {
      const s = pick(this.#slots);
      if (s.ready && !s.lossExpected) return s;
    }
    return undefined;
  }

  /** Closes the socket under the SDK: it reports a disconnect and reconnects to the same gateway. */
  #dropSocket(slot: Slot): void {
    this.#conn.socketDropsOnPurpose++;
    slot.note('socket closed on purpose');
    slot.lossExpected = true;
    slot.conn!.socket?.close();
  }

  /** Closes the client; the loop connects a new one, to a gateway and transport chosen at random. */
  #dropClient(slot: Slot): void {
    this.#conn.freshReconnectsOnPurpose++;
    const conn = slot.conn!;
    slot.endEpoch('deliberate');
    slot.conn = undefined;
    slot.gateway = pick(this.#options.gateways);
    slot.transport = Math.random() < 0.5 ? 'ws' : 'tcp';
    void conn.client.close();
  }
}
