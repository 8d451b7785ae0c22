/**
 * The suite's IDL (bench/idl/bench.idl), compiled at run time with `compileIdl` into a temporary
 * directory whose generated code imports this repository's runtime, plus the `.proto` our compiler
 * exports and protobufjs static code generated from that `.proto` with `pbjs`. Generated modules
 * are loaded by path, so this file states the shape the suite relies on.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compileIdl } from '../../src/idl/index.js';
import type { CallContext, CallOptions, Invoker, OperationCodecs, ProtoCodec } from '../../src/generated-runtime.js';
import { removeTempDir, tempDir } from './temp-dirs.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const IDL_FILE = path.join(repoRoot, 'bench/idl/bench.idl');

/** Mirrors the generated `bench.Vec3`. */
export interface Vec3 {
  x: number;
  y: number;
  z: number;
}

/** Mirrors the generated `bench.Item`. */
export interface Item {
  id: bigint;
  name: string;
  count: number;
  pos: Vec3;
  equipped: boolean;
}

/** Mirrors the generated `bench.Player`. */
export interface Player {
  id: bigint;
  name: string;
  guild: string;
  level: number;
  score: number;
  pos: Vec3;
  inventory: Item[];
  stats: Map<string, bigint>;
  tags: string[];
  lastSeen: bigint;
}

/** The generated servant base of `bench.Echo`. */
export type EchoServantClass = abstract new () => { echo(text: string, ctx: CallContext): string | Promise<string> };

/** The generated proxy of `bench.Echo`. */
export type EchoProxyClass = new (invoker: Invoker) => { echo(text: string, opts?: CallOptions): Promise<string> };

/** What the suite uses of the generated module. */
export interface BenchIdl {
  readonly Echo: EchoServantClass;
  readonly EchoProxy: EchoProxyClass;
  readonly Player: ProtoCodec<Player>;
  readonly $Echo$echo: OperationCodecs<{ text: string }, string>;
}

/** Where a compilation went. */
export interface CompiledIdl {
  readonly dir: string;
  /** The generated TypeScript module. */
  readonly module: string;
  /** The `.proto` our compiler exported. */
  readonly proto: string;
}

/** An import specifier for `target` as seen from `dir`. */
function importFrom(dir: string, target: string): string {
  return path.relative(dir, target).split(path.sep).join('/');
}

/**
 * Compiles bench.idl (TypeScript and `.proto`) into a new temporary directory, plus `bench.js`,
 * the same module transpiled and importing the compiled runtime, for children running from dist/.
 */
export function compileBenchIdl(): CompiledIdl {
  const dir = tempDir('switchyard-bench-idl-');
  // Node loads the generated modules there as ESM only if the folder says so.
  writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  compileIdl({ files: [IDL_FILE], outDir: dir, proto: true, runtimeImport: importFrom(dir, path.join(repoRoot, 'src/generated-runtime.js')) });
  const distDir = tempDir('switchyard-bench-idl-dist-');
  compileIdl({ files: [IDL_FILE], outDir: distDir, runtimeImport: importFrom(dir, path.join(repoRoot, 'dist/src/generated-runtime.js')) });
  const source = readFileSync(path.join(distDir, 'bench.ts'), 'utf8');
  removeTempDir(distDir);
  // Loaded here only: children that merely load the generated module need no compiler.
  const ts = createRequire(import.meta.url)('typescript') as typeof import('typescript');
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  writeFileSync(path.join(dir, 'bench.js'), js);
  return { dir, module: path.join(dir, 'bench.ts'), proto: path.join(dir, 'bench.proto') };
}

/** Removes a compilation's directory. */
export function removeCompiledIdl(idl: CompiledIdl): void {
  removeTempDir(idl.dir);
}

/** Imports the generated module: its transpiled twin when this code itself runs compiled. */
export async function loadBenchIdl(module: string): Promise<BenchIdl> {
  const compiled = import.meta.url.endsWith('.js');
  return (await import(pathToFileURL(compiled ? module.replace(/\.ts$/, '.js') : module).href)) as BenchIdl;
}

/** A servant of `bench.Echo` that answers what it is sent. */
export function echoServant(idl: BenchIdl): object {
  class EchoImpl extends idl.Echo {
    override echo(text: string): string {
      return text;
    }
  }
  return new EchoImpl();
}

/**
 * Generates protobufjs static code (`pbjs -t static-module -w es6`) for the exported `.proto`, next
 * to it; returns the module's path. The code imports protobufjs/minimal by absolute path, since the
 * temporary directory has no node_modules of its own.
 */
export function generateProtobufjsStatic(idl: CompiledIdl): string {
  const require = createRequire(import.meta.url);
  const pbjs = path.join(path.dirname(require.resolve('protobufjs-cli/package.json')), 'bin/pbjs');
  const minimal = require.resolve('protobufjs/minimal.js');
  const out = path.join(idl.dir, 'bench-pbjs.mjs');
  execFileSync(process.execPath, [pbjs, '-t', 'static-module', '-w', 'es6', '--no-comments', '--dependency', minimal, '-o', out, idl.proto], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return out;
}
