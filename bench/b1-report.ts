/**
 * B1's report: its targets judged on the adjacent-window rounds (see b1-round-trip.ts for why), and
 * its tables for BENCHMARKS.md.
 */
import type { BenchContext, TargetStatus } from './harness/bench-context.js';
import { int, num, otherLoadCell, pct, ratio, table } from './harness/markdown.js';
import type { AdjacentP99Round, AdjacentRound, RoundTripRow, Variant } from './b1-round-trip.js';

/** What B1 measured: the main table's rows and both sets of adjacent-window rounds. */
export interface B1Figures {
  readonly rows: readonly RoundTripRow[];
  readonly adjacentRounds: readonly AdjacentRound[];
  readonly adjacentP99Rounds: readonly AdjacentP99Round[];
}

/** The median of each round's `v` over its own (a), with the lowest and highest. */
function adjacentMedian<R extends { readonly a: number }>(rounds: readonly R[], v: keyof R): { median: number; low: number; high: number } {
  const ratios = rounds.map((r) => (r[v] as number) / r.a).sort((x, y) => x - y);
  const mid = ratios.length >> 1;
  const median = ratios.length % 2 === 1 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
  return { median, low: ratios[0] ?? Number.NaN, high: ratios.at(-1) ?? Number.NaN };
}

/** B1's targets: per-CPU ones on the C = 100 rounds, p99 ones on the C = 1,000 rounds. */
export function b1Targets(ctx: BenchContext, { rows, adjacentRounds: rounds, adjacentP99Rounds: p99Rounds }: B1Figures): TargetStatus[] {
  const at = (v: Variant, c: number): RoundTripRow | undefined => rows.find((r) => r.variant === v && r.clients === c);
  const judged = (met: boolean): boolean | null => (ctx.quick ? null : met);
  const clients = rows.map((r) => r.clients);
  const [small, large] = [Math.min(...clients), Math.max(...clients)];
  const out: TargetStatus[] = [];
  const perCpu = (v: 'b' | 'c', floor: number, what: string): void => {
    const r = at(v, small);
    if (!r || rounds.length === 0) return;
    const { median, low, high } = adjacentMedian(rounds, v);
    out.push({
      target: `B1(${v}) at C = 100: ≥ ${floor}× raw ws replies per server CPU-second${what}`,
      measured:
        `${ratio(median)}, median of ${rounds.length} adjacent-window rounds (${ratio(low)}–${ratio(high)}); ` +
        `main table ${ratio(r.ratioToBaseline)} (${int(r.repliesPerServerCpuSecond)} vs ${int(r.repliesPerServerCpuSecond / r.ratioToBaseline)} at C = ${small})`,
      met: judged(median >= floor),
    });
  };
  perCpu('c', 0.6, ' (gateway + backend CPU)');
  perCpu('b', 0.8, '');
  for (const v of ['b', 'c', 'd', 'e'] as const) {
    const r = at(v, large);
    if (!r || p99Rounds.length === 0) continue;
    const { median, low, high } = adjacentMedian(p99Rounds, v);
    out.push({
      target: `B1(${v}) p99 at C = 1,000 ≤ 2× the raw ws baseline's`,
      measured:
        `${ratio(median)}, median of ${p99Rounds.length} adjacent-window rounds (${ratio(low)}–${ratio(high)}); ` +
        `main table ${ratio(r.p99RatioToBaseline)} (${num(r.latencyMs.p99)} ms vs ${num(r.latencyMs.p99 / r.p99RatioToBaseline)} ms at C = ${large})`,
      met: judged(median <= 2),
    });
  }
  return out;
}

/** B1's section of BENCHMARKS.md. */
export function renderB1({ rows, adjacentRounds: rounds, adjacentP99Rounds: p99Rounds }: B1Figures): string {
  const main = table(
    ['variant', 'C', 'replies/s', 'server CPU s', 'replies per server CPU-s', 'server CPU µs/reply', '× raw ws (per CPU-s)', 'p50 ms', 'p99 ms', 'p99 × raw ws', 'server core busy', 'server wake-ups per reply', 'generator CPU', 'other load cores 0 / 1', 'errors'],
    rows.map((r) => [
      r.label,
      int(r.clients),
      int(r.repliesPerSec),
      num(r.serverCpuSeconds),
      int(r.repliesPerServerCpuSecond),
      num(r.serverCpuMicrosPerReply, 1),
      ratio(r.ratioToBaseline),
      num(r.latencyMs.p50),
      num(r.latencyMs.p99),
      ratio(r.p99RatioToBaseline),
      pct(r.serverCoreBusy),
      num(r.wakeupsPerReply, 3),
      pct(r.generatorCpuShare),
      otherLoadCell(r.otherLoad),
      int(r.errors),
    ]),
  );
  const split = table(
    ['variant', 'C', 'CPU seconds by process'],
    rows.filter((r) => Object.keys(r.cpuByProcess).length > 1).map((r) => [r.label, int(r.clients), Object.entries(r.cpuByProcess).map(([k, v]) => `${k} ${num(v)}`).join(', ')]),
  );
  return [
    `Request body: ${rows[0]?.bodyBytes ?? 64} bytes (JSON \`{"text":"…"}\`; for (e) the protobuf encoding of \`echo(text)\`, taken from the generated proxy).`,
    'Replies/s is bounded by the single-core load generator for the cheaper servers; replies per server CPU-second is the comparable figure.',
    "Server wake-ups per reply: voluntary context switches of the servers' main threads (summed over a cluster's processes), how often",
    'an event loop ran out of work and slept.',
    '',
    main,
    '',
    split,
    '',
    'Adjacent windows (the per-CPU targets are judged on these): (a), (b) and (c) at C = 100 measured one right after the other,',
    'all three servers up, shorter windows, each round starting with the next variant; each ratio is to the (a) of its own round.',
    '',
    table(
      ['round', '(a) replies per server CPU-s', '(b)', '(c)', '(b) ÷ (a)', '(c) ÷ (a)', 'wake-ups per reply (a / b / c)'],
      rounds.map((r, i) => [i + 1, int(r.a), int(r.b), int(r.c), ratio(r.b / r.a), ratio(r.c / r.a), wakeupCell(r.wakeupsPerReply)]),
    ),
    '',
    'Adjacent windows at C = 1,000 (the p99 targets are judged on these): (a) to (e) measured one right after the other, every server up,',
    'shorter windows, each round starting with the next variant; p99 in ms, and in brackets its ratio to the (a) of its own round.',
    '',
    table(
      ['round', '(a) p99 ms', '(b)', '(c)', '(d)', '(e)'],
      p99Rounds.map((r, i) => [i + 1, num(r.a), ...(['b', 'c', 'd', 'e'] as const).map((v) => `${num(r[v])} (${ratio(r[v] / r.a)})`)]),
    ),
  ].join('\n');
}

function wakeupCell(w: AdjacentRound['wakeupsPerReply']): string {
  return `${num(w.a, 3)} / ${num(w.b, 3)} / ${num(w.c, 3)}`;
}
