import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import pino from 'pino';
import { RouteTableWatcher, type RouteTableWatcherOptions } from '../../src/cluster/route-table-watcher.js';
import { ConfigError } from '../../src/wire/errors.js';

const root = mkdtempSync(join(tmpdir(), 'yard-route-reload-'));
after(() => rmSync(root, { recursive: true, force: true }));

const destMap = {
  '1': { poolNums: 2, srvAddr: '127.0.0.1:8501', srvName: 'connectsrv' },
  '101': { poolNums: 4, srvAddr: '127.0.0.1:8601', srvName: 'othersrv' },
  '201': { poolNums: 4, srvAddr: '127.0.0.1:8701', srvName: 'usersrv' },
};

interface LogLine {
  level: number;
  msg: string;
  file?: string;
}

/** A logger whose lines land in an array. */
function capturingLogger(): { logger: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as LogLine);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}

let n = 0;
function freshDir(messages: unknown): string {
  const dir = join(root, `case-${++n}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'dest_map.json'), JSON.stringify(destMap));
  writeFileSync(join(dir, 'message_map.json'), JSON.stringify(messages));
  return dir;
}

function writeAtomically(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const fast = (dir: string, extra: Partial<RouteTableWatcherOptions> = {}): RouteTableWatcherOptions => ({
  dir,
  debounceMs: 30,
  pollMs: 100,
  ...extra,
});

const errorLines = (lines: LogLine[]): LogLine[] => lines.filter((l) => l.level >= 40);

test('valid, then broken, then valid again: broken refused with one log line, old routes answer meanwhile', async () => {
  const dir = freshDir({ '1': 1, '100': 101, '102': 101 });
  const { logger, lines } = capturingLogger();
  await using watcher = await RouteTableWatcher.start({ ...fast(dir), logger });
  assert.equal(watcher.table.destinationOf(100)?.srvName, 'othersrv');

  const refused = once(watcher, 'refused');
  writeFileSync(join(dir, 'message_map.json'), '{"1": 1, "100": 201,');
  const [error] = (await within(refused, 3000, 'refusal')) as [ConfigError];
  assert.ok(error instanceof ConfigError);
  assert.equal(watcher.table.destinationOf(100)?.srvName, 'othersrv', 'last good table still in force');

  // Several periodic checks later the same broken file has still been logged exactly once.
  await new Promise((r) => setTimeout(r, 350));
  const logged = errorLines(lines);
  assert.equal(logged.length, 1, JSON.stringify(logged));
  assert.equal(logged[0].level, 50);
  assert.match(logged[0].msg, /route table change refused, last good table stays: .*message_map\.json: not valid JSON/);
  assert.match(logged[0].file ?? '', /message_map\.json$/);

  const changed = once(watcher, 'change');
  writeFileSync(join(dir, 'message_map.json'), JSON.stringify({ '1': 1, '100': 201, '102': 101 }));
  const [table, previous] = await within(changed, 3000, 'change');
  assert.equal(table, watcher.table);
  assert.equal(previous.destinationOf(100)?.srvName, 'othersrv');
  assert.equal(watcher.table.destinationOf(100)?.srvName, 'usersrv', 're-routed');
  assert.equal(watcher.table.destinationOf(102)?.srvName, 'othersrv');
  assert.equal(errorLines(lines).length, 1);
});

test('an atomic rename over the file is picked up', async () => {
  const dir = freshDir({ '100': 101 });
  const { logger } = capturingLogger();
  await using watcher = await RouteTableWatcher.start({ ...fast(dir), logger });
  const changed = once(watcher, 'change');
  writeAtomically(join(dir, 'message_map.json'), JSON.stringify({ '100': 1, 'chat.say': 201 }));
  await within(changed, 3000, 'change');
  assert.equal(watcher.table.destinationOf(100)?.srvName, 'connectsrv');
  assert.equal(watcher.table.destinationOf('chat.say')?.srvName, 'usersrv');
});

test('with fs.watch off, the periodic check alone catches an atomic rename', async () => {
  const dir = freshDir({ '100': 101 });
  const { logger } = capturingLogger();
  await using watcher = await RouteTableWatcher.start({ ...fast(dir), fsWatch: false, logger });
  const changed = once(watcher, 'change');
  writeAtomically(join(dir, 'message_map.json'), JSON.stringify({ '100': 201 }));
  await within(changed, 3000, 'change');
  assert.equal(watcher.table.destinationOf(100)?.srvName, 'usersrv');
});

test('a dest_map.json change that strands a message id is refused; fixing both files applies', async () => {
  const dir = freshDir({ '1': 1, '100': 101 });
  const { logger, lines } = capturingLogger();
  await using watcher = await RouteTableWatcher.start({ ...fast(dir), logger });
  const refused = once(watcher, 'refused');
  const { '101': _dropped, ...without101 } = destMap;
  writeAtomically(join(dir, 'dest_map.json'), JSON.stringify(without101));
  await within(refused, 3000, 'refusal');
  assert.equal(watcher.table.destinationOf(100)?.id, 101);
  const logged = errorLines(lines);
  assert.equal(logged.length, 1);
  assert.match(logged[0].msg, /message_map\.json: key "100": destination 101 is not in dest_map\.json/);

  const changed = once(watcher, 'change');
  writeAtomically(join(dir, 'message_map.json'), JSON.stringify({ '1': 1, '100': 201 }));
  const [table, previous] = await within(changed, 3000, 'change');
  assert.equal(table.destinationOf(100)?.id, 201);
  assert.deepEqual(table.changedDestinations(previous), [101]);
});

test('a deleted file is refused and the table stays; putting a valid file back applies it', async () => {
  const dir = freshDir({ '100': 101 });
  const { logger, lines } = capturingLogger();
  await using watcher = await RouteTableWatcher.start({ ...fast(dir), logger });
  const refused = once(watcher, 'refused');
  rmSync(join(dir, 'message_map.json'));
  await within(refused, 3000, 'refusal');
  assert.match(errorLines(lines)[0].msg, /message_map\.json: cannot be read \(ENOENT\)/);
  assert.equal(watcher.table.destinationOf(100)?.id, 101);
  const changed = once(watcher, 'change');
  writeAtomically(join(dir, 'message_map.json'), JSON.stringify({ '100': 1 }));
  await within(changed, 3000, 'change');
  assert.equal(watcher.table.destinationOf(100)?.id, 1);
});

test('check() re-reads on demand and reports whether a new table was applied', async () => {
  const dir = freshDir({ '100': 101 });
  const { logger } = capturingLogger();
  await using watcher = await RouteTableWatcher.start({ dir, fsWatch: false, pollMs: 0, logger });
  assert.equal(await watcher.check(), false, 'unchanged files');
  writeFileSync(join(dir, 'message_map.json'), JSON.stringify({ '100': 201 }));
  assert.equal(await watcher.check(), true);
  assert.equal(watcher.table.destinationOf(100)?.id, 201);
});

test('an invalid file at start-up fails start() with the ConfigError (no last good table yet)', async () => {
  const dir = freshDir({ '100': 999 });
  await assert.rejects(
    RouteTableWatcher.start({ dir }),
    (err: unknown) => err instanceof ConfigError && /key "100": destination 999 is not in dest_map\.json/.test(err.message),
  );
  await assert.rejects(RouteTableWatcher.start({ dir, pollMs: -1 }), /pollMs must be a non-negative integer/);
});
