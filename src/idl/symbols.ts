/**
 * The module-level names of a compilation. A module may be spread over several files; its
 * declarations are merged, and a name declared twice is an error wherever the two are.
 */
import type { DeclNode, IdlFileNode } from './ast.js';
import type { Diagnostics } from './errors.js';
import { reservedTypeName } from './names.js';

/** Generated code imports the runtime as `$rt` and module `m` as `$m`, so no module may be called `rt`. */
const RUNTIME_ALIAS = 'rt';

/** A declaration and where it lives. */
export interface IdlSymbol {
  readonly module: string;
  readonly file: string;
  readonly decl: DeclNode;
}

/** One module: its files and its declarations in source order. */
export interface ModuleSymbols {
  readonly name: string;
  readonly files: string[];
  readonly decls: IdlSymbol[];
  readonly byName: Map<string, IdlSymbol>;
}

/** Every module of the compilation, by name, in the order first seen. */
export class SymbolTable {
  readonly modules = new Map<string, ModuleSymbols>();

  /** Collects the declarations of `files`, reporting duplicate and reserved names. */
  constructor(files: readonly IdlFileNode[], diagnostics: Diagnostics) {
    for (const file of files) {
      for (const mod of file.modules) {
        if (mod.name === RUNTIME_ALIAS) {
          diagnostics.add('IDL_RESERVED_NAME', mod.pos, `module name '${mod.name}' would clash with the runtime import of generated code`);
        }
        const symbols = this.#module(mod.name);
        if (!symbols.files.includes(file.path)) symbols.files.push(file.path);
        for (const decl of mod.decls) this.#declare(symbols, { module: mod.name, file: file.path, decl }, diagnostics);
      }
    }
    this.#checkProxyNames(diagnostics);
  }

  /** The symbol `name` in module `module`, if declared. */
  lookup(module: string, name: string): IdlSymbol | undefined {
    return this.modules.get(module)?.byName.get(name);
  }

  #module(name: string): ModuleSymbols {
    let m = this.modules.get(name);
    if (!m) {
      m = { name, files: [], decls: [], byName: new Map() };
      this.modules.set(name, m);
    }
    return m;
  }

  #declare(symbols: ModuleSymbols, sym: IdlSymbol, diagnostics: Diagnostics): void {
    const { decl } = sym;
    const reserved = reservedTypeName(decl.name);
    if (reserved) diagnostics.add('IDL_RESERVED_NAME', decl.pos, `${reserved}; choose another name`);
    const first = symbols.byName.get(decl.name);
    if (first) {
      const at = `${first.decl.pos.file}:${first.decl.pos.line}:${first.decl.pos.col}`;
      diagnostics.add('IDL_DUPLICATE_NAME', decl.pos, `'${decl.name}' is already declared in module ${sym.module} at ${at}`);
      return;
    }
    symbols.byName.set(decl.name, sym);
    symbols.decls.push(sym);
  }

  /** Each interface `I` becomes a class `IProxy`, which must not clash with a declared name. */
  #checkProxyNames(diagnostics: Diagnostics): void {
    for (const m of this.modules.values()) {
      for (const sym of m.decls) {
        if (sym.decl.kind !== 'interface') continue;
        const clash = m.byName.get(`${sym.decl.name}Proxy`);
        if (clash) {
          diagnostics.add(
            'IDL_DUPLICATE_NAME',
            clash.decl.pos,
            `'${clash.decl.name}' clashes with the proxy class generated for interface ${sym.decl.name}`,
          );
        }
      }
    }
  }
}
