/**
 * B5's load generator: N concurrent callers, each making two-way calls with a 64-byte argument one
 * after another, through Switchyard's RPC over TCP (`createCommunicator`) or NATS (`NatsTransport`),
 * or through `@grpc/grpc-js` unary calls. Warm-up, then a window bounded in time and in calls.
 *
 * Usage: node --import tsx rpc-load.ts '<RpcLoadParams JSON>'
 */
import * as grpc from '@grpc/grpc-js';
import { createCommunicator, defaultTransports, NatsTransport } from '../../src/index.js';
import { loadBenchIdl } from '../harness/bench-idl.js';
import { childParams, emit, listenToParent } from '../harness/child-messages.js';
import { loadEchoService } from '../harness/grpc-echo.js';
import { RPC_TEXT } from '../harness/payloads.js';
import { closeWindow, openWindow } from '../harness/measured-window.js';
import { LatencyRecorder } from '../harness/percentiles.js';
import { RPC_SERVER } from '../harness/rpc-peer.js';

/** What the orchestrator passes. */
export interface RpcLoadParams {
  readonly transport: 'tcp' | 'nats' | 'grpc';
  readonly callers: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly maxCalls: number;
  readonly serverPids: Record<string, number>;
  readonly idlModule: string;
  /** TCP: the server's endpoint. */
  readonly endpoint?: string;
  /** TCP: keep each call's stack for late failures (the communicator's default is true). */
  readonly captureCallSites?: boolean;
  readonly natsUrl?: string;
  /** gRPC: the server's port and the exported `.proto`. */
  readonly grpcPort?: number;
  readonly proto?: string;
}

/** One echo call; resolves with the answer. */
type Call = () => Promise<string>;

const params = childParams<RpcLoadParams>();
listenToParent();
const latencies = new LatencyRecorder();
let calls = 0;
let failures = 0;
let running = true;
let measuring = false;

async function switchyardCall(): Promise<{ call: Call; close: () => Promise<void> }> {
  const idl = await loadBenchIdl(params.idlModule);
  if (params.transport === 'tcp') {
    const communicator = createCommunicator({ transports: defaultTransports(), captureCallSites: params.captureCallSites ?? true });
    const proxy = new idl.EchoProxy(await communicator.connect(params.endpoint!));
    return { call: () => proxy.echo(RPC_TEXT), close: () => communicator.close() };
  }
  const nats = new NatsTransport({ servers: params.natsUrl! });
  const proxy = new idl.EchoProxy(nats.invoker(RPC_SERVER, 0));
  return { call: () => proxy.echo(RPC_TEXT), close: () => nats.close() };
}

function grpcCall(): { call: Call; close: () => Promise<void> } {
  const Echo = loadEchoService(params.proto!);
  const client = new Echo(`127.0.0.1:${params.grpcPort}`, grpc.credentials.createInsecure());
  const call: Call = () =>
    new Promise((resolve, reject) => {
      client.echo({ text: RPC_TEXT }, (err: grpc.ServiceError | null, reply: { value: string }) => (err ? reject(err) : resolve(reply.value)));
    });
  return { call, close: async () => client.close() };
}

/** One caller: the next call starts when the previous one has answered. */
async function caller(call: Call): Promise<void> {
  while (running) {
    const started = performance.now();
    try {
      const answer = await call();
      if (answer.length !== RPC_TEXT.length) throw new Error('wrong answer');
      if (!measuring) continue;
      calls++;
      latencies.record(performance.now() - started);
      if (calls >= params.maxCalls) running = false;
    } catch {
      if (measuring) failures++;
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const { call, close } = params.transport === 'grpc' ? grpcCall() : await switchyardCall();
  await call(); // the connection is up before anyone counts
  const callers = Array.from({ length: params.callers }, () => caller(call));
  await sleep(params.warmupMs);
  measuring = true;
  const window = openWindow(params.serverPids);
  const deadline = window.started + params.durationMs;
  while (running && performance.now() < deadline) await sleep(Math.min(50, deadline - performance.now()));
  measuring = false;
  running = false;
  const figures = closeWindow(window, params.serverPids);
  await Promise.all(callers);
  await close();
  emit('result', { ...figures, calls, failures, latencyMs: latencies.summary() });
  process.exit(0);
}

main().catch((err: unknown) => {
  emit('error', { message: err instanceof Error ? err.stack : String(err) });
  process.exit(1);
});
