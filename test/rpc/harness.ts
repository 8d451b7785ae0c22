/**
 * Test fixtures: a servant and proxies written by hand in the shape the IDL compiler emits (a class
 * with `static operations`, a proxy over an Invoker), with JSON bodies, and a helper that starts a
 * server and a client communicator over each transport with real sockets on 127.0.0.1.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ProxyBase,
  RpcError,
  createCommunicator,
  type CallContext,
  type CallOptions,
  type Communicator,
  type CommunicatorOptions,
  type OperationEntry,
  type OperationRef,
  type RpcConnection,
  type RpcListener,
  type RpcLogger,
  type Adapter,
} from '../../src/rpc/index.js';
import { InProcessHub, defaultTransports } from '../../src/transport/index.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** JSON body codec standing in for the generated protobuf codecs. */
export const json = {
  encode: (v: unknown): Uint8Array => (v === undefined ? new Uint8Array(0) : enc.encode(JSON.stringify(v))),
  decode: <T>(b: Uint8Array): T => (b.length === 0 ? (undefined as T) : (JSON.parse(dec.decode(b)) as T)),
};

function ref(route: string, code: number, oneway = false): OperationRef {
  return { route, code, oneway };
}

/** Operation refs of `test.Server` and `test.ITerminal`. */
export const ops = {
  echo: ref('test.Server.echo', 1),
  add: ref('test.Server.add', 2),
  sleep: ref('test.Server.sleep', 3, true),
  heartbeat: ref('test.Server.heartbeat', 4, true),
  whoami: ref('test.Server.whoami', 5),
  bidirection: ref('test.Server.bidirection', 6, true),
  fail: ref('test.Server.fail', 7),
  value: ref('test.Server.value', 8),
  onMessage: ref('test.ITerminal.onMessage', 1, true),
} as const;

function entry<S>(op: OperationRef, call: (s: S, args: unknown[], ctx: CallContext) => unknown): OperationEntry<S> {
  return {
    ...op,
    invoke(servant, bytes, ctx) {
      const args = json.decode<unknown[]>(bytes) ?? [];
      const result = call(servant, args, ctx);
      if (result instanceof Promise) return result.then((r) => json.encode(r));
      return json.encode(result);
    },
  };
}

/** What the `fail` operation throws, by kind. */
export function failure(kind: string): unknown {
  if (kind === 'plain') return new Error('plain failure');
  if (kind === 'string') return 'a bare string';
  return new RpcError(kind as never, `servant says ${kind}`);
}

/** A `test.Server` servant, hand-written as the compiler would emit its base plus an implementation. */
export class ServerImpl {
  static readonly operations: readonly OperationEntry<ServerImpl>[] = [
    entry(ops.echo, (s, [text]) => s.echo(text as string)),
    entry(ops.add, (s, [a, b]) => (a as number) + (b as number)),
    entry(ops.sleep, (s, [ms], ctx) => s.sleep(ms as number, ctx)),
    entry(ops.heartbeat, (s, [hello], ctx) => s.heartbeat(hello as string, ctx)),
    entry(ops.whoami, (_s, _a, ctx) => ctx.extra),
    entry(ops.bidirection, (s, [text], ctx) => s.bidirection(text as string, ctx)),
    entry(ops.fail, (_s, [kind, async]) => {
      if (async) return Promise.reject(failure(kind as string));
      throw failure(kind as string);
    }),
    entry(ops.value, (_s, [which]) => ({ zero: 0, empty: '', list: [], false: false, null: null })[which as 'zero']),
  ];

  heartbeats: { hello: string; extra: Record<string, string> }[] = [];
  aborted: { route: string; reason: unknown }[] = [];
  #heartbeatWaiters: (() => void)[] = [];

  echo(text: string): string {
    return text;
  }

  /** Waits `ms`, or until the call is given up; records why. */
  async sleep(ms: number, ctx: CallContext): Promise<void> {
    const signal = ctx.signal;
    try {
      await sleep(ms, undefined, { signal });
    } catch {
      this.aborted.push({ route: ctx.route, reason: signal.reason });
    }
  }

  heartbeat(hello: string, ctx: CallContext): void {
    this.heartbeats.push({ hello, extra: ctx.extra });
    for (const w of this.#heartbeatWaiters.splice(0)) w();
  }

  /** Resolves once `n` heartbeats have arrived. */
  async heartbeatsReached(n: number): Promise<void> {
    while (this.heartbeats.length < n) await new Promise<void>((r) => this.#heartbeatWaiters.push(r));
  }

  /** The seed's bidirection: calls the caller's ITerminal back over the same connection. */
  bidirection(text: string, ctx: CallContext): void {
    const terminal = new TerminalProxy(ctx.caller!);
    terminal.onMessage_oneway(`server push: ${text}`);
  }
}

/** The `test.ITerminal` servant a client behind NAT serves. */
export class TerminalImpl {
  static readonly operations: readonly OperationEntry<TerminalImpl>[] = [
    entry(ops.onMessage, (s, [message]) => s.onMessage(message as string)),
  ];
  messages: string[] = [];
  #waiters: (() => void)[] = [];

  onMessage(message: string): void {
    this.messages.push(message);
    for (const w of this.#waiters.splice(0)) w();
  }

  async next(): Promise<string> {
    while (this.messages.length === 0) await new Promise<void>((r) => this.#waiters.push(r));
    return this.messages.shift()!;
  }
}

/** `test.Server` proxy, as generated: trailing options bag, `_oneway` for void methods. */
export class ServerProxy extends ProxyBase {
  async #call<R>(op: OperationRef, args: unknown[], opts?: CallOptions): Promise<R> {
    return json.decode<R>(await this.invoker.call(op, json.encode(args), opts));
  }
  echo(text: string, opts?: CallOptions): Promise<string> {
    return this.#call(ops.echo, [text], opts);
  }
  add(a: number, b: number, opts?: CallOptions): Promise<number> {
    return this.#call(ops.add, [a, b], opts);
  }
  sleep(ms: number, opts?: CallOptions): Promise<void> {
    return this.#call(ops.sleep, [ms], opts);
  }
  sleep_oneway(ms: number, opts?: CallOptions): void {
    this.invoker.send(ops.sleep, json.encode([ms]), opts);
  }
  heartbeat_oneway(hello: string, opts?: CallOptions): void {
    this.invoker.send(ops.heartbeat, json.encode([hello]), opts);
  }
  whoami(opts?: CallOptions): Promise<Record<string, string>> {
    return this.#call(ops.whoami, [], opts);
  }
  bidirection_oneway(text: string, opts?: CallOptions): void {
    this.invoker.send(ops.bidirection, json.encode([text]), opts);
  }
  fail(kind: string, async = false, opts?: CallOptions): Promise<never> {
    return this.#call(ops.fail, [kind, async], opts);
  }
  fail_oneway(kind: string, opts?: CallOptions): void {
    this.invoker.send(ops.fail, json.encode([kind]), opts);
  }
  value(which: string, opts?: CallOptions): Promise<unknown> {
    return this.#call(ops.value, [which], opts);
  }
}

/** `test.ITerminal` proxy. */
export class TerminalProxy extends ProxyBase {
  onMessage_oneway(message: string, opts?: CallOptions): void {
    this.invoker.send(ops.onMessage, json.encode([message]), opts);
  }
}

/** A logger that keeps what it was told. */
export function captureLogger(): RpcLogger & { lines: { level: string; message: string; fields: object }[] } {
  const lines: { level: string; message: string; fields: object }[] = [];
  return {
    lines,
    warn: (fields, message) => lines.push({ level: 'warn', message, fields }),
    error: (fields, message) => lines.push({ level: 'error', message, fields }),
  };
}

export const TRANSPORTS = ['tcp', 'ws', 'inproc'] as const;
export type TransportKind = (typeof TRANSPORTS)[number];

let inprocSeq = 0;

/** An endpoint to listen on for `kind`, with port 0 for the socket transports. */
export function endpointFor(kind: TransportKind): string {
  if (kind === 'tcp') return 'tcp://127.0.0.1:0';
  if (kind === 'ws') return 'ws://127.0.0.1:0/rpc';
  return `inproc://test-${++inprocSeq}`;
}

export interface Pair {
  server: Communicator;
  client: Communicator;
  servant: ServerImpl;
  adapter: Adapter;
  listener: RpcListener;
  conn: RpcConnection;
  proxy: ServerProxy;
  serverLog: ReturnType<typeof captureLogger>;
  clientLog: ReturnType<typeof captureLogger>;
  /** The server side of the one connection, once accepted. */
  serverConn(): Promise<RpcConnection>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A server communicator serving `ServerImpl` and a client connected to it over `kind`. */
export async function startPair(
  kind: TransportKind,
  options: { server?: CommunicatorOptions; client?: CommunicatorOptions; clientAdapter?: Adapter } = {},
): Promise<Pair> {
  const hub = new InProcessHub();
  const serverLog = captureLogger();
  const clientLog = captureLogger();
  const server = createCommunicator({ transports: defaultTransports({ hub }), logger: serverLog, ...options.server });
  const client = createCommunicator({ transports: defaultTransports({ hub }), logger: clientLog, ...options.client });
  const servant = new ServerImpl();
  const adapter = server.createAdapter('test').add(servant);
  const listener = await server.listen(endpointFor(kind), adapter);
  const conn = await client.connect(listener.endpoint, { adapter: options.clientAdapter });
  const close = async () => {
    await client.close();
    await server.close();
  };
  return {
    server,
    client,
    servant,
    adapter,
    listener,
    conn,
    proxy: new ServerProxy(conn),
    serverLog,
    clientLog,
    async serverConn() {
      while (listener.connections.size === 0) await sleep(1);
      return [...listener.connections][0]!;
    },
    [Symbol.asyncDispose]: close,
  };
}

/** Rejects unless `p` rejects with an RpcError of `code`; returns the error. */
export async function rejectsWith(p: Promise<unknown>, code: string): Promise<RpcError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof RpcError && err.code === code) return err;
    throw new Error(`expected RpcError ${code}, got ${String(err)}`, { cause: err });
  }
  throw new Error(`expected RpcError ${code}, but it resolved`);
}

/** A logger that drops everything. */
export const silent: RpcLogger = { warn: () => {}, error: () => {} };
