/**
 * Names the generated TypeScript cannot use as they are: reserved words, globals it relies on, and
 * members of its base classes. Declared names are checked against these; parameter names are
 * renamed instead (see {@link safeParamNames}).
 */

/** Words JavaScript reserves in strict mode, or TypeScript reserves for type names. */
const RESERVED_WORDS = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'implements interface let package private protected public static yield await arguments eval ' +
    'any boolean number string symbol unknown never object bigint undefined'
  ).split(' '),
);

/** Globals and helper types the generated code refers to by name. */
const GLOBALS_USED = new Set(
  'Array Map Uint8Array Promise PromiseLike Partial Object String Number BigInt Error JSON globalThis NaN Infinity'.split(' '),
);

/** Exported names every generated module declares besides the IDL's own. */
const MODULE_EXPORTS = new Set(['routes']);

/** Members of proxies and servants (and of every object) an operation must not shadow. */
const MEMBER_NAMES = new Set(
  'constructor invoker then __proto__ toString toLocaleString valueOf hasOwnProperty isPrototypeOf propertyIsEnumerable'.split(' '),
);

/** Why a struct, sequence, dictionary or interface may not have this name, or undefined if it may. */
export function reservedTypeName(name: string): string | undefined {
  if (RESERVED_WORDS.has(name)) return `'${name}' is a reserved word in TypeScript`;
  if (GLOBALS_USED.has(name)) return `'${name}' would hide the global the generated code uses`;
  if (MODULE_EXPORTS.has(name)) return `'${name}' is exported by every generated module`;
  return undefined;
}

/** Why an operation may not have this name, or undefined if it may. */
export function reservedOperationName(name: string): string | undefined {
  return MEMBER_NAMES.has(name) ? `'${name}' is a member of every proxy or object` : undefined;
}

/** Why a field or parameter may not have this name, or undefined if it may. */
export function reservedFieldName(name: string): string | undefined {
  return name === '__proto__' ? "'__proto__' would set the prototype of the generated objects" : undefined;
}

/** Parameter names to use in generated signatures: reserved words and the generated extras get a `_`. */
export function safeParamNames(names: readonly string[], extras: readonly string[] = ['opts', 'cb', 'ctx']): string[] {
  const taken = new Set<string>(extras);
  return names.map((name) => {
    let safe = name;
    while (RESERVED_WORDS.has(safe) || taken.has(safe) || (safe !== name && names.includes(safe))) safe += '_';
    taken.add(safe);
    return safe;
  });
}
