/**
 * Emits the binary codec code: for each field, the statements that write it and the `case`s that
 * read it, specialised to its type, so generated encoders and decoders run without reflection.
 * Proto3 rules: fields at their default are not written (a struct field always is); a missing field
 * reads as its default; packed numeric sequences are written packed and read either way.
 */
import { isContainer, type TypeRef } from './model.js';
import { defaultValue, tsType } from './gen-ts-types.js';
import { indent, type TsContext } from './ts-context.js';

const READ: Record<string, string> = {
  byte: 'int32', short: 'int32', int: 'int32', long: 'int64', float: 'float', double: 'double', string: 'string', bool: 'bool',
};

/** What one field contributes to a message's read and write code. */
export interface FieldCode {
  /** Declares the local the reader fills. */
  readonly decl: string;
  /** `case` clauses of the read loop's switch on the tag. */
  readonly cases: string[];
  /** Statements writing the field from its value expression. */
  readonly write: string[];
  /** The field's value once the read loop is over. */
  readonly result: string;
}

/** The tag of field `n` with wire type `wt`. */
function tag(n: number, wt: number): number {
  return n * 8 + wt;
}

/** Wire type of one value of `t` (a container here is a wrapper message). */
function wireType(t: TypeRef): number {
  if (t.kind !== 'basic') return 2;
  if (t.name === 'float') return 5;
  if (t.name === 'double') return 1;
  return t.name === 'string' ? 2 : 0;
}

/** Whether a sequence of `t` is written packed. */
function packable(t: TypeRef): boolean {
  return t.kind === 'basic' && t.name !== 'string';
}

/** The function reading / writing the wrapper message of a nested container. */
export function wrapperFn(kind: 'read' | 'write', t: TypeRef, ctx: TsContext): string {
  if (!isContainer(t)) throw new Error('only containers have wrappers');
  return `$${kind}$${ctx.plan.wrapperOf(t)}`;
}

/** An expression reading one value of `t` from reader `r`. */
function readValue(t: TypeRef, ctx: TsContext): string {
  if (t.kind === 'basic') return `r.${READ[t.name]}()`;
  if (t.kind === 'bytes') return 'r.bytes()';
  if (t.kind === 'struct') return `r.nested(${ctx.ref(t.ref)}.read)`;
  return `r.nested(${wrapperFn('read', t, ctx)})`;
}

/** Statements writing one value of `t` (held in `expr`) with `tagValue`, default or not. */
function writeValue(t: TypeRef, tagValue: number, expr: string, ctx: TsContext): string[] {
  if (t.kind === 'basic') return [`w.uint32(${tagValue}).${READ[t.name]}(${expr});`];
  if (t.kind === 'bytes') return [`w.uint32(${tagValue}).bytes(${expr});`];
  const inner = t.kind === 'struct' ? `${ctx.ref(t.ref)}.write(w, ${expr});` : `${wrapperFn('write', t, ctx)}(w, ${expr});`;
  return [`w.uint32(${tagValue}).fork();`, inner, 'w.ldelim();'];
}

/** A condition true when a scalar or bytes value is not its default (and so must be written). */
function nonDefault(t: TypeRef, expr: string): string {
  if (t.kind === 'bytes') return `${expr}.length !== 0`;
  if (t.kind !== 'basic') throw new Error('only scalars have a default test');
  switch (t.name) {
    case 'long':
      return `${expr} !== 0n`;
    case 'float':
    case 'double':
      // -0 is written so that it reads back as -0.
      return `${expr} !== 0 || 1 / ${expr} < 0`;
    case 'string':
      return `${expr} !== ''`;
    case 'bool':
      return expr;
    default:
      return `${expr} !== 0`;
  }
}

/** The read and write code of field number `n` of type `t`, read into `local`, written from `expr`. */
export function fieldCode(t: TypeRef, n: number, local: string, expr: string, ctx: TsContext): FieldCode {
  const type = tsType(t, ctx);
  const wt = wireType(t);
  if (t.kind === 'basic' || t.kind === 'bytes') {
    const [write] = writeValue(t, tag(n, wt), expr, ctx);
    return {
      decl: `let ${local}: ${type} = ${defaultValue(t, ctx)};`,
      cases: [`case ${tag(n, wt)}: ${local} = ${readValue(t, ctx)}; break;`],
      write: [`if (${nonDefault(t, expr)}) ${write}`],
      result: local,
    };
  }
  if (t.kind === 'struct') {
    return {
      decl: `let ${local}: ${type} | undefined;`,
      cases: [`case ${tag(n, 2)}: ${local} = ${readValue(t, ctx)}; break;`],
      write: writeValue(t, tag(n, 2), expr, ctx),
      result: `${local} ?? ${defaultValue(t, ctx)}`,
    };
  }
  return t.kind === 'sequence' ? sequenceCode(t, n, local, expr, ctx) : dictionaryCode(t, n, local, expr, ctx);
}

function sequenceCode(t: Extract<TypeRef, { kind: 'sequence' }>, n: number, local: string, expr: string, ctx: TsContext): FieldCode {
  const e = t.element;
  const decl = `const ${local}: ${tsType(t, ctx)} = [];`;
  if (packable(e)) {
    const read = readValue(e, ctx);
    return {
      decl,
      cases: [
        `case ${tag(n, 2)}: { const o = r.enter(); while (!r.done()) ${local}.push(${read}); r.leave(o); break; }`,
        `case ${tag(n, wireType(e))}: ${local}.push(${read}); break;`,
      ],
      write: [
        `if (${expr}.length !== 0) {`,
        `  w.uint32(${tag(n, 2)}).fork();`,
        `  for (const e of ${expr}) w.${READ[(e as { name: string }).name]}(e);`,
        '  w.ldelim();',
        '}',
      ],
      result: local,
    };
  }
  return {
    decl,
    cases: [`case ${tag(n, wireType(e))}: ${local}.push(${readValue(e, ctx)}); break;`],
    write: [`for (const e of ${expr}) {`, ...indent(writeValue(e, tag(n, wireType(e)), 'e', ctx)), '}'],
    result: local,
  };
}

function dictionaryCode(t: Extract<TypeRef, { kind: 'dictionary' }>, n: number, local: string, expr: string, ctx: TsContext): FieldCode {
  const key: TypeRef = { kind: 'basic', name: t.key };
  const v = t.value;
  const lazy = v.kind === 'struct' || isContainer(v);
  const keyTag = tag(1, wireType(key));
  const valueTag = tag(2, wireType(v));
  return {
    decl: `const ${local}: ${tsType(t, ctx)} = new Map();`,
    cases: [
      `case ${tag(n, 2)}: {`,
      '  const o = r.enter();',
      `  let k: ${tsType(key, ctx)} = ${defaultValue(key, ctx)};`,
      lazy ? `  let e: ${tsType(v, ctx)} | undefined;` : `  let e: ${tsType(v, ctx)} = ${defaultValue(v, ctx)};`,
      '  while (!r.done()) {',
      '    const kt = r.tag();',
      '    switch (kt) {',
      `      case ${keyTag}: k = ${readValue(key, ctx)}; break;`,
      `      case ${valueTag}: e = ${readValue(v, ctx)}; break;`,
      '      default: r.skip(kt);',
      '    }',
      '  }',
      '  r.leave(o);',
      `  ${local}.set(k, ${lazy ? `e ?? ${defaultValue(v, ctx)}` : 'e'});`,
      '  break;',
      '}',
    ],
    write: [
      `for (const [k, e] of ${expr}) {`,
      `  w.uint32(${tag(n, 2)}).fork();`,
      ...indent(writeValue(key, keyTag, 'k', ctx)),
      ...indent(writeValue(v, valueTag, 'e', ctx)),
      '  w.ldelim();',
      '}',
    ],
    result: local,
  };
}

/** The loop reading fields of the current message until its end, dispatching on the tag. */
export function readLoop(codes: readonly FieldCode[]): string[] {
  const cases = codes.flatMap((c) => c.cases);
  if (cases.length === 0) return ['while (!r.done()) r.skip(r.tag());'];
  return [
    'while (!r.done()) {',
    '  const t = r.tag();',
    '  switch (t) {',
    ...indent(cases, 2),
    '    default: r.skip(t);',
    '  }',
    '}',
  ];
}

/** Read and write functions for every wrapper message the module needs. */
export function wrapperFunctions(ctx: TsContext): string[] {
  const out: string[] = [];
  for (const w of ctx.plan.wrappers) {
    const code = fieldCode(w.type, 1, 'value', 'value', ctx);
    const type = tsType(w.type, ctx);
    out.push(
      `/** Reads wrapper message ${w.name}: one ${type} in field 1. */`,
      `function $read$${w.name}(r: $rt.ProtoReader): ${type} {`,
      ...indent([code.decl, ...readLoop([code]), `return ${code.result};`]),
      '}',
      '',
      `/** Writes wrapper message ${w.name}. */`,
      `function $write$${w.name}(w: $rt.ProtoWriter, value: ${type}): void {`,
      ...indent(code.write),
      '}',
      '',
    );
  }
  return out;
}
