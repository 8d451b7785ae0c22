/**
 * The checked, resolved form of a compilation: every name bound, every number assigned. The code
 * generators read only this, never the syntax tree.
 */
import type { BasicName } from './ast.js';
import type { SourcePos } from './errors.js';

/** A declaration's full name: its module and its name in it. */
export interface QName {
  readonly module: string;
  readonly name: string;
}

/** A resolved type. `alias` records the `sequence<>`/`dictionary<>` name it was written as, if any. */
export type TypeRef =
  | { readonly kind: 'basic'; readonly name: BasicName }
  | { readonly kind: 'bytes'; readonly alias?: QName }
  | { readonly kind: 'struct'; readonly ref: QName }
  | { readonly kind: 'sequence'; readonly element: TypeRef; readonly alias?: QName }
  | { readonly kind: 'dictionary'; readonly key: BasicName; readonly value: TypeRef; readonly alias?: QName };

/** A struct field or an operation parameter, with its protobuf field number. */
export interface FieldModel {
  readonly name: string;
  readonly number: number;
  readonly type: TypeRef;
  readonly comment: string | undefined;
  /** Where it is declared. */
  readonly pos: SourcePos;
}

/** A struct: a protobuf message. */
export interface StructModel {
  readonly kind: 'struct';
  readonly module: string;
  readonly name: string;
  readonly fields: readonly FieldModel[];
  readonly comment: string | undefined;
}

/** A named `sequence<T>` or `dictionary<K,V>`. */
export interface TypedefModel {
  readonly kind: 'typedef';
  readonly module: string;
  readonly name: string;
  /** The container type, without an alias. */
  readonly type: TypeRef;
  readonly comment: string | undefined;
}

/** An operation of an interface. */
export interface OperationModel {
  readonly name: string;
  /** `module.Interface.operation`. */
  readonly route: string;
  /** The operation's number inside its interface (1..255). */
  readonly index: number;
  /** The route's number: interface index * 256 + operation index. */
  readonly code: number;
  readonly params: readonly FieldModel[];
  /** Undefined for void. */
  readonly returns: TypeRef | undefined;
  readonly comment: string | undefined;
}

/** An interface: a proxy, and a servant base unless `skeleton` is off. */
export interface InterfaceModel {
  readonly kind: 'interface';
  readonly module: string;
  readonly name: string;
  /** The interface's number in the compilation (1..255). */
  readonly index: number;
  readonly base: QName | undefined;
  /** Own operations only, in declaration order. */
  readonly operations: readonly OperationModel[];
  /** False when `[skeleton_ts=false]` or `[skeleton_js=false]`: no servant base is generated. */
  readonly skeleton: boolean;
  readonly comment: string | undefined;
}

/** All declarations of one module (merged over every file that declares it), in source order. */
export interface ModuleModel {
  readonly name: string;
  /** The IDL files that declare part of this module. */
  readonly files: readonly string[];
  readonly structs: readonly StructModel[];
  readonly typedefs: readonly TypedefModel[];
  readonly interfaces: readonly InterfaceModel[];
}

/** A whole checked compilation. */
export interface IdlModel {
  readonly modules: readonly ModuleModel[];
  /** The interface named `q`; only names the checker resolved are asked for. */
  interfaceOf(q: QName): InterfaceModel;
  /** The struct named `q`. */
  structOf(q: QName): StructModel;
}

/** Whether a value of this type is a container (sequence other than bytes, or dictionary). */
export function isContainer(t: TypeRef): t is Extract<TypeRef, { kind: 'sequence' | 'dictionary' }> {
  return t.kind === 'sequence' || t.kind === 'dictionary';
}

/** The interface and its bases, nearest first. */
export function ancestry(model: IdlModel, iface: InterfaceModel): InterfaceModel[] {
  const out: InterfaceModel[] = [];
  for (let i: InterfaceModel | undefined = iface; i; i = i.base ? model.interfaceOf(i.base) : undefined) out.push(i);
  return out;
}
