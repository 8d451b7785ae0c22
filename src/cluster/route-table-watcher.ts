/**
 * Hot reload of a route table: watches `dest_map.json` and `message_map.json`, applies a valid change
 * at once and refuses an invalid one with one log line, keeping the last good table in force.
 */
import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import { ConfigError } from '../wire/errors.js';
import type { RouteTable } from './route-table.js';
import {
  DEST_MAP_FILE,
  MESSAGE_MAP_FILE,
  parseRouteTable,
  readRouteTableTexts,
  RouteTableError,
  routeTablePaths,
  type RouteTablePaths,
  type RouteTableTexts,
} from './route-table-files.js';

/** Where the files are and how closely to watch them. */
export interface RouteTableWatcherOptions {
  /** Folder holding both files. */
  readonly dir: string;
  /** Name of the destination file in `dir`. Default `dest_map.json`. */
  readonly destMapFile?: string;
  /** Name of the message file in `dir`. Default `message_map.json`. */
  readonly messageMapFile?: string;
  /** Quiet time in milliseconds after a file event before reloading (editors write in bursts). Default 100. */
  readonly debounceMs?: number;
  /**
   * Period in milliseconds of the mtime/size/inode check that catches what fs.watch misses (renames
   * on some file systems, network mounts). 0 turns it off. Default 2000.
   */
  readonly pollMs?: number;
  /** Use fs.watch on the folder. Default true; with false only the periodic check runs. */
  readonly fsWatch?: boolean;
  /** Route string → code, so tables keyed on codes answer route strings. Default none. */
  readonly dictionary?: Readonly<Record<string, number>>;
  /** Where refusals and reloads are logged. Default: pino at SWITCHYARD_LOG_LEVEL (info). */
  readonly logger?: Logger;
}

/** Events: `change` (new table, the one it replaces) and `refused` (why a change was not applied). */
export interface RouteTableWatcherEvents {
  change: [table: RouteTable, previous: RouteTable];
  refused: [error: ConfigError];
}

/** What the last check saw of one file, to tell whether it changed since. */
type FileStamp = string;

/**
 * Keeps {@link table} equal to the last valid contents of the two files. Reads never block on a
 * reload: `table` is swapped whole once the new files have been read and checked.
 */
export class RouteTableWatcher extends EventEmitter<RouteTableWatcherEvents> {
  readonly paths: RouteTablePaths;
  readonly #options: RouteTableWatcherOptions;
  readonly #logger: Logger;
  #table: RouteTable;
  #appliedSig: string;
  #refusedSig: string | undefined;
  #stamps: [FileStamp, FileStamp] = ['', ''];
  #watcher: FSWatcher | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #poll: NodeJS.Timeout | undefined;
  #idle: Promise<unknown> = Promise.resolve();
  #queued: Promise<boolean> | undefined;
  #closed = false;

  private constructor(options: RouteTableWatcherOptions, paths: RouteTablePaths, table: RouteTable, sig: string) {
    super();
    this.#options = options;
    this.paths = paths;
    this.#table = table;
    this.#appliedSig = sig;
    this.#logger = options.logger ?? pino({ name: 'route-table', level: process.env.SWITCHYARD_LOG_LEVEL ?? 'info' });
  }

  /**
   * Loads both files and starts watching. An invalid file at start-up throws its RouteTableError
   * (a ConfigError): there is no last good table to fall back on yet.
   */
  static async start(options: RouteTableWatcherOptions): Promise<RouteTableWatcher> {
    checkOptions(options);
    const paths = routeTablePaths(options.dir, options.destMapFile ?? DEST_MAP_FILE, options.messageMapFile ?? MESSAGE_MAP_FILE);
    const stamps = await stampBoth(paths);
    const texts = await readRouteTableTexts(paths);
    const table = parseRouteTable(texts, options.dictionary);
    const w = new RouteTableWatcher(options, paths, table, texts.destMap.text + '\0' + texts.messageMap.text);
    w.#stamps = stamps;
    w.#startWatching();
    return w;
  }

  /** The table in force. Hot path: a field read. */
  get table(): RouteTable {
    return this.#table;
  }

  /**
   * Re-reads both files now (what the watch and the periodic check call). Resolves true when a new
   * table was applied. Checks never overlap: one asked for during a check runs after it.
   */
  check(): Promise<boolean> {
    if (this.#queued) return this.#queued;
    const next = this.#idle.then(() => {
      this.#queued = undefined;
      return this.#closed ? false : this.#load();
    });
    this.#queued = next;
    this.#idle = next.catch(() => undefined);
    return next;
  }

  /** Stops watching; the last table stays readable. Safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#debounce);
    clearInterval(this.#poll);
    this.#watcher?.close();
    this.#watcher = undefined;
    await this.#idle;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #startWatching(): void {
    const names = new Set([basename(this.paths.destMap), basename(this.paths.messageMap)]);
    if (this.#options.fsWatch ?? true) {
      try {
        // Watching the folder, not the files: an atomic write renames a new file over the old one,
        // and a watch on the old file would go quiet.
        this.#watcher = watch(dirname(this.paths.destMap), (_event, name) => {
          if (name === null || names.has(name.toString())) this.#schedule();
        });
        this.#watcher.on('error', (err) => this.#logger.warn({ err }, 'route table folder watch failed; periodic check continues'));
      } catch (err) {
        this.#logger.warn({ err }, 'route table folder cannot be watched (inotify limits?); periodic check only');
      }
    }
    const pollMs = this.#options.pollMs ?? 2000;
    if (pollMs > 0) this.#poll = setInterval(() => void this.#pollOnce(), pollMs);
  }

  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => void this.check(), this.#options.debounceMs ?? 100);
  }

  async #pollOnce(): Promise<void> {
    const now = await stampBoth(this.paths);
    if (now[0] !== this.#stamps[0] || now[1] !== this.#stamps[1]) await this.check();
  }

  async #load(): Promise<boolean> {
    this.#stamps = await stampBoth(this.paths);
    let texts: RouteTableTexts;
    try {
      texts = await readRouteTableTexts(this.paths);
    } catch (err) {
      this.#refuse(err, `\u0001${(err as Error).message}`);
      return false;
    }
    const sig = texts.destMap.text + '\0' + texts.messageMap.text;
    if (sig === this.#appliedSig) {
      this.#refusedSig = undefined;
      return false;
    }
    let table: RouteTable;
    try {
      table = parseRouteTable(texts, this.#options.dictionary);
    } catch (err) {
      this.#refuse(err, sig);
      return false;
    }
    this.#apply(table, sig);
    return true;
  }

  #apply(table: RouteTable, sig: string): void {
    const previous = this.#table;
    this.#table = table;
    this.#appliedSig = sig;
    this.#refusedSig = undefined;
    this.#logger.info(
      { destinations: table.destinations.size, messages: table.codes.size + table.routes.size },
      'route table reloaded',
    );
    try {
      this.emit('change', table, previous);
    } catch (err) {
      // A failing listener must not leave the reload half done or reject a timer's promise.
      this.#logger.error({ err }, 'route table change listener failed');
    }
  }

  #refuse(err: unknown, sig: string): void {
    // The same broken content is logged once, not on every periodic check.
    if (this.#refusedSig === sig) return;
    const error = err instanceof ConfigError ? err : new ConfigError(`route table: ${(err as Error).message}`);
    this.#refusedSig = sig;
    const file = error instanceof RouteTableError ? error.file : undefined;
    this.#logger.error({ file, code: error.code }, `route table change refused, last good table stays: ${error.message}`);
    this.emit('refused', error);
  }
}

async function stampBoth(paths: RouteTablePaths): Promise<[FileStamp, FileStamp]> {
  return Promise.all([stampOf(paths.destMap), stampOf(paths.messageMap)]);
}

async function stampOf(file: string): Promise<FileStamp> {
  try {
    const s = await stat(file, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch (err) {
    return `missing:${(err as NodeJS.ErrnoException).code ?? ''}`;
  }
}

function checkOptions(o: RouteTableWatcherOptions): void {
  if (typeof o.dir !== 'string' || o.dir === '') throw new ConfigError('route table dir must be a non-empty path');
  for (const key of ['debounceMs', 'pollMs'] as const) {
    const v = o[key];
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) {
      throw new ConfigError(`route table ${key} must be a non-negative integer of milliseconds, got ${String(v)}`);
    }
  }
}
