/**
 * Names of the protobuf messages a module needs besides its structs, shared by the `.proto` and
 * TypeScript generators so both agree:
 * - `I_op_Args` / `I_op_Result` per operation (field i = parameter i; field 1 = the result);
 * - wrapper messages for containers held directly by containers, which protobuf cannot express
 *   (`repeated repeated`, `map<K, repeated V>`): `sequence<sequence<int>>` is `repeated Seq_int`
 *   with `message Seq_int { repeated int32 value = 1; }`, and `dictionary<string, sequence<Pet>>` is
 *   `map<string, Seq_Pet>`. Names follow the type (`Seq_<T>`, `Dict_<K>_<V>`, `Mod_Struct` for a
 *   struct of another module); a name already taken gets `_2`, `_3`, ...
 */
import { isContainer, type ModuleModel, type OperationModel, type InterfaceModel, type TypeRef } from './model.js';

/** A container type (what a wrapper message holds in its field 1). */
export type ContainerType = Extract<TypeRef, { kind: 'sequence' | 'dictionary' }>;

/** One wrapper message: its name and the container it holds. */
export interface WrapperPlan {
  readonly name: string;
  readonly type: ContainerType;
}

/** Canonical text of a type, ignoring aliases: two types with the same key share a wrapper. */
export function typeKey(t: TypeRef): string {
  switch (t.kind) {
    case 'basic':
      return t.name;
    case 'bytes':
      return 'bytes';
    case 'struct':
      return `${t.ref.module}::${t.ref.name}`;
    case 'sequence':
      return `sequence<${typeKey(t.element)}>`;
    case 'dictionary':
      return `dictionary<${t.key},${typeKey(t.value)}>`;
  }
}

function label(t: TypeRef, module: string): string {
  switch (t.kind) {
    case 'basic':
    case 'bytes':
      return t.kind === 'basic' ? t.name : 'bytes';
    case 'struct':
      return t.ref.module === module ? t.ref.name : `${t.ref.module}_${t.ref.name}`;
    case 'sequence':
      return `Seq_${label(t.element, module)}`;
    case 'dictionary':
      return `Dict_${t.key}_${label(t.value, module)}`;
  }
}

/** The generated message names of one module. */
export class MessagePlan {
  readonly #module: string;
  readonly #taken = new Set<string>();
  readonly #wrappers = new Map<string, WrapperPlan>();
  readonly #ops = new Map<OperationModel, { args: string; result: string }>();

  constructor(module: ModuleModel) {
    this.#module = module.name;
    for (const s of module.structs) this.#taken.add(s.name);
    for (const i of module.interfaces) this.#taken.add(i.name);
    for (const i of module.interfaces) {
      for (const op of i.operations) {
        this.#ops.set(op, { args: this.#claim(`${i.name}_${op.name}_Args`), result: this.#claim(`${i.name}_${op.name}_Result`) });
      }
    }
    for (const s of module.structs) for (const f of s.fields) this.#visit(f.type);
    for (const i of module.interfaces) this.#visitInterface(i);
  }

  /** Wrapper messages in the order first needed. */
  get wrappers(): readonly WrapperPlan[] {
    return [...this.#wrappers.values()];
  }

  /** The wrapper message holding `t` (a container nested in a container). */
  wrapperOf(t: ContainerType): string {
    const w = this.#wrappers.get(typeKey(t));
    if (!w) throw new Error(`no wrapper planned for ${typeKey(t)}`);
    return w.name;
  }

  /** The names of an operation's argument and result messages. */
  messagesOf(op: OperationModel): { args: string; result: string } {
    return this.#ops.get(op)!;
  }

  #visitInterface(i: InterfaceModel): void {
    for (const op of i.operations) {
      for (const p of op.params) this.#visit(p.type);
      if (op.returns) this.#visit(op.returns);
    }
  }

  /** Plans wrappers for every container held directly by a container inside `t`. */
  #visit(t: TypeRef): void {
    const inner = t.kind === 'sequence' ? t.element : t.kind === 'dictionary' ? t.value : undefined;
    if (!inner) return;
    if (isContainer(inner)) this.#need(inner);
    this.#visit(inner);
  }

  #need(t: ContainerType): void {
    const key = typeKey(t);
    if (this.#wrappers.has(key)) return;
    const stripped: ContainerType = t.kind === 'sequence' ? { kind: 'sequence', element: t.element } : { kind: 'dictionary', key: t.key, value: t.value };
    this.#wrappers.set(key, { name: this.#claim(label(t, this.#module)), type: stripped });
  }

  #claim(name: string): string {
    let n = name;
    for (let i = 2; this.#taken.has(n); i++) n = `${name}_${i}`;
    this.#taken.add(n);
    return n;
  }
}
