/**
 * Turns parsed files into the resolved model: binds names, numbers fields, checks structs, then
 * hands interfaces to check-interfaces.ts. Reports every error it finds, then throws the first.
 */
import type { IdlFileNode, StructNode, TypedefNode } from './ast.js';
import { readAnnotations } from './annotations.js';
import { checkFields, keyOf } from './check-fields.js';
import { checkInterfaces } from './check-interfaces.js';
import { Diagnostics } from './errors.js';
import type { IdlModel, InterfaceModel, ModuleModel, QName, StructModel, TypedefModel } from './model.js';
import { SymbolTable } from './symbols.js';
import { TypeResolver } from './type-resolver.js';

/** Checks a compilation (files in dependency order); throws IdlError listing every problem. */
export function checkIdl(files: readonly IdlFileNode[]): IdlModel {
  const diagnostics = new Diagnostics();
  const symbols = new SymbolTable(files, diagnostics);
  const types = new TypeResolver(symbols, diagnostics);
  const structs = new Map<string, StructModel>();
  const typedefs = new Map<string, TypedefModel>();
  for (const m of symbols.modules.values()) {
    for (const { decl } of m.decls) {
      const q = { module: m.name, name: decl.name };
      if (decl.kind === 'struct') {
        structs.set(keyOf(q), checkStruct(decl, q, types, diagnostics));
      } else if (decl.kind === 'typedef') {
        typedefs.set(keyOf(q), checkTypedef(decl, q, types, diagnostics));
      }
    }
  }
  checkStructCycles(structs, diagnostics);
  const interfaces = checkInterfaces(symbols, types, diagnostics);
  diagnostics.throwIfAny();
  return buildModel(symbols, structs, typedefs, interfaces);
}

function checkTypedef(decl: TypedefNode, q: QName, types: TypeResolver, diagnostics: Diagnostics): TypedefModel {
  const type = types.typedef(decl, q, decl.pos) ?? { kind: 'basic', name: 'int' };
  return { kind: 'typedef', module: q.module, name: q.name, type, comment: readAnnotations(decl.annotations, diagnostics).comment };
}

function checkStruct(decl: StructNode, q: QName, types: TypeResolver, diagnostics: Diagnostics): StructModel {
  const fields = checkFields(decl.fields, q.module, `struct ${decl.name}`, types, diagnostics, true);
  return { kind: 'struct', module: q.module, name: q.name, fields, comment: readAnnotations(decl.annotations, diagnostics).comment };
}

/** A struct holding itself (not through a sequence or dictionary) has no finite default value. */
function checkStructCycles(structs: Map<string, StructModel>, diagnostics: Diagnostics): void {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (key: string): void => {
    state.set(key, 'open');
    path.push(key);
    const s = structs.get(key)!;
    for (const f of s.fields) {
      if (f.type.kind !== 'struct') continue;
      const next = keyOf(f.type.ref);
      if (state.get(next) === 'open') {
        const cycle = [...path.slice(path.indexOf(next)), next].map((k) => k.replace('::', '.')).join(' -> ');
        diagnostics.add(
          'IDL_RECURSIVE_TYPE',
          f.pos,
          `struct ${s.name} contains itself through field '${f.name}' (${cycle}); hold it in a sequence instead`,
        );
      } else if (!state.has(next) && structs.has(next)) {
        visit(next);
      }
    }
    path.pop();
    state.set(key, 'done');
  };
  for (const key of structs.keys()) if (!state.has(key)) visit(key);
}

function buildModel(
  symbols: SymbolTable,
  structs: Map<string, StructModel>,
  typedefs: Map<string, TypedefModel>,
  interfaces: Map<string, InterfaceModel>,
): IdlModel {
  const modules: ModuleModel[] = [...symbols.modules.values()].map((m) => {
    const keys = m.decls.map((s) => keyOf({ module: m.name, name: s.decl.name }));
    return {
      name: m.name,
      files: [...m.files],
      structs: keys.flatMap((k) => structs.get(k) ?? []),
      typedefs: keys.flatMap((k) => typedefs.get(k) ?? []),
      interfaces: keys.flatMap((k) => interfaces.get(k) ?? []),
    };
  });
  return {
    modules,
    interfaceOf: (q) => interfaces.get(keyOf(q))!,
    structOf: (q) => structs.get(keyOf(q))!,
  };
}
