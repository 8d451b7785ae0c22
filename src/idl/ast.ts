/**
 * The syntax tree of one IDL file, as the parser builds it: names are still unresolved text.
 * The checker turns it into the resolved model of model.ts.
 */
import type { SourcePos } from './errors.js';

/** The basic types of the language. */
export const BASIC_TYPES = ['byte', 'short', 'int', 'long', 'float', 'double', 'string', 'bool'] as const;

/** One of {@link BASIC_TYPES}. */
export type BasicName = (typeof BASIC_TYPES)[number];

/** An annotation value: `index=11`, `comment="..."`, `skeleton_js=false`. */
export type AnnotationValue = number | string | boolean;

/** One `key=value` of an annotation list `[...]`. */
export interface Annotation {
  readonly key: string;
  readonly value: AnnotationValue;
  readonly pos: SourcePos;
}

/** A type as written: a basic type, a (possibly `Module::`-qualified) name, or an inline container. */
export type TypeNode =
  | { readonly kind: 'basic'; readonly name: BasicName; readonly pos: SourcePos }
  | { readonly kind: 'named'; readonly module: string | undefined; readonly name: string; readonly pos: SourcePos }
  | { readonly kind: 'sequence'; readonly element: TypeNode; readonly pos: SourcePos }
  | { readonly kind: 'dictionary'; readonly key: TypeNode; readonly value: TypeNode; readonly pos: SourcePos };

/** A struct field, or an operation parameter. */
export interface FieldNode {
  readonly name: string;
  readonly type: TypeNode;
  readonly annotations: readonly Annotation[];
  readonly pos: SourcePos;
}

/** `struct Name { fields };` */
export interface StructNode {
  readonly kind: 'struct';
  readonly name: string;
  readonly fields: readonly FieldNode[];
  readonly annotations: readonly Annotation[];
  readonly pos: SourcePos;
}

/** `sequence<T> Name;` or `dictionary<K,V> Name;`: a name for a container type. */
export interface TypedefNode {
  readonly kind: 'typedef';
  readonly name: string;
  readonly type: TypeNode;
  readonly annotations: readonly Annotation[];
  readonly pos: SourcePos;
}

/** `R name(params);` inside an interface; `returns` is undefined for void. */
export interface OperationNode {
  readonly name: string;
  readonly returns: TypeNode | undefined;
  readonly params: readonly FieldNode[];
  readonly annotations: readonly Annotation[];
  readonly pos: SourcePos;
}

/** `interface Name extends Base { operations };` */
export interface InterfaceNode {
  readonly kind: 'interface';
  readonly name: string;
  readonly base: { readonly module: string | undefined; readonly name: string; readonly pos: SourcePos } | undefined;
  readonly operations: readonly OperationNode[];
  readonly annotations: readonly Annotation[];
  readonly pos: SourcePos;
}

/** Anything declared at module level. */
export type DeclNode = StructNode | TypedefNode | InterfaceNode;

/** `module name { declarations }` */
export interface ModuleNode {
  readonly name: string;
  readonly decls: readonly DeclNode[];
  readonly annotations: readonly Annotation[];
  readonly pos: SourcePos;
}

/** `import other` or `import "path/other.idl"`. */
export interface ImportNode {
  readonly spec: string;
  readonly pos: SourcePos;
}

/** One parsed IDL file. */
export interface IdlFileNode {
  readonly path: string;
  readonly imports: readonly ImportNode[];
  readonly modules: readonly ModuleNode[];
}
