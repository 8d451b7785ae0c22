/**
 * The compiler's function API: IDL files in, one `.ts` (and optionally one `.proto`) per module out.
 * `compileIdl` reads and writes the disk; `compileIdlSources` works on text in memory.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { checkIdl } from './checker.js';
import { generateProto } from './gen-proto.js';
import { generateTypeScript } from './gen-typescript.js';
import { loadIdlFiles, type IdlHost } from './loader.js';
import type { IdlModel } from './model.js';

/** Options shared by both compile functions. */
export interface CompileOptions {
  /** Also emit a proto3 file per module. Default false. */
  readonly proto?: boolean;
  /** Module specifier generated code imports the runtime from. Default `'switchyard'`. */
  readonly runtimeImport?: string;
}

/** One generated file: its name (`<module>.ts` or `<module>.proto`) and text. */
export interface GeneratedFile {
  readonly name: string;
  readonly text: string;
}

/** What a compilation produced. */
export interface CompileResult {
  readonly model: IdlModel;
  readonly files: readonly GeneratedFile[];
}

/** Compiles with an explicit host; the other two functions are this plus file access. */
export function compileWithHost(entries: readonly string[], host: IdlHost, options: CompileOptions = {}): CompileResult {
  const model = checkIdl(loadIdlFiles(entries, host));
  const files: GeneratedFile[] = [];
  for (const m of model.modules) {
    const sources = m.files;
    files.push({ name: `${m.name}.ts`, text: generateTypeScript(model, m, { sources, runtimeImport: options.runtimeImport }) });
    if (options.proto) files.push({ name: `${m.name}.proto`, text: generateProto(m, { sources }) });
  }
  return { model, files };
}

/** Options of {@link compileIdlSources}. */
export interface SourcesOptions extends CompileOptions {
  /** IDL text by path (`/`-separated); imports resolve among these paths. */
  readonly sources: Readonly<Record<string, string>>;
  /** The files to compile (their imports come along). Default: every path in `sources`. */
  readonly entries?: readonly string[];
}

/** Compiles IDL held in memory; throws IdlError on any problem. */
export function compileIdlSources(options: SourcesOptions): CompileResult {
  const normal = (p: string): string => path.posix.normalize(p);
  const texts = new Map(Object.entries(options.sources).map(([p, t]) => [normal(p), t]));
  const host: IdlHost = {
    read: (p) => texts.get(p),
    resolve: (from, spec) => normal(path.posix.join(path.posix.dirname(from), spec)),
  };
  return compileWithHost((options.entries ?? [...texts.keys()]).map(normal), host, options);
}

/** Options of {@link compileIdl}. */
export interface CompileIdlOptions extends CompileOptions {
  /** IDL files to compile (their imports come along). */
  readonly files: readonly string[];
  /** Directory for the generated files; created if missing. */
  readonly outDir: string;
}

/** Compiles IDL files on disk into `outDir`; returns the paths written. Throws IdlError on any problem. */
export function compileIdl(options: CompileIdlOptions): string[] {
  // Paths relative to the working directory: stable in messages and generated headers.
  const display = (p: string): string => path.relative(process.cwd(), path.resolve(p)).split(path.sep).join('/');
  const host: IdlHost = {
    read: (p) => {
      try {
        return readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
    resolve: (from, spec) => display(path.join(path.dirname(from), spec)),
  };
  const result = compileWithHost(options.files.map(display), host, options);
  mkdirSync(options.outDir, { recursive: true });
  return result.files.map((f) => {
    const out = path.join(options.outDir, f.name);
    writeFileSync(out, f.text);
    return out;
  });
}
