/**
 * `yard idl <files...> --out <dir> [--proto]`: compiles IDL files into one TypeScript file (and
 * optionally one `.proto`) per module. Errors are printed as `file:line:col: CODE message`, one per
 * line, and the process exits with status 1.
 */
import type { Command } from 'commander';
import { compileIdl } from '../idl/compile.js';
import { IdlError } from '../idl/errors.js';

/** Options of the `idl` command as parsed from the command line. */
export interface IdlCommandOptions {
  /** Output directory. */
  out: string;
  /** Also write `.proto` files. */
  proto?: boolean;
  /** Module specifier generated code imports the runtime from. */
  runtime?: string;
}

/** Where the command writes its report; the process streams by default. */
export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
}

const processIo: CommandIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Runs the compilation; returns the exit status (0 or 1) instead of exiting, so tests can call it. */
export function runIdlCommand(files: readonly string[], options: IdlCommandOptions, io: CommandIo = processIo): number {
  try {
    const written = compileIdl({ files, outDir: options.out, proto: options.proto ?? false, runtimeImport: options.runtime });
    for (const f of written) io.out(`wrote ${f}`);
    return 0;
  } catch (err) {
    if (!(err instanceof IdlError)) throw err;
    for (const e of err.all) io.err(`${e.file}:${e.line}:${e.col}: ${e.code} ${e.detail}`);
    io.err(`${err.all.length} error${err.all.length === 1 ? '' : 's'}; nothing written`);
    return 1;
  }
}

/** Adds the `idl` subcommand to the `yard` program. */
export function registerIdlCommand(program: Command): void {
  program
    .command('idl')
    .description('compile IDL files into TypeScript (and .proto) modules')
    .argument('<files...>', 'IDL files to compile; the files they import come along')
    .requiredOption('-o, --out <dir>', 'directory for the generated files')
    .option('--proto', 'also write a proto3 file per module', false)
    .option('--runtime <specifier>', 'module the generated code imports the runtime from', 'switchyard')
    .action((files: string[], options: IdlCommandOptions) => {
      process.exitCode = runIdlCommand(files, options);
    });
}
