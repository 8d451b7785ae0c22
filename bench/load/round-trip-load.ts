/**
 * B1's load generator: C closed-loop WebSocket clients, each sending a request and sending the next
 * only when the reply arrives. It warms up, then measures a window bounded in time and in replies,
 * reading the servers' CPU time from /proc at the window's edges so the figure per server
 * CPU-second does not depend on how fast this process is.
 *
 * Usage: node --import tsx round-trip-load.ts '<RoundTripParams JSON>'
 */
import { childParams, emit, listenToParent } from '../harness/child-messages.js';
import { closeWindow, openWindow, type WindowFigures } from '../harness/measured-window.js';
import type { LatencySummary } from '../harness/percentiles.js';
import { rssBytes } from '../harness/proc-stats.js';
import { ClosedLoopClients } from './closed-loop-clients.js';

/** What the orchestrator passes. */
export interface RoundTripParams {
  readonly url: string;
  readonly clients: number;
  /** Speak pomelo (handshake, requests, responses); false for the raw echo server. */
  readonly pomelo: boolean;
  readonly route: string;
  /** Request body, base64. */
  readonly body: string;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** The measured window also ends after this many replies. */
  readonly maxReplies: number;
  /** Server processes to charge, name → pid. */
  readonly serverPids: Record<string, number>;
}

/** What the generator reports. */
export interface RoundTripOutcome extends WindowFigures {
  readonly replies: number;
  readonly errors: number;
  readonly rssByProcess: Record<string, number>;
  readonly latencyMs: LatencySummary;
}

const params = childParams<RoundTripParams>();
listenToParent();

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const body = Buffer.from(params.body, 'base64');
  const clients = await ClosedLoopClients.connect(params.url, params.clients, params.route, body, { pomelo: params.pomelo, maxReplies: params.maxReplies });
  emit('connected', { clients: params.clients });
  clients.start();
  await sleep(params.warmupMs);
  clients.openWindow();
  const window = openWindow(params.serverPids);
  const deadline = window.started + params.durationMs;
  while (clients.running && performance.now() < deadline) await sleep(Math.min(50, deadline - performance.now()));
  const counted = clients.closeWindow();
  const figures = closeWindow(window, params.serverPids);
  const rssByProcess: Record<string, number> = {};
  for (const [name, pid] of Object.entries(params.serverPids)) rssByProcess[name] = rssBytes(pid);
  // Let the last requests land before closing, so the servers log no aborted calls.
  await clients.stop();
  const outcome: RoundTripOutcome = { ...figures, replies: counted.replies, errors: counted.errors, rssByProcess, latencyMs: counted.latencyMs };
  emit('result', { ...outcome });
  process.exit(0);
}

main().catch((err: unknown) => {
  emit('error', { message: err instanceof Error ? err.stack : String(err) });
  process.exit(1);
});
