/**
 * Binds written types to declarations: `Name` in the current module, `Module::Name` anywhere in the
 * compilation. Checks dictionary keys and refuses sequence/dictionary names defined by themselves.
 */
import type { BasicName, TypedefNode, TypeNode } from './ast.js';
import type { Diagnostics, SourcePos } from './errors.js';
import type { QName, TypeRef } from './model.js';
import type { IdlSymbol, SymbolTable } from './symbols.js';

/** Basic types protobuf accepts as map keys. */
const KEY_TYPES = new Set<BasicName>(['byte', 'short', 'int', 'long', 'string', 'bool']);

/** What a written type names, before its kind is checked. */
type Lookup = { readonly sym: IdlSymbol; readonly q: QName } | undefined;

/** Resolves types for the checker; memoises named sequences and dictionaries. */
export class TypeResolver {
  readonly #symbols: SymbolTable;
  readonly #diagnostics: Diagnostics;
  /** Resolved typedefs by `module::name`; null while being resolved (to catch self-reference). */
  readonly #typedefs = new Map<string, TypeRef | null | undefined>();

  constructor(symbols: SymbolTable, diagnostics: Diagnostics) {
    this.#symbols = symbols;
    this.#diagnostics = diagnostics;
  }

  /** The declaration a written name refers to, reporting unknown modules and names. */
  lookup(module: string | undefined, name: string, inModule: string, pos: SourcePos): Lookup {
    const m = module ?? inModule;
    if (!this.#symbols.modules.has(m)) {
      this.#diagnostics.add('IDL_UNKNOWN_TYPE', pos, `unknown module '${m}' in '${m}::${name}'`);
      return undefined;
    }
    const sym = this.#symbols.lookup(m, name);
    if (!sym) {
      const written = module ? `${module}::${name}` : name;
      const where = module ? '' : ` in module ${m} (prefix names from other modules with Module::)`;
      this.#diagnostics.add('IDL_UNKNOWN_TYPE', pos, `unknown type '${written}'${where}`);
      return undefined;
    }
    return { sym, q: { module: m, name } };
  }

  /** The resolved type, or undefined after reporting why it cannot be resolved. */
  resolve(node: TypeNode, inModule: string): TypeRef | undefined {
    switch (node.kind) {
      case 'basic':
        return { kind: 'basic', name: node.name };
      case 'sequence': {
        const element = this.resolve(node.element, inModule);
        if (!element) return undefined;
        if (element.kind === 'basic' && element.name === 'byte') return { kind: 'bytes' };
        return { kind: 'sequence', element };
      }
      case 'dictionary':
        return this.#dictionary(node, inModule);
      case 'named':
        return this.#named(node, inModule);
    }
  }

  #dictionary(node: Extract<TypeNode, { kind: 'dictionary' }>, inModule: string): TypeRef | undefined {
    const key = this.resolve(node.key, inModule);
    const value = this.resolve(node.value, inModule);
    if (!key || !value) return undefined;
    if (key.kind !== 'basic' || !KEY_TYPES.has(key.name)) {
      const shown = key.kind === 'basic' ? key.name : key.kind === 'struct' ? `struct ${key.ref.name}` : key.kind;
      this.#diagnostics.add(
        'IDL_DICT_KEY',
        node.key.pos,
        `dictionary key must be byte, short, int, long, string or bool, not ${shown}`,
      );
      return undefined;
    }
    return { kind: 'dictionary', key: key.name, value };
  }

  #named(node: Extract<TypeNode, { kind: 'named' }>, inModule: string): TypeRef | undefined {
    const found = this.lookup(node.module, node.name, inModule, node.pos);
    if (!found) return undefined;
    const { sym, q } = found;
    if (sym.decl.kind === 'interface') {
      this.#diagnostics.add('IDL_WRONG_KIND', node.pos, `'${node.name}' is an interface, not a data type`);
      return undefined;
    }
    if (sym.decl.kind === 'struct') return { kind: 'struct', ref: q };
    const type = this.typedef(sym.decl, q, node.pos);
    if (!type || (type.kind !== 'sequence' && type.kind !== 'dictionary' && type.kind !== 'bytes')) return undefined;
    return { ...type, alias: q };
  }

  /** The container type a `sequence<...> Name;` or `dictionary<...> Name;` stands for. */
  typedef(decl: TypedefNode, q: QName, usedAt: SourcePos): TypeRef | undefined {
    const key = `${q.module}::${q.name}`;
    if (this.#typedefs.has(key)) {
      const done = this.#typedefs.get(key);
      if (done === null) {
        this.#diagnostics.add('IDL_RECURSIVE_TYPE', usedAt, `'${q.name}' is defined in terms of itself`);
        return undefined;
      }
      return done;
    }
    this.#typedefs.set(key, null);
    const type = this.resolve(decl.type, q.module);
    this.#typedefs.set(key, type);
    return type;
  }
}
