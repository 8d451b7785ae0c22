/**
 * Splits IDL text into tokens with their line and column. Comments are `//` and `#` to the end of
 * the line (as in TCE) and `/* ... *\/` blocks. `>>` is two tokens, so `sequence<sequence<int>>` needs
 * no space.
 */
import { IdlError, type SourcePos } from './errors.js';

/** Kinds of token. */
export type TokenKind = 'ident' | 'number' | 'string' | 'punct' | 'eof';

/** One token; `value` is the number or the unescaped string for those kinds. */
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly value: number | string | undefined;
  readonly pos: SourcePos;
}

const PUNCT = new Set(['{', '}', '(', ')', '<', '>', '[', ']', ',', ';', '=']);
const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;
const DIGIT = /[0-9]/;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', "'": "'", '\\': '\\' };

/** Tokenizes a whole file; the last token is `eof`. Throws IdlError(IDL_SYNTAX) on a bad character. */
export function tokenize(text: string, file: string): Token[] {
  return new Lexer(text, file).run();
}

class Lexer {
  readonly #text: string;
  readonly #file: string;
  #i = 0;
  #line = 1;
  #lineStart = 0;
  readonly #tokens: Token[] = [];

  constructor(text: string, file: string) {
    this.#text = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    this.#file = file;
  }

  run(): Token[] {
    for (;;) {
      this.#skipSpaceAndComments();
      const pos = this.#pos();
      if (this.#i >= this.#text.length) {
        this.#tokens.push({ kind: 'eof', text: '', value: undefined, pos });
        return this.#tokens;
      }
      this.#tokens.push(this.#token(pos));
    }
  }

  #token(pos: SourcePos): Token {
    const t = this.#text;
    const c = t[this.#i]!;
    if (IDENT_START.test(c)) return this.#ident(pos);
    if (DIGIT.test(c) || (c === '-' && DIGIT.test(t[this.#i + 1] ?? ''))) return this.#number(pos);
    if (c === '"' || c === "'") return this.#string(pos, c);
    if (c === ':' && t[this.#i + 1] === ':') {
      this.#i += 2;
      return { kind: 'punct', text: '::', value: undefined, pos };
    }
    if (PUNCT.has(c)) {
      this.#i++;
      return { kind: 'punct', text: c, value: undefined, pos };
    }
    throw this.#error(pos, `unexpected character ${JSON.stringify(c)}`);
  }

  #ident(pos: SourcePos): Token {
    const start = this.#i;
    this.#i++;
    while (this.#i < this.#text.length && IDENT_PART.test(this.#text[this.#i]!)) this.#i++;
    return { kind: 'ident', text: this.#text.slice(start, this.#i), value: undefined, pos };
  }

  #number(pos: SourcePos): Token {
    const m = /^-?(0[xX][0-9a-fA-F]+|[0-9]+(\.[0-9]+)?)/.exec(this.#text.slice(this.#i, this.#i + 64))!;
    const text = m[0];
    this.#i += text.length;
    if (IDENT_PART.test(this.#text[this.#i] ?? '')) throw this.#error(pos, `malformed number starting ${JSON.stringify(text)}`);
    const negative = text.startsWith('-');
    const body = negative ? text.slice(1) : text;
    const value = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : Number(body);
    return { kind: 'number', text, value: negative ? -value : value, pos };
  }

  #string(pos: SourcePos, quote: string): Token {
    const t = this.#text;
    let i = this.#i + 1;
    let value = '';
    for (;;) {
      const c = t[i];
      if (c === undefined || c === '\n') throw this.#error(pos, 'string not closed before the end of the line');
      if (c === quote) break;
      if (c === '\\') {
        const e = t[i + 1];
        if (e === undefined || ESCAPES[e] === undefined) throw this.#error(pos, `unknown escape \\${e ?? ''} in string`);
        value += ESCAPES[e];
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    const text = t.slice(this.#i, i + 1);
    this.#i = i + 1;
    return { kind: 'string', text, value, pos };
  }

  #skipSpaceAndComments(): void {
    const t = this.#text;
    while (this.#i < t.length) {
      const c = t[this.#i]!;
      if (c === '\n') {
        this.#i++;
        this.#line++;
        this.#lineStart = this.#i;
      } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v' || c === '\u00a0') {
        this.#i++;
      } else if (c === '#' || (c === '/' && t[this.#i + 1] === '/')) {
        while (this.#i < t.length && t[this.#i] !== '\n') this.#i++;
      } else if (c === '/' && t[this.#i + 1] === '*') {
        this.#blockComment();
      } else {
        return;
      }
    }
  }

  #blockComment(): void {
    const pos = this.#pos();
    const end = this.#text.indexOf('*/', this.#i + 2);
    if (end < 0) throw this.#error(pos, 'comment /* not closed');
    for (let k = this.#i; k < end; k++) {
      if (this.#text[k] === '\n') {
        this.#line++;
        this.#lineStart = k + 1;
      }
    }
    this.#i = end + 2;
  }

  #pos(): SourcePos {
    return { file: this.#file, line: this.#line, col: this.#i - this.#lineStart + 1 };
  }

  #error(pos: SourcePos, detail: string): IdlError {
    return new IdlError('IDL_SYNTAX', pos, detail);
  }
}
