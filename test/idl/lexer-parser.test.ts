import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InterfaceNode, StructNode, TypedefNode } from '../../src/idl/ast.js';
import { tokenize } from '../../src/idl/lexer.js';
import { parseIdl } from '../../src/idl/parser.js';

describe('IDL lexer', () => {
  it('skips // # and /* */ comments, tracks lines and columns, splits >>', () => {
    const tokens = tokenize('# hash\n// slashes\n/* block\n */ sequence<sequence<int>> x; "a\\"b" -12 0x1F', 'f.idl');
    assert.deepEqual(
      tokens.map((t) => [t.kind, t.text, t.pos.line, t.pos.col]),
      [
        ['ident', 'sequence', 4, 5], ['punct', '<', 4, 13], ['ident', 'sequence', 4, 14], ['punct', '<', 4, 22],
        ['ident', 'int', 4, 23], ['punct', '>', 4, 26], ['punct', '>', 4, 27], ['ident', 'x', 4, 29], ['punct', ';', 4, 30],
        ['string', '"a\\"b"', 4, 32], ['number', '-12', 4, 39], ['number', '0x1F', 4, 43], ['eof', '', 4, 47],
      ],
    );
    assert.equal(tokens[9]!.value, 'a"b');
    assert.equal(tokens[11]!.value, 31);
  });

  it('accepts a byte-order mark and CRLF line ends', () => {
    const tokens = tokenize('\ufeffmodule\r\n  a', 'f.idl');
    assert.deepEqual(tokens.map((t) => [t.text, t.pos.line, t.pos.col]), [['module', 1, 1], ['a', 2, 3], ['', 2, 4]]);
  });

  it('rejects an unterminated string or comment with its position', () => {
    assert.throws(() => tokenize('x "abc\n', 'f.idl'), /f\.idl:1:3: string not closed/);
    assert.throws(() => tokenize('\n  /* open', 'f.idl'), /f\.idl:2:3: comment \/\* not closed/);
  });
});

describe('IDL parser', () => {
  it('reads several modules, imports with and without quotes and semicolons', () => {
    const file = parseIdl('import a\nimport "lib/b.idl";\nmodule m1 {}\nmodule m2 { struct S {}; };', 'f.idl');
    assert.deepEqual(file.imports.map((i) => i.spec), ['a', 'lib/b.idl']);
    assert.deepEqual(file.modules.map((m) => m.name), ['m1', 'm2']);
  });

  it('reads structs, named containers, inline containers and cross-module names', () => {
    const file = parseIdl('module m { struct S { A::P p; dictionary<string, sequence<int>> d; } sequence<S> L; }', 'f.idl');
    const [s, l] = file.modules[0]!.decls as [StructNode, TypedefNode];
    assert.deepEqual(s.fields[0]!.type, { kind: 'named', module: 'A', name: 'P', pos: { file: 'f.idl', line: 1, col: 23 } });
    assert.equal(s.fields[1]!.type.kind, 'dictionary');
    assert.equal(l.name, 'L');
    assert.equal(l.type.kind, 'sequence');
  });

  it('reads interfaces with extends, void operations and annotations of every value kind', () => {
    const src = '[index=11, comment="base", skeleton_js=false, owner=ops]\ninterface I extends A::B {\n  [index=5] void f(int a, string b);\n  string g();\n}';
    const iface = parseIdl(`module m { ${src} }`, 'f.idl').modules[0]!.decls[0] as InterfaceNode;
    assert.deepEqual(iface.annotations.map((a) => [a.key, a.value]), [['index', 11], ['comment', 'base'], ['skeleton_js', false], ['owner', 'ops']]);
    assert.deepEqual(iface.base && [iface.base.module, iface.base.name], ['A', 'B']);
    assert.deepEqual(iface.operations.map((o) => [o.name, o.returns?.kind, o.params.map((p) => p.name)]), [['f', undefined, ['a', 'b']], ['g', 'basic', []]]);
    assert.deepEqual(iface.operations[0]!.annotations.map((a) => a.value), [5]);
  });

  it('accepts annotations on structs, fields and modules', () => {
    const file = parseIdl('[comment="m"] module m { [comment="s"] struct S { [index=3] int x; }; }', 'f.idl');
    const s = file.modules[0]!.decls[0] as StructNode;
    assert.equal(s.annotations[0]!.value, 's');
    assert.equal(s.fields[0]!.annotations[0]!.value, 3);
  });

  it('names what it expected and what it found', () => {
    assert.throws(() => parseIdl('module m { interface I { string f(int a int b); }; }', 'f.idl'), /f\.idl:1:41: expected '\)' after the parameters of 'f', found keyword 'int'/);
    assert.throws(() => parseIdl('module m {', 'f.idl'), /f\.idl:1:11: expected 'struct', 'interface', 'sequence', 'dictionary' or '}', found the end of the file/);
    assert.throws(() => parseIdl('struct S {};', 'f.idl'), /f\.idl:1:1: expected 'module' or 'import', found keyword 'struct'/);
    assert.throws(() => parseIdl('module m { sequence<int, int> L; }', 'f.idl'), /expected '>' to close sequence</);
  });
});
