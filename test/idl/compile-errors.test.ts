import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileIdlSources, IdlError, IdlErrorCodes, type IdlErrorCode } from '../../src/idl/index.js';

/** Codes the tests below have produced. */
const seen = new Set<string>();

/** Compiles `sources` expecting failure; returns the first error after checking it is an IdlError. */
function fail(sources: Record<string, string>, entries?: string[]): IdlError {
  try {
    compileIdlSources({ sources, entries });
  } catch (err) {
    assert.ok(err instanceof IdlError, `expected IdlError, got ${String(err)}`);
    seen.add(err.code);
    return err;
  }
  assert.fail('compiled without error');
}

/** Asserts the first error has this code, position and message. */
function expectError(sources: Record<string, string>, code: IdlErrorCode, at: string, message: RegExp): IdlError {
  const err = fail(sources);
  assert.equal(err.code, code, err.message);
  assert.equal(`${err.file}:${err.line}:${err.col}`, at);
  assert.ok(err.message.startsWith(`${at}: `), err.message);
  assert.match(err.detail, message);
  return err;
}

const lines = (...l: string[]): string => l.join('\n');

describe('IDL compile errors: each kind has its code, position and message', () => {
  it('IDL_SYNTAX: a missing semicolon', () => {
    expectError({ 'a.idl': lines('module a {', '  struct X {', '    int x', '  };', '}') }, 'IDL_SYNTAX', 'a.idl:4:3', /expected ';' after field 'x', found '}'/);
  });

  it('IDL_SYNTAX: a keyword where a name belongs, and a stray character', () => {
    expectError({ 'a.idl': 'module a { struct int {}; }' }, 'IDL_SYNTAX', 'a.idl:1:19', /expected a struct name, found keyword 'int'/);
    expectError({ 'a.idl': 'module a {\n  @\n}' }, 'IDL_SYNTAX', 'a.idl:2:3', /unexpected character "@"/);
    expectError({ 'a.idl': 'module a { struct S { void v; }; }' }, 'IDL_SYNTAX', 'a.idl:1:23', /void is only allowed as the return type/);
  });

  it('IDL_BAD_ANNOTATION: an index that is not an integer', () => {
    expectError({ 'a.idl': lines('module a {', '  [index="3"]', '  interface I { void f(); };', '}') }, 'IDL_BAD_ANNOTATION', 'a.idl:2:4', /index must be an integer, not "3"/);
  });

  it('IDL_FILE_NOT_FOUND: an import of a file that is not there', () => {
    expectError({ 'dir/a.idl': lines('// uses b', 'import b', 'module a {}') }, 'IDL_FILE_NOT_FOUND', 'dir/a.idl:2:1', /cannot read imported file 'dir\/b\.idl'/);
  });

  it('IDL_IMPORT_CYCLE: two files importing each other', () => {
    const err = fail({ 'a.idl': 'import b\nmodule a {}', 'b.idl': 'import "a.idl";\nmodule b {}' }, ['a.idl']);
    assert.equal(err.code, 'IDL_IMPORT_CYCLE');
    assert.equal(`${err.file}:${err.line}:${err.col}`, 'b.idl:1:1');
    assert.match(err.detail, /import cycle: a\.idl -> b\.idl -> a\.idl/);
  });

  it('IDL_UNKNOWN_TYPE: an undeclared type, and an unknown module', () => {
    expectError({ 'a.idl': 'module a {\n  struct S { Pet p; };\n}' }, 'IDL_UNKNOWN_TYPE', 'a.idl:2:14', /unknown type 'Pet' in module a/);
    expectError({ 'a.idl': 'module a { struct S { zoo::Pet p; }; }' }, 'IDL_UNKNOWN_TYPE', 'a.idl:1:23', /unknown module 'zoo' in 'zoo::Pet'/);
    expectError({ 'a.idl': 'module a { interface I extends Base {}; }' }, 'IDL_UNKNOWN_TYPE', 'a.idl:1:32', /unknown type 'Base'/);
  });

  it('IDL_WRONG_KIND: an interface used as a type, a struct extended', () => {
    expectError({ 'a.idl': 'module a {\n  interface I {};\n  struct S { I i; };\n}' }, 'IDL_WRONG_KIND', 'a.idl:3:14', /'I' is an interface, not a data type/);
    expectError({ 'a.idl': 'module a {\n  struct S {};\n  interface I extends S {};\n}' }, 'IDL_WRONG_KIND', 'a.idl:3:23', /'S' is a struct, not an interface/);
  });

  it('IDL_DUPLICATE_NAME: a type declared twice, even across files', () => {
    const err = fail({ 'a.idl': 'module m {\n  struct P {};\n}', 'b.idl': 'module m {\n  sequence<int> P;\n}' });
    assert.equal(err.code, 'IDL_DUPLICATE_NAME');
    assert.equal(`${err.file}:${err.line}:${err.col}`, 'b.idl:2:17');
    assert.match(err.detail, /'P' is already declared in module m at a\.idl:2:10/);
  });

  it('IDL_DUPLICATE_NAME: a field, a parameter, an operation, a generated proxy name', () => {
    expectError({ 'a.idl': 'module a { struct S { int x; string x; }; }' }, 'IDL_DUPLICATE_NAME', 'a.idl:1:37', /'x' is declared twice in struct S/);
    expectError({ 'a.idl': 'module a { interface I { void f(int x, int x); }; }' }, 'IDL_DUPLICATE_NAME', 'a.idl:1:44', /'x' is declared twice in operation f/);
    expectError({ 'a.idl': 'module a { interface I { void f(); int f(); }; }' }, 'IDL_DUPLICATE_NAME', 'a.idl:1:40', /operation 'f' is declared twice in interface I/);
    expectError({ 'a.idl': 'module a { interface I {}; struct IProxy {}; }' }, 'IDL_DUPLICATE_NAME', 'a.idl:1:35', /clashes with the proxy class generated for interface I/);
    expectError({ 'a.idl': 'module a { interface I { int f(); int f_async(); }; }' }, 'IDL_DUPLICATE_NAME', 'a.idl:1:39', /proxy method 'f_async'/);
  });

  it('IDL_RESERVED_NAME: names the generated code cannot use', () => {
    expectError({ 'a.idl': 'module a { struct Map {}; }' }, 'IDL_RESERVED_NAME', 'a.idl:1:19', /'Map' would hide the global/);
    expectError({ 'a.idl': 'module a { struct class {}; }' }, 'IDL_RESERVED_NAME', 'a.idl:1:19', /reserved word/);
    expectError({ 'a.idl': 'module a { interface I { void then(); }; }' }, 'IDL_RESERVED_NAME', 'a.idl:1:31', /'then' is a member/);
    expectError({ 'a.idl': 'module a { struct S { int __proto__; }; }' }, 'IDL_RESERVED_NAME', 'a.idl:1:27', /__proto__/);
    expectError({ 'a.idl': 'module rt {}' }, 'IDL_RESERVED_NAME', 'a.idl:1:8', /module name 'rt' would clash with the runtime import/);
  });

  it('IDL_DICT_KEY: a dictionary keyed by a struct or a float', () => {
    expectError(
      { 'a.idl': 'module a {\n  struct Pet { string name; };\n  dictionary<Pet, int> ByPet;\n}' },
      'IDL_DICT_KEY',
      'a.idl:3:14',
      /dictionary key must be byte, short, int, long, string or bool, not struct Pet/,
    );
    expectError({ 'a.idl': 'module a { struct S { dictionary<double, int> d; }; }' }, 'IDL_DICT_KEY', 'a.idl:1:34', /not double/);
    expectError({ 'a.idl': 'module a { sequence<int> L; struct S { dictionary<L, int> d; }; }' }, 'IDL_DICT_KEY', 'a.idl:1:51', /not sequence/);
  });

  it('IDL_INHERITED_OP: an operation repeated up the extends chain', () => {
    const src = lines('module a {', '  interface Base { string echo(string s); };', '  interface Mid extends Base {};', '  interface Top extends Mid {', '    void echo(int n);', '  };', '}');
    expectError({ 'a.idl': src }, 'IDL_INHERITED_OP', 'a.idl:5:10', /operation 'echo' of Top is already declared in base interface Base at a\.idl:2:27/);
  });

  it('IDL_INHERITED_OP: across modules too', () => {
    const err = fail({ 'a.idl': 'module a { interface Base { void ping(); }; }', 'b.idl': 'import a\nmodule b { interface T extends a::Base { void ping(); }; }' }, ['b.idl']);
    assert.equal(err.code, 'IDL_INHERITED_OP');
    assert.equal(`${err.file}:${err.line}:${err.col}`, 'b.idl:2:47');
  });

  it('IDL_EXTENDS_CYCLE: interfaces extending each other', () => {
    expectError({ 'a.idl': 'module a {\n  interface A extends B {};\n  interface B extends A {};\n}' }, 'IDL_EXTENDS_CYCLE', 'a.idl:2:23', /a\.A extends a\.B extends a\.A/);
  });

  it('IDL_INDEX_COLLISION: interfaces, operations and fields sharing an index', () => {
    expectError(
      { 'a.idl': 'module a {\n  [index=3] interface A {};\n}', 'b.idl': 'module b {\n  [index=3] interface B {};\n}' },
      'IDL_INDEX_COLLISION',
      'b.idl:2:4',
      /interface index 3 of interface b\.B is already used by interface a\.A/,
    );
    expectError({ 'a.idl': 'module a { interface I { [index=2] void f(); [index=2] void g(); }; }' }, 'IDL_INDEX_COLLISION', 'a.idl:1:47', /operation index 2 of operation I\.g is already used by operation I\.f/);
    expectError({ 'a.idl': 'module a { struct S { [index=2] int a; int b; }; }' }, 'IDL_INDEX_COLLISION', 'a.idl:1:44', /field 'b' of struct S has number 2, as 'a' has/);
  });

  it('IDL_INDEX_RANGE: indexes outside what the wire allows', () => {
    expectError({ 'a.idl': 'module a { [index=256] interface I {}; }' }, 'IDL_INDEX_RANGE', 'a.idl:1:13', /interface index 256 of interface a\.I is outside 1\.\.255/);
    expectError({ 'a.idl': 'module a { interface I { [index=0] void f(); }; }' }, 'IDL_INDEX_RANGE', 'a.idl:1:27', /operation index 0/);
    expectError({ 'a.idl': 'module a { struct S { [index=19500] int a; }; }' }, 'IDL_INDEX_RANGE', 'a.idl:1:24', /field index 19500/);
  });

  it('IDL_RECURSIVE_TYPE: a struct holding itself, a container named by itself', () => {
    expectError(
      { 'a.idl': 'module a {\n  struct A { B b; };\n  struct B { int n; A a; };\n}' },
      'IDL_RECURSIVE_TYPE',
      'a.idl:3:23',
      /struct B contains itself through field 'a' \(a\.A -> a\.B -> a\.A\); hold it in a sequence instead/,
    );
    expectError({ 'a.idl': 'module a { sequence<L> L; }' }, 'IDL_RECURSIVE_TYPE', 'a.idl:1:21', /'L' is defined in terms of itself/);
  });

  it('reports every error of a run, not only the first', () => {
    const err = fail({ 'a.idl': 'module a {\n  struct S { Foo f; Bar g; };\n  dictionary<S, int> D;\n}' });
    assert.deepEqual(
      err.all.map((e) => [e.code, e.line, e.col]),
      [
        ['IDL_UNKNOWN_TYPE', 2, 14],
        ['IDL_UNKNOWN_TYPE', 2, 21],
        ['IDL_DICT_KEY', 3, 14],
      ],
    );
  });

  it('has a test above for every code in the catalogue', () => {
    assert.deepEqual([...seen].sort(), Object.keys(IdlErrorCodes).sort());
  });
});
