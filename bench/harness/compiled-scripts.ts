/**
 * Bench servers and load generators run as compiled JavaScript from dist/ (what an application
 * deploys), not through the tsx loader: tsx wraps every named function it compiles in a helper
 * call, which showed in the servers' profiles per message. `npm run bench` builds first; when
 * dist/ is missing or older than a source file, children run from source and the run says so.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const distRoot = path.join(repoRoot, 'dist');
/** Source folders whose compiled output the children load. */
const SOURCE_DIRS = ['src', 'bench'];

let fresh: { ok: boolean; reason: string } | undefined;

/** The compiled twin of a TypeScript file in this repository (`x/y.ts` → `dist/x/y.js`). */
export function compiledPath(tsFile: string): string {
  const rel = path.relative(repoRoot, tsFile);
  return path.join(distRoot, rel.replace(/\.ts$/, '.js'));
}

/** Why children run from source, or undefined when they run compiled. Checked once per run. */
export function sourceFallbackReason(): string | undefined {
  if (process.env.SWITCHYARD_BENCH_FROM_SOURCE === '1') return 'SWITCHYARD_BENCH_FROM_SOURCE=1';
  fresh ??= checkFresh();
  return fresh.ok ? undefined : fresh.reason;
}

function checkFresh(): { ok: boolean; reason: string } {
  for (const dir of SOURCE_DIRS) {
    const stale = firstStale(path.join(repoRoot, dir));
    if (stale) return { ok: false, reason: `${path.relative(repoRoot, stale)} is newer than its build in dist/ (run npm run build)` };
  }
  return { ok: true, reason: '' };
}

function firstStale(dir: string): string | undefined {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const stale = firstStale(file);
      if (stale) return stale;
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !entry.name.endsWith('.test.ts')) {
      const out = compiledPath(file);
      if (!existsSync(out) || statSync(out).mtimeMs < statSync(file).mtimeMs) return file;
    }
  }
  return undefined;
}

/** The file a child loads for `tsFile`: its compiled twin, or the source itself. */
export function runnablePath(tsFile: string): string {
  return sourceFallbackReason() === undefined ? compiledPath(tsFile) : tsFile;
}

/** How node runs `tsFile`: its compiled twin, or the source through tsx. */
export function nodeArgsFor(tsFile: string): string[] {
  return sourceFallbackReason() === undefined ? [compiledPath(tsFile)] : ['--import', 'tsx', tsFile];
}
