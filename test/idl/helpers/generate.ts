/**
 * Compiles IDL fixtures into a fresh temp directory whose generated code imports the runtime from
 * this repository's sources, so tests exercise the real runtime.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compileIdl } from '../../../src/idl/index.js';

/** The repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Path of a fixture IDL file. */
export function fixture(name: string): string {
  return path.join(repoRoot, 'test/idl/fixtures', name);
}

/** A directory holding generated modules. */
export interface Generated {
  readonly dir: string;
  /** Imports the generated module `name` (the module's members, untyped). */
  load(name: string): Promise<Record<string, unknown>>;
}

const created: string[] = [];
process.once('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

/** A temp directory marked as ESM, so Node loads the generated `.ts` there as modules; removed at exit. */
export function tempDir(prefix = 'yard-idl-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  return dir;
}

/** The runtime specifier generated code in `dir` should use: this repo's src/generated-runtime. */
export function runtimeFrom(dir: string): string {
  const rel = path.relative(dir, path.join(repoRoot, 'src/generated-runtime.js')).split(path.sep).join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** Compiles `files` (paths) into a new temp directory. */
export function generate(files: readonly string[], options: { proto?: boolean; dir?: string } = {}): Generated {
  const dir = options.dir ?? tempDir();
  compileIdl({ files, outDir: dir, proto: options.proto ?? true, runtimeImport: runtimeFrom(dir) });
  return {
    dir,
    load: async (name) => (await import(pathToFileURL(path.join(dir, `${name}.ts`)).href)) as Record<string, unknown>,
  };
}
