/**
 * The benchmark harness cannot rot: a `--quick` run of B1 and B4 (every B1 variant, servers and
 * generators as real processes) must finish and write a results file and a BENCHMARKS.md with
 * every variant's figures. Nothing here checks a timing: benchmarks never fail on speed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const runScript = fileURLToPath(new URL('../../bench/run.ts', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'switchyard-bench-smoke-'));
after(() => rmSync(out, { recursive: true, force: true }));

/** Runs the suite and resolves with its exit code and what it printed. */
function runBench(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', runScript, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

interface Row {
  readonly variant?: string;
  readonly name?: string;
  readonly replies?: number;
  readonly repliesPerServerCpuSecond?: number;
  readonly roundTripOpsPerSec?: number;
  readonly bytes?: number;
  readonly latencyMs?: { readonly p50: number; readonly p99: number };
}

interface Results {
  readonly quick: boolean;
  readonly workloads: string[];
  readonly machine: { readonly cpuModel: string; readonly cores: number; readonly node: string };
  readonly results: Record<string, { readonly rows: Row[]; readonly targets: unknown[] }>;
  readonly failures: unknown[];
}

describe('npm run bench -- --quick --only B1,B4', () => {
  it('runs every B1 variant and the codecs, and writes results.json and BENCHMARKS.md', { timeout: 110_000 }, async () => {
    const { code, output } = await runBench(['--quick', '--only', 'B1,B4', '--out', out]);
    assert.equal(code, 0, output);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
    assert.equal(results.quick, true);
    assert.deepEqual(results.workloads, ['B1', 'B4']);
    assert.deepEqual(results.failures, []);
    assert.ok(results.machine.cores >= 1 && results.machine.node.startsWith('v'));

    const b1 = results.results.B1!;
    assert.deepEqual([...new Set(b1.rows.map((r) => r.variant))].sort(), ['a', 'b', 'c', 'd', 'e']);
    for (const r of b1.rows) {
      assert.ok(r.replies! > 0, `B1(${r.variant}) got replies`);
      assert.ok(r.repliesPerServerCpuSecond! > 0, `B1(${r.variant}) charged server CPU`);
      assert.ok(r.latencyMs!.p99 >= r.latencyMs!.p50 && r.latencyMs!.p50 > 0);
    }
    assert.ok(b1.targets.length > 0);

    const b4 = results.results.B4!;
    assert.deepEqual(b4.rows.map((r) => r.name), ['switchyard generated', 'protobufjs static', 'JSON.stringify + JSON.parse']);
    for (const r of b4.rows) assert.ok(r.roundTripOpsPerSec! > 0 && r.bytes! > 0, r.name);

    const page = readFileSync(join(out, 'BENCHMARKS.md'), 'utf8');
    for (const heading of ['## Machine', '## Targets', '## B1 round trip', '## B4 codec']) assert.ok(page.includes(heading), heading);
  });
});
