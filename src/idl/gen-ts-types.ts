/**
 * TypeScript types and default values for IDL types: int-like and floating types are `number`,
 * `long` is `bigint`, `sequence<byte>` is `Uint8Array`, sequences are arrays, dictionaries are
 * `Map`s (any key type, and no `__proto__` pitfalls), structs are plain interfaces.
 */
import type { StructModel, TypedefModel, TypeRef } from './model.js';
import { docComment, indent, type TsContext } from './ts-context.js';

const BASIC_TS: Record<string, string> = {
  byte: 'number',
  short: 'number',
  int: 'number',
  long: 'bigint',
  float: 'number',
  double: 'number',
  string: 'string',
  bool: 'boolean',
};

const BASIC_DEFAULT: Record<string, string> = {
  byte: '0',
  short: '0',
  int: '0',
  long: '0n',
  float: '0',
  double: '0',
  string: "''",
  bool: 'false',
};

/** The TypeScript type of `t`; named sequences and dictionaries keep their names. */
export function tsType(t: TypeRef, ctx: TsContext): string {
  switch (t.kind) {
    case 'basic':
      return BASIC_TS[t.name]!;
    case 'bytes':
      return t.alias ? ctx.ref(t.alias) : 'Uint8Array';
    case 'struct':
      return ctx.ref(t.ref);
    case 'sequence':
      return t.alias ? ctx.ref(t.alias) : `${tsType(t.element, ctx)}[]`;
    case 'dictionary':
      return t.alias ? ctx.ref(t.alias) : `Map<${BASIC_TS[t.key]}, ${tsType(t.value, ctx)}>`;
  }
}

/** An expression for the default value of `t` (what decoding gives a missing field). */
export function defaultValue(t: TypeRef, ctx: TsContext): string {
  switch (t.kind) {
    case 'basic':
      return BASIC_DEFAULT[t.name]!;
    case 'bytes':
      return 'new Uint8Array(0)';
    case 'struct':
      return `${ctx.ref(t.ref)}.create()`;
    case 'sequence':
      return '[]';
    case 'dictionary':
      return 'new Map()';
  }
}

/** `export interface Name { ... }` for a struct. */
export function declareStruct(s: StructModel, ctx: TsContext): string[] {
  const body = s.fields.flatMap((f) => [...docComment(f.comment), `${f.name}: ${tsType(f.type, ctx)};`]);
  return [...docComment(s.comment), `export interface ${s.name} {`, ...indent(body), '}', ''];
}

/** `export type Name = ...;` for a named sequence or dictionary. */
export function declareTypedef(t: TypedefModel, ctx: TsContext): string[] {
  return [...docComment(t.comment), `export type ${t.name} = ${tsType(t.type, ctx)};`, ''];
}
