/**
 * Reads the servers' admin ports: memory from `/metrics` (prom-client's process metrics, prefixed
 * `switchyard_`) and the counters that show trouble on the server side (errors by code, dropped
 * pushes). Heap used jumps by tens of MB between collections, so besides the raw figure the run
 * also reads it right after a full collection, which makes the heap at the start and at the end
 * comparable.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Series names, as scraped from a running server. */
const RSS = 'switchyard_process_resident_memory_bytes';
const HEAP_USED = 'switchyard_nodejs_heap_size_used_bytes';
const HEAP_TOTAL = 'switchyard_nodejs_heap_size_total_bytes';
const ERRORS = 'switchyard_errors_total';
const DROPS = 'switchyard_send_queue_drops_total';
const CONNECTIONS = 'switchyard_connections';
const LAG = 'switchyard_event_loop_lag_seconds';
const SCRAPE_TIMEOUT_MS = 10_000;
const MB = 1024 * 1024;

/** One sample of a Prometheus text exposition: name, labels, value. */
interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Memory of one process at one moment, in MB (rounded to 0.1), with its event-loop lag. */
export interface Memory {
  readonly at: string;
  readonly rssMB: number;
  readonly heapUsedMB: number;
  readonly heapTotalMB: number;
  /** p99 event-loop delay since the previous scrape of this process, in ms: shows stalls between samples. */
  readonly eventLoopLagP99Ms: number;
}

/** Memory at a checkpoint: the raw scrape, then heap used right after a full collection. */
export interface Checkpoint extends Memory {
  /** Heap used right after a full collection; undefined if none could be run. */
  readonly heapUsedAfterGcMB: number | undefined;
}

/** Counters that reveal server-side trouble. */
export interface ServerCounters {
  readonly errorsByCode: Record<string, number>;
  readonly sendQueueDrops: number;
  readonly connections: number;
  readonly eventLoopLagP99Ms: number;
}

/** Parses Prometheus text format (the subset prom-client writes: no timestamps, no exemplars). */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) continue;
    samples.push({ name: m[1]!, labels: parseLabels(m[2] ?? ''), value: Number(m[3]) });
  }
  return samples;
}

/** Parses `a="x",b="y"` (label values escape `\`, `"` and newline). */
function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const m of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_all, c: string) => (c === 'n' ? '\n' : c));
  return labels;
}

/** The value of the first sample called `name`, or NaN. */
function valueOf(samples: readonly Sample[], name: string): number {
  return samples.find((s) => s.name === name)?.value ?? Number.NaN;
}

/** Fetches `/metrics` of one server. */
export async function scrape(adminUrl: string): Promise<Sample[]> {
  const res = await fetch(`${adminUrl}/metrics`, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`${adminUrl}/metrics answered ${res.status}`);
  return parseExposition(await res.text());
}

/** The event-loop lag gauge in ms, rounded to 0.1. */
function lagMs(samples: readonly Sample[]): number {
  return Math.round(valueOf(samples, LAG) * 1e4) / 10;
}

function mb(bytes: number): number {
  return Math.round((bytes / MB) * 10) / 10;
}

/** RSS and heap of one server now. */
export async function memory(adminUrl: string): Promise<Memory> {
  const samples = await scrape(adminUrl);
  return {
    at: new Date().toISOString(),
    rssMB: mb(valueOf(samples, RSS)),
    heapUsedMB: mb(valueOf(samples, HEAP_USED)),
    heapTotalMB: mb(valueOf(samples, HEAP_TOTAL)),
    eventLoopLagP99Ms: lagMs(samples),
  };
}

/** How long a full collection is given before the heap is read again, in ms. */
const GC_SETTLE_MS = 500;

/**
 * Raw memory, then heap used right after a full collection that `collect` asks the process to run
 * (undefined when it could not be asked).
 */
export async function checkpoint(adminUrl: string, collect: () => boolean): Promise<Checkpoint> {
  const raw = await memory(adminUrl);
  if (!collect()) return { ...raw, heapUsedAfterGcMB: undefined };
  await sleep(GC_SETTLE_MS);
  const after = await memory(adminUrl);
  return { ...raw, heapUsedAfterGcMB: after.heapUsedMB };
}

/** Errors by code, send-queue drops, open connections and event-loop lag of one server now. */
export async function counters(adminUrl: string): Promise<ServerCounters> {
  const samples = await scrape(adminUrl);
  const errorsByCode: Record<string, number> = {};
  for (const s of samples) if (s.name === ERRORS && s.value > 0) errorsByCode[s.labels.code ?? '?'] = s.value;
  return {
    errorsByCode,
    sendQueueDrops: valueOf(samples, DROPS),
    connections: valueOf(samples, CONNECTIONS),
    eventLoopLagP99Ms: lagMs(samples),
  };
}
