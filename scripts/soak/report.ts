/**
 * The soak report: the figures as JSON (`soak-report.json`), a verdict listing every figure that
 * breaks the promise "nothing lost, nothing failed that the run did not cause, no heap growth
 * beyond noise", and the same figures as text for a terminal.
 */
import type { LogTally } from './cluster.js';
import type { FaultLine } from './faults.js';
import type { ConnectionSummary } from './links.js';
import type { Checkpoint, Memory, ServerCounters } from './metrics.js';
import type { PushSummary } from './pushes.js';
import type { RequestSummary } from './requests.js';

/** Heap growth (after a full collection) above both of these is reported as a problem. */
const HEAP_GROWTH_LIMIT_MB = 8;
const HEAP_GROWTH_LIMIT_RATIO = 0.25;

/** The figures of one server process (a gateway worker is one: `gate1_0`). */
export interface ProcessReport {
  id: string;
  /** The server of the config it belongs to (`gate1` for `gate1_0`). */
  server: string;
  role: string;
  pid: number | undefined;
  /** Times a fault killed and restarted it; its memory checkpoints then compare different processes. */
  restarts: number;
  start: Checkpoint | undefined;
  end: Checkpoint | undefined;
  /** Raw memory sampled during the run, for the trend between the checkpoints. */
  samples: Memory[];
  counters: ServerCounters | undefined;
  log: LogTally;
  /** Exit code after the run's SIGTERM (`killed` if it had to be SIGKILLed); set when it died early too. */
  exit: number | string | null | undefined;
  /** Set when the process exited before the run stopped it. */
  diedDuringRun: string | undefined;
}

/** The whole report. */
export interface SoakReport {
  startedAt: string;
  settings: {
    minutes: number;
    clients: number;
    rooms: number;
    thinkMs: readonly [number, number];
    dropEveryMs: number;
    timeoutMs: number;
    warmupSeconds: number;
    pauseBackendSeconds: number;
    faults: readonly string[];
    faultEverySeconds: number;
    resumableShare: number;
    tls: boolean;
    gatewayWorkers: number;
    transport: string;
    /** TCP pools' connections per peer, when the run set it. */
    poolSize?: number | undefined;
  };
  /** Clients whose sessions are resumable. */
  resumableClients: number;
  /** The faults injected, in order. */
  faults: FaultLine[];
  loadSeconds: number;
  /** The machine: other work on it shows in latency, so the run records how busy it was. */
  host: { cpus: number; loadAverageAtStart: number[]; loadAverageAtEnd: number[]; node: string };
  source: { commit: string; srcModified: boolean };
  requests: RequestSummary;
  pushes: PushSummary;
  connections: ConnectionSummary;
  processes: ProcessReport[];
  verdict: { ok: boolean; problems: string[] };
}

/** Every figure that breaks the run's promise, in words; empty when the run is clean. */
export function problemsOf(report: Omit<SoakReport, 'verdict'>): string[] {
  const problems: string[] = [];
  const { requests: r, pushes: p, connections: c } = report;
  if (r.answered === 0) problems.push('no request was answered');
  if (r.timedOut > 0) problems.push(`${r.timedOut} requests got no reply within the deadline`);
  for (const [code, n] of Object.entries(r.answeredWithError)) problems.push(`${n} requests answered with error ${code}`);
  for (const [code, n] of Object.entries(r.failedByUnexpectedDisconnect)) problems.push(`${n} requests failed (${code}) on connections the run did not close`);
  if (p.lost > 0) problems.push(`${p.lost} of ${p.expected} expected pushes lost to clients that stayed connected`);
  if (p.duplicates > 0) problems.push(`${p.duplicates} pushes delivered twice`);
  if (p.misdelivered > 0) problems.push(`${p.misdelivered} pushes delivered to clients that should not get them`);
  if (c.pokesNotFound > 0) problems.push(`${c.pokesNotFound} pokes answered delivered=false for users logged in throughout`);
  if (c.mismatchedReplies > 0) problems.push(`${c.mismatchedReplies} replies did not match their request`);
  if (c.unexpectedDisconnects + c.unexpectedCloses > 0) problems.push(`${c.unexpectedDisconnects + c.unexpectedCloses} connections ended without the run closing them`);
  for (const [reason, n] of Object.entries(c.kicks)) problems.push(`${n} clients kicked: ${reason}`);
  for (const [code, n] of Object.entries(c.connectFailures)) problems.push(`${n} connects failed with ${code}`);
  if (p.outOfOrder > 0) problems.push(`${p.outOfOrder} pushes arrived after a later one from the same sender`);
  for (const [key, n] of Object.entries(c.resumes)) {
    if (key.startsWith('deliberate:') && key !== 'deliberate:resumed' && !key.endsWith(' on a sibling worker')) problems.push(`${n} resumable sessions whose socket the run closed came back as ${key.slice(11)}, not whole`);
  }
  for (const f of report.faults) if (f.error) problems.push(`${f.target} did not come back after ${f.kind}: ${f.error}`);
  for (const proc of report.processes) problems.push(...processProblems(proc));
  return problems;
}

function processProblems(p: ProcessReport): string[] {
  const problems: string[] = [];
  if (p.diedDuringRun) problems.push(`${p.id} died during the run: ${p.diedDuringRun}`);
  if (p.log.errors > 0) problems.push(`${p.id} logged ${p.log.errors} errors`);
  if (p.exit !== 0 && p.exit !== undefined) problems.push(`${p.id} exited with ${String(p.exit)} when stopped`);
  const growth = p.restarts > 0 ? undefined : heapGrowthMB(p);
  const base = p.start?.heapUsedAfterGcMB;
  if (growth !== undefined && base !== undefined && growth > HEAP_GROWTH_LIMIT_MB && growth > base * HEAP_GROWTH_LIMIT_RATIO) {
    problems.push(`${p.id} heap after GC grew ${growth.toFixed(1)} MB (from ${base} MB)`);
  }
  return problems;
}

/** Heap growth after a full collection between the start and end checkpoints, in MB. */
function heapGrowthMB(p: ProcessReport): number | undefined {
  const a = p.start?.heapUsedAfterGcMB;
  const b = p.end?.heapUsedAfterGcMB;
  return a === undefined || b === undefined ? undefined : Math.round((b - a) * 10) / 10;
}

/** Adds the verdict. */
export function withVerdict(report: Omit<SoakReport, 'verdict'>): SoakReport {
  const problems = problemsOf(report);
  return { ...report, verdict: { ok: problems.length === 0, problems } };
}

function codes(record: Record<string, number>): string {
  const entries = Object.entries(record);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k} ${v}`).join(', ');
}

function memoryLine(label: string, m: Checkpoint | undefined): string {
  if (!m) return `${label}: not measured`;
  const gc = m.heapUsedAfterGcMB === undefined ? 'n/a' : `${m.heapUsedAfterGcMB} MB`;
  return `${label}: RSS ${m.rssMB} MB, heap used ${m.heapUsedMB} MB (after GC ${gc}) of ${m.heapTotalMB} MB`;
}

function processLines(p: ProcessReport): string[] {
  const growth = heapGrowthMB(p);
  const c = p.counters;
  return [
    `  ${p.id} (${p.role}, pid ${p.pid ?? '?'}${p.restarts > 0 ? `, restarted ${p.restarts} times by faults: memory start and end are different processes` : ''})`,
    `    ${memoryLine('start', p.start)}`,
    `    ${memoryLine('end  ', p.end)}`,
    `    heap after GC growth: ${growth === undefined ? 'n/a' : `${growth} MB`}; RSS growth: ${p.start && p.end ? `${(p.end.rssMB - p.start.rssMB).toFixed(1)} MB` : 'n/a'}`,
    `    server errors by code: ${c ? codes(c.errorsByCode) : 'n/a'}; send-queue drops: ${c?.sendQueueDrops ?? 'n/a'}; event-loop lag p99: ${c?.eventLoopLagP99Ms ?? 'n/a'} ms`,
    `    log: ${p.log.warnings} warnings, ${p.log.errors} errors; exit: ${String(p.exit)}${p.diedDuringRun ? `; DIED: ${p.diedDuringRun}` : ''}`,
  ];
}

/** The report as text. */
export function formatReport(r: SoakReport): string {
  const q = r.requests;
  const p = r.pushes;
  const c = r.connections;
  const s = r.settings;
  const lines = [
    `soak: ${s.minutes} min, ${s.clients} clients, ${s.rooms} rooms, think ${s.thinkMs[0]}-${s.thinkMs[1]} ms, a deliberate disconnect every ${s.dropEveryMs} ms, warm-up ${s.warmupSeconds} s`,
    ...(s.pauseBackendSeconds > 0 ? [`fault injected: backend soak1 paused (SIGSTOP) ${s.pauseBackendSeconds} s, a third into the run`] : []),
    ...(s.faults.length > 0 ? [`faults: ${s.faults.join(', ')}, one every ${s.faultEverySeconds} s; injected: ${r.faults.map((f) => `${f.kind} ${f.target} at ${Math.round(f.atMs / 1000)} s (back in ${f.downMs ?? '?'} ms)`).join('; ') || 'none'}`] : []),
    `clients: ${r.resumableClients} with resumable sessions; TLS ${s.tls ? 'on gate1/tcp and gate2/ws' : 'off'}; gate1 workers ${s.gatewayWorkers}; between servers ${s.transport}${s.poolSize === undefined ? '' : ` (pools of ${s.poolSize})`}; request deadline ${s.timeoutMs} ms`,
    `source: commit ${r.source.commit}${r.source.srcModified ? ' with uncommitted changes in src/' : ''}`,
    `host: ${r.host.cpus} CPUs, Node ${r.host.node}, load average ${r.host.loadAverageAtStart.join(' ')} at the start, ${r.host.loadAverageAtEnd.join(' ')} at the end`,
    `requests: ${q.sent} sent, ${q.answered} answered (${q.answeredOk} ok), ${q.inFlightAtEnd} in flight at the end`,
    `  answered with error: ${codes(q.answeredWithError)}; no reply in time: ${q.timedOut}`,
    `  failed by deliberate disconnects: ${codes(q.failedByDeliberateDisconnect)}; by faults: ${codes(q.failedByFault)}; by other disconnects: ${codes(q.failedByUnexpectedDisconnect)}`,
    `  latency ms: p50 ${q.latencyMs.p50}, p90 ${q.latencyMs.p90}, p99 ${q.latencyMs.p99}, p99.9 ${q.latencyMs.p999}, max ${q.latencyMs.max}`,
    `pushes: ${p.expected} expected, ${p.delivered} delivered, ${p.lost} lost (say ${p.byKind.say.lost}, poke ${p.byKind.poke.lost})`,
    `  not required: ${p.receiverDisconnected} to receivers whose session ended (${p.receiverLostToFault} by a gateway kill), ${p.missedOverResync} missed over a resync, ${p.lostToNatsRestart} caused while NATS restarted, ${p.optionalDelivered + p.optionalNotDelivered} to members joining/leaving (${p.optionalDelivered} arrived), ${p.extra} extra to late joiners`,
    `  duplicates ${p.duplicates}, out of order ${p.outOfOrder}, misdelivered ${p.misdelivered}; events: ${p.byKind.say.events} says, ${p.byKind.poke.events} pokes`,
    `connections: ${c.socketDropsOnPurpose} sockets dropped and ${c.freshReconnectsOnPurpose} clients replaced on purpose, ${c.sdkReconnects} SDK reconnects`,
    `  lost to faults: ${c.lostToFault}; resumable sessions after a reconnect: ${codes(c.resumes)}; connect failures while the gateway was down: ${codes(c.connectFailuresWhileGatewayDown)}`,
    `  unexpected: ${c.unexpectedDisconnects} disconnects, ${c.unexpectedCloses} closes, kicks: ${codes(c.kicks)}, connect failures: ${codes(c.connectFailures)}, client error events: ${codes(c.clientErrorEvents)}`,
    `  mismatched replies ${c.mismatchedReplies}, pokes not found ${c.pokesNotFound}, state reloads ${c.stateReloads}`,
    'processes:',
    ...r.processes.flatMap(processLines),
    r.verdict.ok ? 'verdict: OK' : `verdict: ${r.verdict.problems.length} problems`,
    ...r.verdict.problems.map((x) => `  - ${x}`),
  ];
  return lines.join('\n');
}
