/**
 * `npm run soak -- --minutes N`: a cluster under steady mixed load for N minutes (default 10;
 * fractions allowed), then a report of requests, pushes, errors and memory (stdout and
 * `soak-report.json`). It starts etcd, NATS and Redis, two gateways and two backends as separate
 * processes on 127.0.0.1, runs the load of scripts/soak/load.ts, and kills every process it
 * started when it ends, fails, or is interrupted. Exit code: 0 clean, 1 the verdict found
 * problems, 2 the run itself failed, 130 interrupted.
 *
 * Options: --minutes N, --clients N (200), --rooms N (10), --think-ms MIN-MAX (150-450),
 * --drop-every-ms N (1000), --report FILE (soak-report.json), --pause-backend SECONDS (off): a
 * fault, not load: a third into the run, backend soak1 is stopped (SIGSTOP) that long and then
 * continued, as a long GC pause or a frozen VM would; past the etcd lease TTL (10 s) it drops out
 * of the membership and comes back.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { collectGarbage, killAll, planCluster, startCluster, startInfrastructure, stopCluster, stopInfrastructure, type ServerProc } from './soak/cluster.js';
import { Load, type LoadOptions } from './soak/load.js';
import { checkpoint, counters, memory, type Checkpoint } from './soak/metrics.js';
import { formatReport, withVerdict, type ProcessReport, type SoakReport } from './soak/report.js';

/** Run settings after parsing. */
interface Settings {
  readonly minutes: number;
  readonly clients: number;
  readonly rooms: number;
  readonly thinkMs: readonly [number, number];
  readonly dropEveryMs: number;
  readonly reportFile: string;
  /** Seconds backend soak1 is paused a third into the run; 0 = no fault. */
  readonly pauseBackendSec: number;
}

/** Request deadline of the clients, in ms. */
const TIMEOUT_MS = 10_000;
/** Time allowed beyond the load for starting, draining and stopping before the run gives up, in ms. */
const OVERHEAD_LIMIT_MS = 5 * 60_000;

function number(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number in ${min}..${max}, got ${value}`);
  return n;
}

/** Parses the command line; throws on anything unknown or out of range. */
function parseSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      minutes: { type: 'string' },
      clients: { type: 'string' },
      rooms: { type: 'string' },
      'think-ms': { type: 'string' },
      'drop-every-ms': { type: 'string' },
      report: { type: 'string' },
      'pause-backend': { type: 'string' },
    },
    strict: true,
  });
  const think = /^(\d+)-(\d+)$/.exec(values['think-ms'] ?? '150-450');
  if (!think || Number(think[1]) > Number(think[2])) throw new Error(`--think-ms must be MIN-MAX in ms, got ${values['think-ms']}`);
  return {
    minutes: number(values.minutes, 'minutes', 10, 0.05, 24 * 60),
    clients: Math.round(number(values.clients, 'clients', 200, 2, 5000)),
    rooms: Math.round(number(values.rooms, 'rooms', 10, 1, 1000)),
    thinkMs: [Number(think[1]), Number(think[2])],
    dropEveryMs: number(values['drop-every-ms'], 'drop-every-ms', 1000, 50, 3_600_000),
    reportFile: resolve(values.report ?? 'soak-report.json'),
    pauseBackendSec: number(values['pause-backend'], 'pause-backend', 0, 0, 600),
  };
}

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

/** Checkpoints every server at once (each collects its garbage first). */
async function checkpointAll(procs: readonly ServerProc[]): Promise<Map<string, Checkpoint | undefined>> {
  const taken = await Promise.all(procs.map((p) => checkpoint(p.adminUrl, () => collectGarbage(p)).catch(() => undefined)));
  return new Map(procs.map((p, i) => [p.plan.id, taken[i]]));
}

/** Per-process figures, filled in as the run goes. */
function processReports(procs: readonly ServerProc[]): Map<string, ProcessReport> {
  const reports = new Map<string, ProcessReport>();
  for (const p of procs) {
    const report: ProcessReport = { id: p.plan.id, role: p.plan.role, pid: p.child.pid, start: undefined, end: undefined, samples: [], counters: undefined, log: p.log, exit: undefined, diedDuringRun: undefined };
    reports.set(p.plan.id, report);
  }
  return reports;
}

/** Marks servers that exit before the run stops them. */
function watchForDeaths(procs: readonly ServerProc[], reports: Map<string, ProcessReport>, stopping: () => boolean): void {
  for (const p of procs) {
    void p.exited.then((code) => {
      if (stopping()) return;
      const why = `exit ${code ?? p.child.signalCode} at ${new Date().toISOString()}`;
      reports.get(p.plan.id)!.diedDuringRun = why;
      progress(`${p.plan.id} died: ${why}`);
    });
  }
}

/** One line of progress during the load. */
function status(load: Load, elapsedMs: number): string {
  const r = load.requests.summary();
  const t = load.pushes.total;
  return `${Math.round(elapsedMs / 1000)} s: ${load.readyClients} clients ready, requests ${r.sent} sent / ${r.answered} answered / ${r.unexplainedFailures} failed, pushes judged so far ${t.delivered} delivered / ${t.lost} lost`;
}

/** Runs the load for the whole duration: memory checkpoints after warm-up and at the end, samples between. */
async function runLoad(load: Load, settings: Settings, procs: readonly ServerProc[], reports: Map<string, ProcessReport>): Promise<number> {
  const durationMs = settings.minutes * 60_000;
  const warmupMs = Math.min(30_000, durationMs * 0.1);
  const sampleEveryMs = Math.max(5_000, durationMs / 20);
  const started = Date.now();
  load.start();
  const fault = settings.pauseBackendSec > 0 ? pauseBackend(procs, durationMs / 3, settings.pauseBackendSec * 1000) : undefined;
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
  await fault;
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
    procs.map(async (p) => {
      const m = await memory(p.adminUrl).catch(() => undefined);
      if (m) reports.get(p.plan.id)!.samples.push(m);
    }),
  );
}

/** The whole run; resolves with the exit code. */
async function main(): Promise<number> {
  const settings = parseSettings(process.argv.slice(2));
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
  progress('starting etcd, NATS and Redis');
  const infra = await startInfrastructure();
  const plan = await planCluster(infra);
  progress('starting gate1, gate2, soak1, soak2');
  const procs = await startCluster(plan);
  const reports = processReports(procs);
  let stopping = false;
  watchForDeaths(procs, reports, () => stopping);
  const gateways = plan.servers.filter((s) => s.role === 'gateway').map((s) => ({ id: s.id, ws: s.ws!, tcp: s.tcp! }));
  const loadOptions: LoadOptions = { gateways, clients: settings.clients, rooms: settings.rooms, thinkMs: settings.thinkMs, dropEveryMs: settings.dropEveryMs, timeoutMs: TIMEOUT_MS };
  progress(`cluster up; load for ${settings.minutes} min with ${settings.clients} clients`);
  const load = new Load(loadOptions);
  const loadSeconds = await runLoad(load, settings, procs, reports);
  const loadAverageAtEnd = loadAverage();
  progress('stopping the load and waiting for pushes in flight');
  await load.stop();
  for (const p of procs) reports.get(p.plan.id)!.counters = await counters(p.adminUrl).catch(() => undefined);
  stopping = true;
  progress('stopping the cluster');
  for (const [id, code] of Object.entries(await stopCluster(procs))) reports.get(id)!.exit = code;
  await stopInfrastructure(infra);
  const report = withVerdict({
    startedAt,
    settings: {
      minutes: settings.minutes,
      clients: settings.clients,
      rooms: settings.rooms,
      thinkMs: settings.thinkMs,
      dropEveryMs: settings.dropEveryMs,
      timeoutMs: TIMEOUT_MS,
      warmupSeconds: Math.min(30, settings.minutes * 6),
      pauseBackendSeconds: settings.pauseBackendSec,
    },
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
