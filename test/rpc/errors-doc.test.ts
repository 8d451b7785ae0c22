import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { RpcCodes } from '../../src/rpc/index.js';

test('docs/errors.md lists every RpcCode, and only those, in its RPC table', async () => {
  const doc = await readFile(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const section = doc.split(/^## /m).find((s) => s.startsWith('RPC\n'));
  assert.ok(section, 'docs/errors.md has a "## RPC" section');
  const rows = section.split('\n').filter((l) => /^\| `[a-z_]+` \|/.test(l));
  const documented = rows.map((l) => /^\| `([a-z_]+)`/.exec(l)![1]);
  assert.deepEqual(documented, Object.keys(RpcCodes));
  for (const row of rows) assert.equal(row.split(' | ').length, 3, `three columns: ${row}`);
});
