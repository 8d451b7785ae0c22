/**
 * The "What changed on the hot path" section: the list of changes (bench/hot-path-changes.md) and,
 * when the run was given `--before <results.json>` (an earlier revision's own `npm run bench` on
 * the same machine), its figures beside this run's, target by target and B1 variant by variant.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TargetStatus, WorkloadReport } from './bench-context.js';
import type { MachineInfo } from './machine.js';
import { int, num, table, verdict } from './markdown.js';

const CHANGES_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../hot-path-changes.md');

/** What this section reads of an earlier run's results.json. */
export interface BeforeRun {
  /** How the page names it, e.g. the revision it ran. */
  readonly label: string;
  /** What its results.json recorded of the machine; runs older than some fields lack them. */
  readonly machine: Pick<MachineInfo, 'date' | 'loadAverageAtStart'> & Partial<Pick<MachineInfo, 'cpuModel' | 'cores' | 'memoryBytes' | 'node' | 'kernel'>>;
  readonly results: Readonly<Record<string, { readonly targets?: readonly TargetStatus[]; readonly rows?: readonly unknown[] }>>;
}

/** A B1 row, as both runs write it. */
interface RoundTripFigures {
  readonly variant: string;
  readonly label: string;
  readonly clients: number;
  readonly repliesPerServerCpuSecond: number;
  readonly latencyMs: { readonly p99: number };
}

/** Reads an earlier run's results.json; throws with the path when it is missing or not one. */
export function loadBeforeRun(file: string, label: string): BeforeRun {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<BeforeRun>;
  if (typeof parsed !== 'object' || parsed === null || typeof parsed.results !== 'object' || typeof parsed.machine !== 'object') {
    throw new Error(`${file} is not a bench/results.json`);
  }
  return { label, machine: parsed.machine, results: parsed.results } as BeforeRun;
}

function targetRows(before: BeforeRun, reports: readonly WorkloadReport[]): string[][] {
  const earlier = new Map<string, TargetStatus>();
  for (const r of Object.values(before.results)) for (const t of r.targets ?? []) earlier.set(t.target, t);
  return reports.flatMap((r) =>
    r.targets.map((t) => {
      const b = earlier.get(t.target);
      return [t.target, b ? `${b.measured} ${verdict(b.met)}` : '–', `${t.measured} ${verdict(t.met)}`];
    }),
  );
}

function roundTripRows(before: BeforeRun, reports: readonly WorkloadReport[]): string[][] {
  const now = (reports.find((r) => r.id === 'B1')?.figures as { rows?: RoundTripFigures[] } | undefined)?.rows ?? [];
  const then = (before.results.B1?.rows ?? []) as RoundTripFigures[];
  return now.map((a) => {
    const b = then.find((x) => x.variant === a.variant && x.clients === a.clients);
    const gain = b ? `${num(a.repliesPerServerCpuSecond / b.repliesPerServerCpuSecond)}×` : '–';
    return [a.label, int(a.clients), b ? int(b.repliesPerServerCpuSecond) : '–', int(a.repliesPerServerCpuSecond), gain, b ? num(b.latencyMs.p99) : '–', num(a.latencyMs.p99)];
  });
}

/**
 * Where the earlier run ran, as its results.json describes the machine: a run cannot tell whether
 * an identically described machine was the same one, only whether the description matches.
 */
function whereItRan(then: BeforeRun['machine'], now: MachineInfo): string {
  const keys = ['cpuModel', 'cores', 'memoryBytes', 'node', 'kernel'] as const;
  if (keys.every((k) => then[k] === now[k])) return 'on a machine described as this one is (CPU, cores, memory, Node.js, kernel)';
  return `on another machine (${then.cpuModel ?? 'CPU not recorded'}, ${then.cores ?? '?'} cores, Node.js ${then.node ?? '?'}, kernel ${then.kernel ?? '?'})`;
}

/** Renders the section; `before` undefined renders the list of changes alone. */
export function renderComparison(before: BeforeRun | undefined, reports: readonly WorkloadReport[], machine: MachineInfo): string {
  const parts = ['## What changed on the hot path', ''];
  parts.push(existsSync(CHANGES_FILE) ? readFileSync(CHANGES_FILE, 'utf8').trim() : 'No change is listed.', '');
  if (!before) {
    parts.push('This run was not given an earlier run to compare with (`--before <results.json>`).', '');
    return parts.join('\n');
  }
  parts.push(
    `Before: ${before.label}, its own \`npm run bench\` ${whereItRan(before.machine, machine)}, ${before.machine.date.replace('T', ' ').slice(0, 16)} UTC` +
      ` (load average ${before.machine.loadAverageAtStart.join(', ')} at its start). After: this run.`,
    '',
    table(['target', 'before', 'after'], targetRows(before, reports)),
    '',
  );
  const b1 = roundTripRows(before, reports);
  if (b1.length) {
    parts.push(table(['B1 variant', 'C', 'replies per server CPU-s before', 'after', 'after ÷ before', 'p99 ms before', 'p99 ms after'], b1), '');
  }
  return parts.join('\n');
}
