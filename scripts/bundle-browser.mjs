#!/usr/bin/env node
// Bundles the browser entry of the client SDK into one ES module for <script type="module"> use,
// then checks that nothing Node-only slipped in (the browser entry must not need polyfills).
// Usage: node scripts/bundle-browser.mjs [--outfile path]   (default dist/browser/switchyard-client.js)
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { outfile: { type: 'string' } } });
const outfile = resolve(values.outfile ?? `${root}/dist/browser/switchyard-client.js`);

await build({
  entryPoints: [`${root}/src/client/browser.ts`],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});

// Anything that names a Node built-in would fail (or need polyfills) in a browser.
const code = await readFile(outfile, 'utf8');
const nodeOnly = /\brequire\(\s*["'`](?:node:)?(?:net|tls|fs|http|https|events|stream|zlib|crypto|buffer)["'`]\s*\)|from\s*["'`]node:|import\(\s*["'`]node:|["'`]ws["'`]/;
const hit = nodeOnly.exec(code);
if (hit) {
  console.error(`bundle-browser: ${outfile} references a Node-only module: ${hit[0]}`);
  process.exit(1);
}
console.log(`bundle-browser: wrote ${outfile} (${(code.length / 1024).toFixed(1)} KiB)`);
