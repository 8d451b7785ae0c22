/** The command line of `npm run bench`. */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every workload, in the order a full run takes them. */
export const WORKLOADS = ['B1', 'B2', 'B3', 'B4', 'B5', 'B6'] as const;
export type WorkloadId = (typeof WORKLOADS)[number];

/** Parsed flags. */
export interface RunOptions {
  readonly quick: boolean;
  readonly only: readonly WorkloadId[];
  /** Where BENCHMARKS.md goes. */
  readonly markdownFile: string;
  /** Where results.json goes. */
  readonly jsonFile: string;
  /** When set, servers write V8 CPU profiles here (`--cpu-prof`). */
  readonly cpuProfDir: string | undefined;
  /** An earlier run's results.json to set beside this run's figures, and how to name it. */
  readonly before: { readonly file: string; readonly label: string } | undefined;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const USAGE = `usage: npm run bench -- [--quick] [--only B1,B3] [--out <dir>] [--cpu-prof <dir>]
  --quick           seconds and tiny counts (the test suite's smoke run)
  --only            run these workloads only (${WORKLOADS.join(', ')})
  --out <dir>       write BENCHMARKS.md and results.json into <dir>
                    (default: BENCHMARKS.md at the repository root, bench/results.json)
  --cpu-prof <dir>  every server process writes a V8 CPU profile into <dir> when it stops
  --before <file>   an earlier revision's results.json, shown beside this run's figures
  --before-label <text>  how the page names that run (default: the file's path)`;

/** Parses `argv` (without node and the script); throws with the usage on a bad flag. */
export function parseRunOptions(argv: readonly string[]): RunOptions {
  let quick = false;
  let only: WorkloadId[] = [...WORKLOADS];
  let out: string | undefined;
  let cpuProfDir: string | undefined;
  let beforeFile: string | undefined;
  let beforeLabel: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') quick = true;
    else if (arg === '--only') only = parseOnly(argv[++i]);
    else if (arg.startsWith('--only=')) only = parseOnly(arg.slice('--only='.length));
    else if (arg === '--out') out = argv[++i];
    else if (arg.startsWith('--out=')) out = arg.slice('--out='.length);
    else if (arg === '--cpu-prof') cpuProfDir = argv[++i];
    else if (arg.startsWith('--cpu-prof=')) cpuProfDir = arg.slice('--cpu-prof='.length);
    else if (arg === '--before') beforeFile = argv[++i];
    else if (arg === '--before-label') beforeLabel = argv[++i];
    else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  if (out === '') throw new Error(`--out needs a directory\n${USAGE}`);
  if (cpuProfDir === '') throw new Error(`--cpu-prof needs a directory\n${USAGE}`);
  if (beforeFile === '' || (beforeFile === undefined && beforeLabel !== undefined)) throw new Error(`--before needs a results.json file\n${USAGE}`);
  return {
    quick,
    only,
    markdownFile: out ? path.resolve(out, 'BENCHMARKS.md') : path.join(repoRoot, 'BENCHMARKS.md'),
    jsonFile: out ? path.resolve(out, 'results.json') : path.join(repoRoot, 'bench/results.json'),
    cpuProfDir: cpuProfDir === undefined ? undefined : path.resolve(cpuProfDir),
    before: beforeFile === undefined ? undefined : { file: path.resolve(beforeFile), label: beforeLabel ?? beforeFile },
  };
}

function parseOnly(value: string | undefined): WorkloadId[] {
  const ids = (value ?? '').split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
  const bad = ids.filter((id) => !(WORKLOADS as readonly string[]).includes(id));
  if (ids.length === 0 || bad.length) throw new Error(`--only takes workloads among ${WORKLOADS.join(', ')}; got ${value}\n${USAGE}`);
  return WORKLOADS.filter((w) => ids.includes(w));
}
