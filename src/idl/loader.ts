/**
 * Loads the entry IDL files and everything they import, depth first, refusing import cycles.
 * File access goes through an {@link IdlHost}, so the same loader serves the disk and in-memory
 * compilers.
 */
import type { IdlFileNode } from './ast.js';
import { Diagnostics, IdlError, type SourcePos } from './errors.js';
import { parseIdl } from './parser.js';

/** How the compiler reaches IDL files. */
export interface IdlHost {
  /** Text of the file at `path`, or undefined when it cannot be read. */
  read(path: string): string | undefined;
  /** The path that `import spec` written in file `from` refers to. */
  resolve(from: string, spec: string): string;
}

/** `import foo` means `foo.idl`; a quoted path without an extension gets `.idl` too. */
export function importFileName(spec: string): string {
  const base = spec.slice(spec.lastIndexOf('/') + 1);
  return base.includes('.') ? spec : `${spec}.idl`;
}

/** Parses `entries` and their imports; the result lists every file after the files it imports. */
export function loadIdlFiles(entries: readonly string[], host: IdlHost): IdlFileNode[] {
  return new Loader(host).run(entries);
}

class Loader {
  readonly #host: IdlHost;
  readonly #diagnostics = new Diagnostics();
  readonly #done = new Set<string>();
  readonly #stack: string[] = [];
  readonly #out: IdlFileNode[] = [];

  constructor(host: IdlHost) {
    this.#host = host;
  }

  run(entries: readonly string[]): IdlFileNode[] {
    for (const entry of entries) this.#visit(entry, { file: entry, line: 1, col: 1 }, 'IDL file');
    this.#diagnostics.throwIfAny();
    return this.#out;
  }

  #visit(path: string, from: SourcePos, what: string): void {
    const onStack = this.#stack.indexOf(path);
    if (onStack >= 0) {
      const chain = [...this.#stack.slice(onStack), path].join(' -> ');
      this.#diagnostics.add('IDL_IMPORT_CYCLE', from, `import cycle: ${chain}`);
      return;
    }
    if (this.#done.has(path)) return;
    this.#done.add(path);
    const text = this.#host.read(path);
    if (text === undefined) {
      this.#diagnostics.add('IDL_FILE_NOT_FOUND', from, `cannot read ${what} '${path}'`);
      return;
    }
    let file: IdlFileNode;
    try {
      file = parseIdl(text, path);
    } catch (err) {
      if (!(err instanceof IdlError)) throw err;
      this.#diagnostics.add(err.code, err, err.detail);
      return;
    }
    this.#stack.push(path);
    for (const imp of file.imports) {
      this.#visit(this.#host.resolve(path, importFileName(imp.spec)), imp.pos, 'imported file');
    }
    this.#stack.pop();
    this.#out.push(file);
  }
}
