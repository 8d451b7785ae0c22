/**
 * `npm run soak -- --minutes N`: a cluster under steady mixed load for N minutes (default 10;
 * fractions allowed), then a report of requests, pushes, errors and memory (stdout and
 * `soak-report.json`). It starts etcd, NATS and Redis, two gateways and two backends as separate
 * processes on 127.0.0.1, runs the load of scripts/soak/load.ts, and kills every process it
 * started when it ends, fails, or is interrupted. Exit code: 0 clean, 1 the verdict found
 * problems, 2 the run itself failed, 130 interrupted.
 *
 * Options (scripts/soak/settings.ts): --minutes N, --clients N (200), --rooms N (10), --think-ms
 * MIN-MAX (150-450), --drop-every-ms N (1000), --report FILE (soak-report.json), --timeout-ms N.
 * Faults, not load: --pause-backend SECONDS (a third into the run, backend soak1 is stopped with
 * SIGSTOP that long and then continued); --kill-backend, --kill-gateway, --restart-nats (in turn,
 * one every --fault-every SECONDS, a process SIGKILLed and started again); --resumable SHARE
 * (clients with resumable sessions), --tls (gate1's TCP and gate2's WebSocket port over TLS),
 * --gateway-workers N (gate1 as N node:cluster workers); --faults turns all of them on.
 * --transport tcp: servers call each other over TCP pools instead of NATS (no NATS restarts then);
 * --pool-size N: connections per peer of those pools (the transport's default, 1, otherwise).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestCa } from '../test/support/test-certs.js';
import { collectGarbage, instancesOf, killAll, planCluster, startCluster, startInfrastructure, stopCluster, stopInfrastructure, type ClusterShape, type Infrastructure, type ServerProc } from './soak/cluster.js';
import { FaultLog, injectFaults } from './soak/faults.js';
import { Load, type LoadOptions } from './soak/load.js';
import { checkpoint, counters, memory, type Checkpoint } from './soak/metrics.js';
import { formatReport, withVerdict, type ProcessReport, type SoakReport } from './soak/report.js';
import { parseSettings, type Settings } from './soak/settings.js';

/** Time allowed beyond the load for starting, draining and stopping before the run gives up, in ms. */
const OVERHEAD_LIMIT_MS = 5 * 60_000;

/** Progress goes to stderr, so stdout holds only the report. */
function progress(text: string): void {
  process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
}

/** Ctrl-C or SIGTERM: every child is killed by the exit hooks; the report is not written. */
function exitOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      progress(`${signal}: killing every process of the run`);
      killAll();
      process.exit(130);
    });
  }
}

/** Every process of the servers (gateway workers each), with its admin URL. */
function instances(procs: readonly ServerProc[]): { id: string; adminUrl: string; proc: ServerProc }[] {
  return procs.flatMap((proc) => instancesOf(proc.plan).map((i) => ({ ...i, proc })));
}

/** Checkpoints every server process at once (each collects its garbage first). */
async function checkpointAll(procs: readonly ServerProc[]): Promise<Map<string, Checkpoint | undefined>> {
  const all = instances(procs);
  const taken = await Promise.all(all.map((i) => checkpoint(i.adminUrl, () => collectGarbage(i.proc)).catch(() => undefined)));
  return new Map(all.map((i, n) => [i.id, taken[n]]));
}

/** Per-process figures, filled in as the run goes. */
function processReports(procs: readonly ServerProc[]): Map<string, ProcessReport> {
  const reports = new Map<string, ProcessReport>();
  for (const { id, proc: p } of instances(procs)) {
    const report: ProcessReport = { id, server: p.plan.id, role: p.plan.role, pid: p.child.pid, restarts: 0, start: undefined, end: undefined, samples: [], counters: undefined, log: p.log, exit: undefined, diedDuringRun: undefined };
    reports.set(id, report);
  }
  return reports;
}

/** Marks a server that exits before the run stops it, unless a fault killed it. */
function watchForDeath(p: ServerProc, reports: Map<string, ProcessReport>, stopping: () => boolean): void {
  void p.exited.then((code) => {
    if (stopping() || p.killedOnPurpose) return;
    const why = `exit ${code ?? p.child.signalCode} at ${new Date().toISOString()}`;
    for (const r of reports.values()) if (r.server === p.plan.id) r.diedDuringRun = why;
    progress(`${p.plan.id} died: ${why}`);
  });
}

/** One line of progress during the load. */
function status(load: Load, elapsedMs: number): string {
  const r = load.requests.summary();
  const t = load.pushes.total;
  return `${Math.round(elapsedMs / 1000)} s: ${load.readyClients} clients ready, requests ${r.sent} sent / ${r.answered} answered / ${r.unexplainedFailures} failed, pushes judged so far ${t.delivered} delivered / ${t.lost} lost`;
}

/** What the faults act on, besides the servers. */
interface FaultContext {
  readonly log: FaultLog;
  readonly configFile: string;
  readonly nats: Infrastructure['nats'];
}

/** Runs the load for the whole duration: memory checkpoints after warm-up and at the end, samples between; faults meanwhile. */
async function runLoad(load: Load, settings: Settings, procs: ServerProc[], reports: Map<string, ProcessReport>, faults: FaultContext): Promise<number> {
  const durationMs = settings.minutes * 60_000;
  const warmupMs = Math.min(30_000, durationMs * 0.1);
  const sampleEveryMs = Math.max(5_000, durationMs / 20);
  const started = Date.now();
  load.start();
  const fault = settings.pauseBackendSec > 0 ? pauseBackend(procs, durationMs / 3, settings.pauseBackendSec * 1000) : undefined;
  const faultsDone = new AbortController();
  const injecting = injectFaults(settings.faults, settings.faultEverySec * 1000, { configFile: faults.configFile, procs, nats: faults.nats }, faults.log, faultsDone.signal, progress);
  await sleep(warmupMs);
  progress(`warm-up done (${warmupMs / 1000} s): ${status(load, Date.now() - started)}; memory checkpoint`);
  for (const [id, c] of await checkpointAll(procs)) reports.get(id)!.start = c;
  let nextSample = Date.now();
  while (Date.now() - started < durationMs) {
    if (Date.now() >= nextSample) {
      nextSample += sampleEveryMs;
      await sampleMemory(procs, reports);
      progress(status(load, Date.now() - started));
    }
    await sleep(Math.min(1000, Math.max(0, durationMs - (Date.now() - started))));
  }
  faultsDone.abort();
  await Promise.all([fault, injecting]);
  progress(`load time is up: ${status(load, Date.now() - started)}; memory checkpoint under load`);
  for (const [id, c] of await checkpointAll(procs)) reports.get(id)!.end = c;
  return (Date.now() - started) / 1000;
}

/** The --pause-backend fault: SIGSTOP on soak1 after `afterMs`, SIGCONT `forMs` later. */
async function pauseBackend(procs: readonly ServerProc[], afterMs: number, forMs: number): Promise<void> {
  const victim = procs.find((p) => p.plan.id === 'soak1')!;
  await sleep(afterMs);
  progress(`fault: soak1 stopped (SIGSTOP) for ${forMs / 1000} s`);
  victim.child.kill('SIGSTOP');
  await sleep(forMs);
  victim.child.kill('SIGCONT');
  progress('fault: soak1 continued (SIGCONT)');
}

async function sampleMemory(procs: readonly ServerProc[], reports: Map<string, ProcessReport>): Promise<void> {
  await Promise.all(
    instances(procs).map(async (i) => {
      const m = await memory(i.adminUrl).catch(() => undefined);
      if (m) reports.get(i.id)!.samples.push(m);
    }),
  );
}

/** With --tls: a throwaway CA and a certificate for 127.0.0.1 it signs, removed when the run exits. */
function makeCertificate(settings: Settings): { shape: ClusterShape['tls']; caPem: string | undefined } {
  if (!settings.tls) return { shape: undefined, caPem: undefined };
  const ca = new TestCa();
  process.on('exit', () => ca.remove());
  const cert = ca.issue('soak-gateway');
  return { shape: { certFile: cert.certFile, keyFile: cert.keyFile }, caPem: ca.pem };
}

/** The whole run; resolves with the exit code. */
async function main(): Promise<number> {
  const settings: Settings = parseSettings(process.argv.slice(2));
  exitOnSignals();
  const limit = setTimeout(() => {
    progress('the run overran its time limit; killing everything');
    killAll();
    process.exit(2);
  }, settings.minutes * 60_000 + OVERHEAD_LIMIT_MS);
  limit.unref();
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = loadAverage();
  const source = sourceVersion();
  const tls = makeCertificate(settings);
  progress('starting etcd, NATS and Redis');
  const infra = await startInfrastructure();
  const plan = await planCluster(infra, { tls: tls.shape, resume: settings.resumable > 0, gatewayWorkers: settings.gatewayWorkers, transport: settings.transport, poolSize: settings.poolSize });
  progress('starting gate1, gate2, soak1, soak2');
  const procs = await startCluster(plan);
  const reports = processReports(procs);
  let stopping = false;
  for (const p of procs) watchForDeath(p, reports, () => stopping);
  const gateways = plan.servers.filter((s) => s.role === 'gateway').map((s) => ({ id: s.id, ws: s.ws!, tcp: s.tcp!, wsTls: s.wsTls, tcpTls: s.tcpTls }));
  const loadOptions: LoadOptions = {
    gateways,
    clients: settings.clients,
    rooms: settings.rooms,
    thinkMs: settings.thinkMs,
    dropEveryMs: settings.dropEveryMs,
    timeoutMs: settings.timeoutMs,
    resumable: settings.resumable,
    resumeOffered: settings.resumable > 0,
    caPem: tls.caPem,
  };
  progress(`cluster up; load for ${settings.minutes} min with ${settings.clients} clients${settings.faults.length > 0 ? `; faults: ${settings.faults.join(', ')}` : ''}`);
  const faultLog = new FaultLog(Date.now());
  const load = new Load(loadOptions, faultLog);
  const watched = new Set(procs);
  const rewatch = setInterval(() => {
    for (const p of procs) if (!watched.has(p)) (watched.add(p), watchForDeath(p, reports, () => stopping));
  }, 100);
  const loadSeconds = await runLoad(load, settings, procs, reports, { log: faultLog, configFile: plan.configFile, nats: infra.nats });
  clearInterval(rewatch);
  for (const r of reports.values()) r.restarts = faultLog.windows.filter((w) => w.target === r.server).length;
  const loadAverageAtEnd = loadAverage();
  progress('stopping the load and waiting for pushes in flight');
  await load.stop();
  for (const i of instances(procs)) reports.get(i.id)!.counters = await counters(i.adminUrl).catch(() => undefined);
  stopping = true;
  progress('stopping the cluster');
  for (const [id, code] of Object.entries(await stopCluster(procs))) for (const r of reports.values()) if (r.server === id) r.exit = code;
  await stopInfrastructure(infra);
  const report = withVerdict({
    startedAt,
    settings: {
      minutes: settings.minutes,
      clients: settings.clients,
      rooms: settings.rooms,
      thinkMs: settings.thinkMs,
      dropEveryMs: settings.dropEveryMs,
      timeoutMs: settings.timeoutMs,
      warmupSeconds: Math.min(30, settings.minutes * 6),
      pauseBackendSeconds: settings.pauseBackendSec,
      faults: settings.faults,
      faultEverySeconds: settings.faultEverySec,
      resumableShare: settings.resumable,
      tls: settings.tls,
      gatewayWorkers: settings.gatewayWorkers,
      transport: settings.transport,
      poolSize: settings.poolSize,
    },
    resumableClients: load.resumableClients,
    faults: faultLog.summary(),
    loadSeconds: Math.round(loadSeconds),
    host: { cpus: availableParallelism(), loadAverageAtStart, loadAverageAtEnd, node: process.version },
    source,
    requests: load.requests.summary(),
    pushes: load.pushes.summary(),
    connections: load.connections(),
    processes: [...reports.values()],
  });
  writeReport(report, settings.reportFile);
  return report.verdict.ok ? 0 : 1;
}

/** The commit the run started from, and whether src/ had changes not committed (others may be editing it). */
function sourceVersion(): { commit: string; srcModified: boolean } {
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return { commit: git('rev-parse', '--short', 'HEAD'), srcModified: git('status', '--porcelain', '--', 'src') !== '' };
  } catch {
    return { commit: 'unknown', srcModified: false };
  }
}

/** The 1, 5 and 15 minute load averages, rounded. */
function loadAverage(): number[] {
  return loadavg().map((n) => Math.round(n * 100) / 100);
}

function writeReport(report: SoakReport, file: string): void {
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${formatReport(report)}\nreport written to ${file}\n`);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    progress(`the run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    killAll();
    process.exit(2);
  },
);
