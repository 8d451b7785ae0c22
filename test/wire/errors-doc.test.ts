import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { GatewayErrorCodes } from '../../src/gateway/index.js';
import { ProtocolErrorCodes } from '../../src/wire/index.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

/** The codes listed in the table under `## heading` of docs/errors.md. */
function codesUnder(heading: string): string[] {
  const section = doc.split(/^## /m).find((s) => s.startsWith(`${heading}\n`));
  assert.ok(section, `docs/errors.md has a "## ${heading}" section`);
  return [...section.matchAll(/^\| `([A-Za-z_]+)` \|/gm)].map((m) => m[1]!);
}

test('docs/errors.md lists exactly the wire protocol error codes', () => {
  assert.deepEqual(codesUnder('Wire protocol').sort(), Object.keys(ProtocolErrorCodes).sort());
});

test('docs/errors.md lists exactly the gateway error codes', () => {
  assert.deepEqual(codesUnder('Gateway').sort(), Object.keys(GatewayErrorCodes).sort());
});

test('docs/errors.md lists the configuration error code', () => {
  assert.deepEqual(codesUnder('Configuration'), ['ERR_CONFIG']);
});
