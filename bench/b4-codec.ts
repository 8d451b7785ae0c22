/**
 * B4 codec: the encoder and decoder our IDL compiler generates for a realistic struct, against
 * protobufjs static code (`pbjs -t static-module`) for the `.proto` our compiler exports from the
 * same IDL, and against JSON.stringify + JSON.parse of the same data. Runs in one process pinned to
 * the server core.
 */
import type { BenchContext, TargetStatus, WorkloadReport } from './harness/bench-context.js';
import { generateProtobufjsStatic } from './harness/bench-idl.js';
import { BenchChild, SERVER_CORE } from './harness/child-processes.js';
import { leastDisturbed } from './harness/least-disturbed.js';
import { resultOf } from './harness/load-generator.js';
import { int, pct, ratio, table } from './harness/markdown.js';
import type { CodecParams } from './load/codec-runner.js';

/** One codec's figures. */
export interface CodecRow {
  readonly name: string;
  readonly bytes: number;
  readonly encodeOpsPerSec: number;
  readonly decodeOpsPerSec: number;
  readonly roundTripOpsPerSec: number;
}

const SCALE = {
  full: { warmupMs: 300, measureMs: 1000, maxOps: 10_000_000, rounds: 3 },
  quick: { warmupMs: 50, measureMs: 150, maxOps: 1_000_000, rounds: 1 },
};

interface CodecOutcome {
  readonly codecs: CodecRow[];
  readonly otherLoadOnCore: number;
}

/** Runs the codec runner on the server core and returns what it measured. */
async function runCodecs(params: CodecParams): Promise<CodecOutcome> {
  const child = BenchChild.script(new URL('./load/codec-runner.ts', import.meta.url), [JSON.stringify(params)], { name: 'codec-runner', core: SERVER_CORE });
  try {
    return await resultOf<CodecOutcome>(child, 300_000);
  } finally {
    await child.stop();
  }
}

export async function runB4(ctx: BenchContext): Promise<WorkloadReport> {
  ctx.log('B4 codecs');
  const params: CodecParams = {
    idlModule: ctx.idl.module,
    pbjsModule: generateProtobufjsStatic(ctx.idl),
    ...(ctx.quick ? SCALE.quick : SCALE.full),
  };
  const { codecs: rows, otherLoadOnCore } = await leastDisturbed(ctx, 'B4', () => runCodecs(params), (r) => r.otherLoadOnCore);
  const [ours, pbjs, json] = [rows[0]!, rows[1]!, rows[2]!];
  const judged = (met: boolean): boolean | null => (ctx.quick ? null : met);
  const targets: TargetStatus[] = [
    {
      target: 'B4: generated encode + decode at least as fast as protobufjs static code',
      measured: `${ratio(ours.roundTripOpsPerSec / pbjs.roundTripOpsPerSec)} (${int(ours.roundTripOpsPerSec)} vs ${int(pbjs.roundTripOpsPerSec)} ops/s)`,
      met: judged(ours.roundTripOpsPerSec >= pbjs.roundTripOpsPerSec),
    },
    {
      target: 'B4: generated encode + decode ≥ 2× JSON',
      measured: `${ratio(ours.roundTripOpsPerSec / json.roundTripOpsPerSec)} (${int(ours.roundTripOpsPerSec)} vs ${int(json.roundTripOpsPerSec)} ops/s)`,
      met: judged(ours.roundTripOpsPerSec >= 2 * json.roundTripOpsPerSec),
    },
  ];
  return { id: 'B4', title: 'B4 codec', figures: { protobufjs: 'static code from pbjs (protobufjs-cli), -t static-module -w es6', rows, otherLoadOnCore }, targets, markdown: render(rows, otherLoadOnCore) };
}

function render(rows: readonly CodecRow[], otherLoadOnCore: number): string {
  const [ours, pbjs, json] = [rows[0]!, rows[1]!, rows[2]!];
  return [
    '`bench.Player` (bench/idl/bench.idl): two longs and a double at the top, three strings, a nested `Vec3`, a sequence of 20',
    '`Item` structs (each a long, a string, an int, a nested `Vec3`, a bool), a `dictionary<string, long>` of 8 entries and 5 tags.',
    'protobufjs runs the static code `pbjs -t static-module` generates from the `.proto` our compiler exports; JSON holds the',
    'same data with longs as numbers and the dictionary as an object. Operations per second, median of the rounds.',
    '',
    table(
      ['codec', 'bytes', 'encode ops/s', 'decode ops/s', 'encode + decode ops/s', '× protobufjs', '× JSON'],
      rows.map((r) => [
        r.name,
        int(r.bytes),
        int(r.encodeOpsPerSec),
        int(r.decodeOpsPerSec),
        int(r.roundTripOpsPerSec),
        ratio(r.roundTripOpsPerSec / pbjs.roundTripOpsPerSec),
        ratio(r.roundTripOpsPerSec / json.roundTripOpsPerSec),
      ]),
    ),
    '',
    `Encode alone: ${ratio(ours.encodeOpsPerSec / pbjs.encodeOpsPerSec)} protobufjs; decode alone: ${ratio(ours.decodeOpsPerSec / pbjs.decodeOpsPerSec)} protobufjs.` +
      ` Other processes took ${pct(otherLoadOnCore)} of the core meanwhile.`,
  ].join('\n');
}
