import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { IdlErrorCodes } from '../../src/idl/index.js';

test('docs/errors.md lists every IdlError code, and only those, in its IDL compiler table', async () => {
  const doc = await readFile(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const section = doc.split(/^## /m).find((s) => s.startsWith('IDL compiler\n'));
  assert.ok(section, 'docs/errors.md has a "## IDL compiler" section');
  const rows = section.split('\n').filter((l) => /^\| `IDL_[A-Z_]+` \|/.test(l));
  assert.deepEqual(rows.map((l) => /^\| `([A-Z_]+)`/.exec(l)![1]), Object.keys(IdlErrorCodes));
  for (const row of rows) assert.equal(row.split(' | ').length, 3, `three columns: ${row}`);
});
