/**
 * Emits the JSON body form of structs: `toJSON` gives longs as decimal strings, bytes as base64,
 * dictionaries as objects with string keys; `fromJSON` accepts that form (and numbers for longs),
 * reads absent fields as defaults and rejects wrong shapes with ERR_BODY_INVALID naming the field.
 */
import type { StructModel, TypeRef } from './model.js';
import { indent, type TsContext } from './ts-context.js';

const FROM: Record<string, string> = {
  byte: 'jsonInt32', short: 'jsonInt32', int: 'jsonInt32', long: 'jsonInt64',
  float: 'jsonFloat', double: 'jsonFloat', string: 'jsonString', bool: 'jsonBool',
};

const KEY: Record<string, string> = {
  byte: 'jsonKeyInt32', short: 'jsonKeyInt32', int: 'jsonKeyInt32', long: 'jsonKeyInt64', string: 'jsonKeyString', bool: 'jsonKeyBool',
};

/** A converter `(value, path) => T` for elements of type `t`: a runtime helper, or an arrow function. */
function fromFn(t: TypeRef, ctx: TsContext, depth: number): string {
  if (t.kind === 'basic') return `$rt.${FROM[t.name]}`;
  if (t.kind === 'bytes') return '$rt.jsonBytes';
  return `(e${depth}: unknown, p${depth}: string) => ${fromJson(t, `e${depth}`, `p${depth}`, ctx, depth + 1)}`;
}

/** An expression converting JSON value `x` (named `path` in errors) to type `t`. */
export function fromJson(t: TypeRef, x: string, path: string, ctx: TsContext, depth = 0): string {
  switch (t.kind) {
    case 'basic':
    case 'bytes':
      return `${fromFn(t, ctx, depth)}(${x}, ${path})`;
    case 'struct':
      return `$rt.jsonMessage(${x}, ${ctx.ref(t.ref)}, ${path})`;
    case 'sequence':
      return `$rt.jsonArray(${x}, ${path}, ${fromFn(t.element, ctx, depth)})`;
    case 'dictionary':
      return `$rt.jsonMap(${x}, ${path}, $rt.${KEY[t.key]}, ${fromFn(t.value, ctx, depth)})`;
  }
}

/** An expression converting value `x` of type `t` to JSON. */
export function toJson(t: TypeRef, x: string, ctx: TsContext, depth = 0): string {
  switch (t.kind) {
    case 'basic':
      if (t.name === 'long') return `$rt.int64ToJSON(${x})`;
      if (t.name === 'float' || t.name === 'double') return `$rt.floatToJSON(${x})`;
      return x;
    case 'bytes':
      return `$rt.bytesToJSON(${x})`;
    case 'struct':
      return `${ctx.ref(t.ref)}.toJSON(${x})`;
    case 'sequence': {
      const e = `e${depth}`;
      const conv = toJson(t.element, e, ctx, depth + 1);
      return conv === e ? `[...${x}]` : `${x}.map((${e}) => ${conv})`;
    }
    case 'dictionary': {
      const e = `e${depth}`;
      return `$rt.mapToJSON(${x}, (${e}) => ${toJson(t.value, e, ctx, depth + 1)})`;
    }
  }
}

/** The `fromJSON` and `toJSON` members of a struct's companion. */
export function jsonMethods(s: StructModel, ctx: TsContext): string[] {
  const from = s.fields.map((f) => `${f.name}: ${fromJson(f.type, `$rt.jsonField(o, '${f.name}')`, `\`\${path}.${f.name}\``, ctx)},`);
  const to = s.fields.map((f) => `${f.name}: ${toJson(f.type, `v.${f.name}`, ctx)},`);
  const value = s.fields.length ? 'v' : '_v';
  return [
    `fromJSON(json: unknown, path = '${s.name}'): ${s.name} {`,
    ...indent(
      s.fields.length
        ? ['const o = $rt.jsonObject(json, path);', 'return {', ...indent(from), '};']
        : ['$rt.jsonObject(json, path);', 'return {};'],
    ),
    '},',
    `toJSON(${value}: ${s.name}): $rt.JsonObject {`,
    ...indent(s.fields.length ? ['return {', ...indent(to), '};'] : ['return {};']),
    '},',
  ];
}
