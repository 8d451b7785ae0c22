/**
 * Recursive-descent parser for the IDL (TCE's language). Accepts what TCE accepts: several
 * modules per file with no `;` after a module's `}`, `import name` with or without `;`, annotations
 * `[key=value, ...]` before declarations; and is lenient where TCE files differ: the `;` after a
 * struct's or interface's `}` may be left out.
 */
import {
  BASIC_TYPES,
  type Annotation,
  type AnnotationValue,
  type BasicName,
  type DeclNode,
  type FieldNode,
  type IdlFileNode,
  type ImportNode,
  type InterfaceNode,
  type ModuleNode,
  type OperationNode,
  type StructNode,
  type TypedefNode,
  type TypeNode,
} from './ast.js';
import { IdlError } from './errors.js';
import { tokenize, type Token } from './lexer.js';

const KEYWORDS = new Set<string>([
  'module', 'interface', 'struct', 'sequence', 'dictionary', 'import', 'extends', 'void', ...BASIC_TYPES,
]);
const BASIC = new Set<string>(BASIC_TYPES);

/** Parses one IDL file. Throws IdlError(IDL_SYNTAX) at the first token that does not fit. */
export function parseIdl(text: string, file: string): IdlFileNode {
  return new Parser(tokenize(text, file), file).file();
}

/** How a token reads in an error message. */
function describe(t: Token): string {
  if (t.kind === 'eof') return 'the end of the file';
  if (t.kind === 'ident') return KEYWORDS.has(t.text) ? `keyword '${t.text}'` : `name '${t.text}'`;
  if (t.kind === 'string') return `string ${t.text}`;
  return `'${t.text}'`;
}

class Parser {
  readonly #tokens: Token[];
  readonly #file: string;
  #i = 0;

  constructor(tokens: Token[], file: string) {
    this.#tokens = tokens;
    this.#file = file;
  }

  file(): IdlFileNode {
    const imports: ImportNode[] = [];
    const modules: ModuleNode[] = [];
    while (this.#peek().kind !== 'eof') {
      if (this.#is('import')) {
        imports.push(this.#import());
        continue;
      }
      const annotations = this.#annotations();
      if (!this.#is('module')) throw this.#expected("'module' or 'import'");
      modules.push(this.#module(annotations));
    }
    return { path: this.#file, imports, modules };
  }

  #import(): ImportNode {
    const pos = this.#next().pos;
    const t = this.#peek();
    let spec: string;
    if (t.kind === 'string') spec = String(this.#next().value);
    else if (t.kind === 'ident' && !KEYWORDS.has(t.text)) spec = this.#next().text;
    else throw this.#expected('a file name after import');
    this.#accept(';');
    return { spec, pos };
  }

  #module(annotations: Annotation[]): ModuleNode {
    this.#next();
    const pos = this.#peek().pos;
    const name = this.#name('a module name');
    this.#expect('{');
    const decls: DeclNode[] = [];
    while (!this.#accept('}')) decls.push(this.#decl());
    this.#accept(';');
    return { name, decls, annotations, pos };
  }

  #decl(): DeclNode {
    const annotations = this.#annotations();
    if (this.#is('struct')) return this.#struct(annotations);
    if (this.#is('interface')) return this.#interface(annotations);
    if (this.#is('sequence') || this.#is('dictionary')) return this.#typedef(annotations);
    throw this.#expected("'struct', 'interface', 'sequence', 'dictionary' or '}'");
  }

  #struct(annotations: Annotation[]): StructNode {
    this.#next();
    const pos = this.#peek().pos;
    const name = this.#name('a struct name');
    this.#expect('{');
    const fields: FieldNode[] = [];
    while (!this.#accept('}')) {
      const fieldAnnotations = this.#annotations();
      const type = this.#type();
      const fieldPos = this.#peek().pos;
      const fieldName = this.#name('a field name');
      this.#expect(';', `after field '${fieldName}'`);
      fields.push({ name: fieldName, type, annotations: fieldAnnotations, pos: fieldPos });
    }
    this.#accept(';');
    return { kind: 'struct', name, fields, annotations, pos };
  }

  #typedef(annotations: Annotation[]): TypedefNode {
    const type = this.#type();
    const pos = this.#peek().pos;
    const name = this.#name(`a name for the ${type.kind}`);
    this.#expect(';', `after '${name}'`);
    return { kind: 'typedef', name, type, annotations, pos };
  }

  #interface(annotations: Annotation[]): InterfaceNode {
    this.#next();
    const pos = this.#peek().pos;
    const name = this.#name('an interface name');
    let base: InterfaceNode['base'];
    if (this.#is('extends')) {
      this.#next();
      const basePos = this.#peek().pos;
      const q = this.#qualifiedName('a base interface name');
      base = { ...q, pos: basePos };
    }
    this.#expect('{');
    const operations: OperationNode[] = [];
    while (!this.#accept('}')) operations.push(this.#operation());
    this.#accept(';');
    return { kind: 'interface', name, base, operations, annotations, pos };
  }

  #operation(): OperationNode {
    const annotations = this.#annotations();
    let returns: TypeNode | undefined;
    if (this.#is('void')) this.#next();
    else returns = this.#type('a return type or void');
    const pos = this.#peek().pos;
    const name = this.#name('an operation name');
    this.#expect('(');
    const params: FieldNode[] = [];
    if (!this.#accept(')')) {
      do {
        const paramAnnotations = this.#annotations();
        const type = this.#type();
        const paramPos = this.#peek().pos;
        params.push({ name: this.#name('a parameter name'), type, annotations: paramAnnotations, pos: paramPos });
      } while (this.#accept(','));
      this.#expect(')', `after the parameters of '${name}'`);
    }
    this.#expect(';', `after operation '${name}'`);
    return { name, returns, params, annotations, pos };
  }

  #type(what = 'a type'): TypeNode {
    const t = this.#peek();
    const pos = t.pos;
    if (t.kind !== 'ident') throw this.#expected(what);
    if (BASIC.has(t.text)) {
      this.#next();
      return { kind: 'basic', name: t.text as BasicName, pos };
    }
    if (t.text === 'sequence') {
      this.#next();
      this.#expect('<');
      const element = this.#type();
      this.#expect('>', 'to close sequence<');
      return { kind: 'sequence', element, pos };
    }
    if (t.text === 'dictionary') {
      this.#next();
      this.#expect('<');
      const key = this.#type();
      this.#expect(',', 'between the key and value types of dictionary<K,V>');
      const value = this.#type();
      this.#expect('>', 'to close dictionary<');
      return { kind: 'dictionary', key, value, pos };
    }
    if (t.text === 'void') throw new IdlError('IDL_SYNTAX', pos, 'void is only allowed as the return type of an operation');
    return { kind: 'named', ...this.#qualifiedName(what), pos };
  }

  #qualifiedName(what: string): { module: string | undefined; name: string } {
    const first = this.#name(what);
    if (!this.#accept('::')) return { module: undefined, name: first };
    return { module: first, name: this.#name(`a name after '${first}::'`) };
  }

  /** Zero or more `[key=value, ...]` lists, merged. */
  #annotations(): Annotation[] {
    const out: Annotation[] = [];
    while (this.#accept('[')) {
      if (this.#accept(']')) continue;
      do {
        if (this.#peek().text === ']') break;
        const pos = this.#peek().pos;
        if (this.#peek().kind !== 'ident') throw this.#expected('an annotation key');
        const key = this.#next().text;
        this.#expect('=', `after annotation key '${key}'`);
        out.push({ key, value: this.#annotationValue(), pos });
      } while (this.#accept(','));
      this.#expect(']', 'to close the annotation list');
    }
    return out;
  }

  #annotationValue(): AnnotationValue {
    const t = this.#peek();
    if (t.kind !== 'number' && t.kind !== 'string' && t.kind !== 'ident') {
      throw this.#expected('an annotation value (number, string, true, false or a name)');
    }
    this.#next();
    if (t.kind === 'ident') return t.text === 'true' ? true : t.text === 'false' ? false : t.text;
    return t.value!;
  }

  #name(what: string): string {
    const t = this.#peek();
    if (t.kind !== 'ident' || KEYWORDS.has(t.text)) throw this.#expected(what);
    this.#next();
    return t.text;
  }

  #is(keyword: string): boolean {
    const t = this.#peek();
    return t.kind === 'ident' && t.text === keyword;
  }

  #accept(punct: string): boolean {
    const t = this.#peek();
    if (t.kind !== 'punct' || t.text !== punct) return false;
    this.#i++;
    return true;
  }

  #expect(punct: string, context?: string): void {
    if (!this.#accept(punct)) throw this.#expected(context ? `'${punct}' ${context}` : `'${punct}'`);
  }

  #peek(): Token {
    return this.#tokens[this.#i]!;
  }

  #next(): Token {
    const t = this.#tokens[this.#i]!;
    if (t.kind !== 'eof') this.#i++;
    return t;
  }

  #expected(what: string): IdlError {
    const t = this.#peek();
    return new IdlError('IDL_SYNTAX', t.pos, `expected ${what}, found ${describe(t)}`);
  }
}

