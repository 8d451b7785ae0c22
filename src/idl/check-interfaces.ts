/**
 * Checks interfaces: `extends` targets and cycles, operation names up the inheritance chain, and
 * the numbering of routes. Route code = interface index * 256 + operation index, each index from
 * `[index=N]` (1..255) or else the lowest number left free, in declaration order. Interface indexes
 * are unique across the whole compilation, so every route of it has a distinct code.
 */
import type { InterfaceNode, OperationNode } from './ast.js';
import { readAnnotations, type ReadAnnotations } from './annotations.js';
import { checkFields, keyOf } from './check-fields.js';
import type { Diagnostics, SourcePos } from './errors.js';
import type { InterfaceModel, OperationModel, QName } from './model.js';
import { reservedOperationName } from './names.js';
import type { SymbolTable } from './symbols.js';
import type { TypeResolver } from './type-resolver.js';

/** Largest interface or operation index: codes must fit the 16-bit route dictionary. */
export const MAX_INDEX = 255;

interface Pending {
  readonly q: QName;
  readonly node: InterfaceNode;
  readonly notes: ReadAnnotations;
  base: QName | undefined;
}

/** Checks every interface; returns the models by `module::name`. */
export function checkInterfaces(symbols: SymbolTable, types: TypeResolver, diagnostics: Diagnostics): Map<string, InterfaceModel> {
  const pending = new Map<string, Pending>();
  for (const m of symbols.modules.values()) {
    for (const { decl } of m.decls) {
      if (decl.kind !== 'interface') continue;
      const q = { module: m.name, name: decl.name };
      const notes = readAnnotations(decl.annotations, diagnostics);
      pending.set(keyOf(q), { q, node: decl, notes, base: resolveBase(decl, m.name, types, diagnostics) });
    }
  }
  cutExtendsCycles(pending, diagnostics);
  const indexes = assignIndexes(
    [...pending.values()].map((p) => ({ what: `interface ${p.q.module}.${p.q.name}`, index: p.notes.index, pos: p.node.pos })),
    'interface',
    diagnostics,
  );
  const out = new Map<string, InterfaceModel>();
  [...pending.values()].forEach((p, i) => {
    const operations = checkOperations(p, indexes[i]!, types, diagnostics);
    out.set(keyOf(p.q), {
      kind: 'interface',
      module: p.q.module,
      name: p.q.name,
      index: indexes[i]!,
      base: p.base,
      operations,
      skeleton: p.notes.skeleton,
      comment: p.notes.comment,
    });
  });
  for (const p of pending.values()) checkInheritedNames(p, pending, diagnostics);
  return out;
}

function resolveBase(decl: InterfaceNode, module: string, types: TypeResolver, diagnostics: Diagnostics): QName | undefined {
  if (!decl.base) return undefined;
  const found = types.lookup(decl.base.module, decl.base.name, module, decl.base.pos);
  if (!found) return undefined;
  if (found.sym.decl.kind !== 'interface') {
    diagnostics.add('IDL_WRONG_KIND', decl.base.pos, `'${decl.base.name}' is a ${found.sym.decl.kind === 'struct' ? 'struct' : 'sequence or dictionary'}, not an interface`);
    return undefined;
  }
  return found.q;
}

/** Reports and breaks every `extends` cycle, so later walks up the chain terminate. */
function cutExtendsCycles(pending: Map<string, Pending>, diagnostics: Diagnostics): void {
  for (const p of pending.values()) {
    const seen = [keyOf(p.q)];
    for (let b = p.base; b; b = pending.get(keyOf(b))?.base) {
      if (keyOf(b) === keyOf(p.q)) {
        const chain = [...seen, keyOf(b)].map((k) => k.replace('::', '.')).join(' extends ');
        diagnostics.add('IDL_EXTENDS_CYCLE', p.node.base!.pos, `interfaces extend each other in a cycle: ${chain}`);
        p.base = undefined;
        break;
      }
      if (seen.includes(keyOf(b))) break;
      seen.push(keyOf(b));
    }
  }
}

/**
 * Gives each item its `[index]`, or the lowest free number in 1..255 when it has none; reports
 * explicit indexes out of range or used twice.
 */
function assignIndexes(
  items: readonly { what: string; index: ReadAnnotations['index']; pos: SourcePos }[],
  kind: string,
  diagnostics: Diagnostics,
): number[] {
  const used = new Map<number, string>();
  const out = items.map((item) => {
    if (!item.index) return 0;
    const { value, pos } = item.index;
    if (value < 1 || value > MAX_INDEX) {
      diagnostics.add('IDL_INDEX_RANGE', pos, `${kind} index ${value} of ${item.what} is outside 1..${MAX_INDEX}`);
      return -1;
    }
    const first = used.get(value);
    if (first) {
      diagnostics.add('IDL_INDEX_COLLISION', pos, `${kind} index ${value} of ${item.what} is already used by ${first}`);
      return -1;
    }
    used.set(value, item.what);
    return value;
  });
  let next = 1;
  return out.map((index, i) => {
    if (index !== 0) return index;
    while (used.has(next)) next++;
    if (next > MAX_INDEX) {
      diagnostics.add('IDL_INDEX_RANGE', items[i]!.pos, `more than ${MAX_INDEX} ${kind}s: no index left for ${items[i]!.what}`);
      return -1;
    }
    used.set(next, items[i]!.what);
    return next;
  });
}

function checkOperations(p: Pending, ifaceIndex: number, types: TypeResolver, diagnostics: Diagnostics): OperationModel[] {
  const seen = new Map<string, OperationNode>();
  const ops: OperationNode[] = [];
  const notes: ReadAnnotations[] = [];
  for (const op of p.node.operations) {
    const reserved = reservedOperationName(op.name);
    if (reserved) diagnostics.add('IDL_RESERVED_NAME', op.pos, `${reserved}; rename the operation`);
    const first = seen.get(op.name);
    if (first) {
      diagnostics.add('IDL_DUPLICATE_NAME', op.pos, `operation '${op.name}' is declared twice in interface ${p.q.name} (first at line ${first.pos.line})`);
      continue;
    }
    seen.set(op.name, op);
    ops.push(op);
    notes.push(readAnnotations(op.annotations, diagnostics));
  }
  const what = (op: OperationNode): string => `operation ${p.q.name}.${op.name}`;
  const indexes = assignIndexes(ops.map((op, i) => ({ what: what(op), index: notes[i]!.index, pos: op.pos })), 'operation', diagnostics);
  return ops.map((op, i) => {
    const owner = `operation ${op.name}`;
    const params = checkFields(op.params, p.q.module, owner, types, diagnostics, false);
    const returns = op.returns ? types.resolve(op.returns, p.q.module) : undefined;
    return {
      name: op.name,
      route: `${p.q.module}.${p.q.name}.${op.name}`,
      index: indexes[i]!,
      code: ifaceIndex * 256 + indexes[i]!,
      params,
      returns,
      comment: notes[i]!.comment,
    };
  });
}

/** The methods a proxy gets for an operation: the call, its callback form, and for void its one-way form. */
function memberNames(op: OperationNode): string[] {
  return op.returns ? [op.name, `${op.name}_async`] : [op.name, `${op.name}_async`, `${op.name}_oneway`];
}

/** Operation names must not repeat up the chain, nor clash with the generated `_async`/`_oneway` methods. */
function checkInheritedNames(p: Pending, pending: Map<string, Pending>, diagnostics: Diagnostics): void {
  const members = new Map<string, { op: string; iface: string; pos: SourcePos }>();
  const chain: Pending[] = [];
  for (let c: Pending | undefined = p; c; c = c.base ? pending.get(keyOf(c.base)) : undefined) chain.push(c);
  for (const c of chain.slice(1).reverse()) {
    for (const op of c.node.operations) for (const m of memberNames(op)) members.set(m, { op: op.name, iface: c.q.name, pos: op.pos });
  }
  const own = new Map<string, string>();
  for (const op of p.node.operations) {
    const inherited = members.get(op.name);
    if (inherited && inherited.op === op.name) {
      diagnostics.add(
        'IDL_INHERITED_OP',
        op.pos,
        `operation '${op.name}' of ${p.q.name} is already declared in base interface ${inherited.iface} at ${inherited.pos.file}:${inherited.pos.line}:${inherited.pos.col}`,
      );
      continue;
    }
    for (const m of memberNames(op)) {
      const clash = members.get(m) ?? (own.has(m) && own.get(m) !== op.name ? { op: own.get(m)!, iface: p.q.name } : undefined);
      if (clash) {
        diagnostics.add('IDL_DUPLICATE_NAME', op.pos, `the proxy method '${m}' of operation '${op.name}' clashes with one made for operation '${clash.op}' of ${clash.iface}`);
        break;
      }
      own.set(m, op.name);
    }
  }
}
