/**
 * The benchmark harness cannot rot: a `--quick` run of B1 and B4 (every B1 variant, servers and
 * generators as real processes), and one of B6, must finish and write a results file and a
 * BENCHMARKS.md with every variant's figures. Nothing here checks a timing: benchmarks never fail
 * on speed.
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
  readonly serverCoreBusy?: number;
  readonly wakeupsPerReply?: number;
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
      assert.ok(r.serverCoreBusy! > 0, `B1(${r.variant}) server core busy ${r.serverCoreBusy}`);
      assert.ok(Number.isFinite(r.wakeupsPerReply) && r.wakeupsPerReply! >= 0, `B1(${r.variant}) wake-ups per reply ${r.wakeupsPerReply}`);
    }
    assert.ok(b1.targets.length > 0);
    const rounds = (b1 as unknown as { adjacentRounds: { a: number; b: number; c: number }[] }).adjacentRounds;
    assert.ok(rounds.length > 0, 'adjacent-window rounds measured');
    for (const r of rounds) assert.ok(r.a > 0 && r.b > 0 && r.c > 0, `adjacent round ${JSON.stringify(r)}`);
    const p99Rounds = (b1 as unknown as { adjacentP99Rounds: Record<string, number>[] }).adjacentP99Rounds;
    assert.ok(p99Rounds.length > 0, 'adjacent-window p99 rounds measured');
    for (const r of p99Rounds) assert.deepEqual(Object.keys(r).filter((v) => r[v]! > 0).sort(), ['a', 'b', 'c', 'd', 'e'], `p99 round ${JSON.stringify(r)}`);

    const b4 = results.results.B4!;
    assert.deepEqual(b4.rows.map((r) => r.name), ['switchyard generated', 'protobufjs static', 'JSON.stringify + JSON.parse']);
    for (const r of b4.rows) assert.ok(r.roundTripOpsPerSec! > 0 && r.bytes! > 0, r.name);

    const page = readFileSync(join(out, 'BENCHMARKS.md'), 'utf8');
    for (const heading of ['## Machine', '## Targets', '## B1 round trip', '## B4 codec']) assert.ok(page.includes(heading), heading);
  });
});

interface SlowReaderResults {
  readonly rows: { readonly phase: string; readonly replies: number; readonly latencyMs: { readonly p50: number; readonly p99: number } }[];
  readonly drops: { readonly members: number; readonly closeReasons: Record<string, number> };
  readonly memory: { readonly rss: number; readonly heapUsed: number }[];
}

describe('npm run bench -- --quick --only B6', () => {
  it('measures the round trips beside readers, slow readers and after them, and counts the drops', { timeout: 90_000 }, async () => {
    const dir = join(out, 'b6');
    const { code, output } = await runBench(['--quick', '--only', 'B6', '--out', dir]);
    assert.equal(code, 0, output);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Results;
    assert.deepEqual(results.workloads, ['B6']);
    assert.deepEqual(results.failures, []);
    const b6 = results.results.B6 as unknown as SlowReaderResults;
    assert.deepEqual(b6.rows.map((r) => r.phase), ['baseline', 'slow', 'after']);
    for (const r of b6.rows) {
      assert.ok(r.replies > 0, `${r.phase} got replies`);
      assert.ok(r.latencyMs.p99 >= r.latencyMs.p50 && r.latencyMs.p50 > 0);
    }
    // The window is bounded in time; what matters here is that slow readers were made and dropped.
    assert.ok((b6.drops.closeReasons['send queue overflow'] ?? 0) >= 1, JSON.stringify(b6.drops));
    assert.ok(b6.memory.length > 0 && b6.memory.every((m) => m.rss > 0 && m.heapUsed > 0));
    assert.ok(readFileSync(join(dir, 'BENCHMARKS.md'), 'utf8').includes('## B6 slow readers'));
  });
});
