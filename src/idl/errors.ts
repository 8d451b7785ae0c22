/**
 * The IDL compiler's error catalogue. Every diagnostic carries a stable code and the `file:line:col`
 * it points at; docs/errors.md lists each code with its fix.
 */
import { SwitchyardError } from '../wire/errors.js';

/** Codes of {@link IdlError}, each with what it means. */
export const IdlErrorCodes = {
  IDL_SYNTAX: 'the text does not follow the IDL grammar',
  IDL_BAD_ANNOTATION: 'an annotation value has the wrong type or a key is repeated',
  IDL_FILE_NOT_FOUND: 'an IDL file or an imported file cannot be read',
  IDL_IMPORT_CYCLE: 'files import each other in a cycle',
  IDL_UNKNOWN_TYPE: 'a type, interface or module name is not declared',
  IDL_WRONG_KIND: 'a name is used as a data type but is an interface, or extended but is not an interface',
  IDL_DUPLICATE_NAME: 'a name is declared twice in the same scope, or generated code would declare it twice',
  IDL_RESERVED_NAME: 'a name cannot be used because the generated code needs it',
  IDL_DICT_KEY: 'a dictionary key is not one of byte, short, int, long, string, bool',
  IDL_INHERITED_OP: 'an operation has the name of an operation of a base interface',
  IDL_EXTENDS_CYCLE: 'interfaces extend each other in a cycle',
  IDL_INDEX_COLLISION: 'two interfaces, operations or fields have the same index',
  IDL_INDEX_RANGE: 'an index is outside its allowed range',
  IDL_RECURSIVE_TYPE: 'a struct contains itself, or a sequence/dictionary name is defined by itself',
} as const;

/** One of {@link IdlErrorCodes}. */
export type IdlErrorCode = keyof typeof IdlErrorCodes;

/** A place in an IDL file; line and col are 1-based. */
export interface SourcePos {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** A compile error at a place in an IDL file; `all` holds every error of the run, this one first. */
export class IdlError extends SwitchyardError {
  declare readonly code: IdlErrorCode;
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** The bare description, without the position. */
  readonly detail: string;
  /** Every error found in the same run (this one included), in the order found. */
  all: readonly IdlError[];

  constructor(code: IdlErrorCode, pos: SourcePos, detail: string) {
    super(code, `${pos.file}:${pos.line}:${pos.col}: ${detail}`);
    this.file = pos.file;
    this.line = pos.line;
    this.col = pos.col;
    this.detail = detail;
    this.all = [this];
  }
}

/** Collects diagnostics so one run reports all of them, not only the first. */
export class Diagnostics {
  readonly #errors: IdlError[] = [];

  /** Records an error. */
  add(code: IdlErrorCode, pos: SourcePos, detail: string): void {
    this.#errors.push(new IdlError(code, pos, detail));
  }

  /** Whether any error was recorded. */
  get failed(): boolean {
    return this.#errors.length > 0;
  }

  /** Throws the first error (carrying all of them) when there is any. */
  throwIfAny(): void {
    if (this.#errors.length === 0) return;
    const first = this.#errors[0]!;
    first.all = [...this.#errors];
    throw first;
  }
}
