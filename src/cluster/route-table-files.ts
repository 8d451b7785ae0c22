/**
 * The seed's route table files, checked strictly: `dest_map.json` (destination id →
 * `{poolNums, srvAddr, srvName}`) and `message_map.json` (message id or route → destination id).
 * Every problem is a {@link RouteTableError} naming the file, the key and what is wrong, so an
 * operator can fix a refused file from the log line alone.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ConfigError } from '../wire/errors.js';
import { RouteTable, type Destination } from './route-table.js';

/** Default file names, as in the seed. */
export const DEST_MAP_FILE = 'dest_map.json';
export const MESSAGE_MAP_FILE = 'message_map.json';

/** Largest destination id or message id accepted (int32, what the seed's services use). */
export const MAX_TABLE_ID = 2 ** 31 - 1;
/** Largest `poolNums` accepted: more connections than this to one service is a typo. */
export const MAX_POOL_NUMS = 1024;

/** A route table file that cannot be used. Code `ERR_CONFIG`, like every configuration error. */
export class RouteTableError extends ConfigError {
  /** The file (path as given) that was refused. */
  readonly file: string;
  /** The key whose entry is wrong, when one is. */
  readonly key: string | undefined;

  constructor(file: string, key: string | undefined, problem: string) {
    super(key === undefined ? `${file}: ${problem}` : `${file}: key "${key}": ${problem}`);
    this.file = file;
    this.key = key;
  }
}

/** Paths of the two files of one route table. */
export interface RouteTablePaths {
  readonly destMap: string;
  readonly messageMap: string;
}

/** The two files' paths inside `dir`, under the seed's names unless others are given. */
export function routeTablePaths(dir: string, destMapFile = DEST_MAP_FILE, messageMapFile = MESSAGE_MAP_FILE): RouteTablePaths {
  return { destMap: join(dir, destMapFile), messageMap: join(dir, messageMapFile) };
}

const DECIMAL_ID = /^(0|[1-9][0-9]*)$/;
const ROUTE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/;
const MAX_ROUTE_BYTES = 255;

/** Parses JSON text, failing with a RouteTableError naming `file`. */
export function parseJsonFile(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new RouteTableError(file, undefined, `not valid JSON (${(err as Error).message})`);
  }
}

/** Checks the parsed `dest_map.json`: an object of destination id → `{poolNums, srvAddr, srvName}`. */
export function parseDestMap(json: unknown, file = DEST_MAP_FILE): Map<number, Destination> {
  const entries = objectEntries(json, file, 'destination id → {"poolNums", "srvAddr", "srvName"}');
  const out = new Map<number, Destination>();
  for (const [key, value] of entries) {
    const id = decimalId(key, file, 'destination id');
    out.set(id, destinationEntry(id, key, value, file));
  }
  return out;
}

/** The parts of a parsed `message_map.json`. */
export interface MessageMap {
  /** message id → destination id. */
  readonly byCode: Map<number, number>;
  /** route string → destination id. */
  readonly byRoute: Map<string, number>;
}

/**
 * Checks the parsed `message_map.json`: an object of message id (decimal) or route name
 * (`chat.say`) → destination id, every destination present in `destinations`.
 */
export function parseMessageMap(
  json: unknown,
  destinations: ReadonlyMap<number, Destination>,
  file = MESSAGE_MAP_FILE,
  destFile = DEST_MAP_FILE,
): MessageMap {
  const entries = objectEntries(json, file, 'message id or route → destination id');
  const byCode = new Map<number, number>();
  const byRoute = new Map<string, number>();
  for (const [key, value] of entries) {
    const code = isRouteName(key) ? undefined : decimalId(key, file, 'message id', ' or a route name like "chat.say"');
    const dest = destinationRef(key, value, destinations, file, destFile);
    if (code === undefined) byRoute.set(key, dest);
    else byCode.set(code, dest);
  }
  return { byCode, byRoute };
}

/** Text of both files, with the paths they were read from. */
export interface RouteTableTexts {
  readonly destMap: { readonly file: string; readonly text: string };
  readonly messageMap: { readonly file: string; readonly text: string };
}

/** Builds a table from the two files' text; throws a RouteTableError on the first problem. */
export function parseRouteTable(texts: RouteTableTexts, dictionary?: Readonly<Record<string, number>>): RouteTable {
  const destFile = texts.destMap.file;
  const destinations = parseDestMap(parseJsonFile(texts.destMap.text, destFile), destFile);
  const msgFile = texts.messageMap.file;
  const messages = parseMessageMap(parseJsonFile(texts.messageMap.text, msgFile), destinations, msgFile, basename(destFile));
  return new RouteTable({ destinations, ...messages, dictionary });
}

/** Reads both files and builds the table; a missing or unreadable file is a RouteTableError too. */
export async function loadRouteTable(paths: RouteTablePaths, dictionary?: Readonly<Record<string, number>>): Promise<RouteTable> {
  return parseRouteTable(await readRouteTableTexts(paths), dictionary);
}

/** Reads both files' text. */
export async function readRouteTableTexts(paths: RouteTablePaths): Promise<RouteTableTexts> {
  const [destMap, messageMap] = await Promise.all([readText(paths.destMap), readText(paths.messageMap)]);
  return { destMap: { file: paths.destMap, text: destMap }, messageMap: { file: paths.messageMap, text: messageMap } };
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new RouteTableError(file, undefined, `cannot be read (${code})`);
  }
}

function objectEntries(json: unknown, file: string, shape: string): [string, unknown][] {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new RouteTableError(file, undefined, `must be a JSON object of ${shape}, got ${describe(json)}`);
  }
  return Object.entries(json);
}

function decimalId(key: string, file: string, what: string, alternative = ''): number {
  const n = Number(key);
  if (!DECIMAL_ID.test(key) || n > MAX_TABLE_ID) {
    throw new RouteTableError(file, key, `${what} must be a non-negative decimal integer up to ${MAX_TABLE_ID} without sign or leading zeros${alternative}`);
  }
  return n;
}

function isRouteName(key: string): boolean {
  return ROUTE_NAME.test(key) && Buffer.byteLength(key) <= MAX_ROUTE_BYTES;
}

function destinationEntry(id: number, key: string, value: unknown, file: string): Destination {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RouteTableError(file, key, `must be an object {"poolNums", "srvAddr", "srvName"}, got ${describe(value)}`);
  }
  const v = value as Record<string, unknown>;
  const poolNums = v.poolNums;
  if (typeof poolNums !== 'number' || !Number.isInteger(poolNums) || poolNums < 1 || poolNums > MAX_POOL_NUMS) {
    throw new RouteTableError(file, key, `poolNums must be an integer in 1..${MAX_POOL_NUMS}, got ${describe(poolNums)}`);
  }
  if (typeof v.srvName !== 'string' || v.srvName.trim() === '') {
    throw new RouteTableError(file, key, `srvName must be a non-empty string, got ${describe(v.srvName)}`);
  }
  const { host, port } = hostPort(v.srvAddr, key, file);
  return { id, poolNums, srvAddr: v.srvAddr as string, host, port, srvName: v.srvName };
}

function hostPort(addr: unknown, key: string, file: string): { host: string; port: number } {
  const bad = (): RouteTableError =>
    new RouteTableError(file, key, `srvAddr must be "host:port" with a port in 1..65535, got ${describe(addr)}`);
  if (typeof addr !== 'string') throw bad();
  const colon = addr.lastIndexOf(':');
  let host = addr.slice(0, colon);
  const portText = addr.slice(colon + 1);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  else if (host.includes(':')) throw bad(); // an IPv6 literal must be bracketed
  const port = Number(portText);
  if (colon < 1 || host === '' || /\s|\//.test(host) || !/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) throw bad();
  return { host, port };
}

function destinationRef(
  key: string,
  value: unknown,
  destinations: ReadonlyMap<number, Destination>,
  file: string,
  destFile: string,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_TABLE_ID) {
    throw new RouteTableError(file, key, `destination must be a non-negative integer destination id, got ${describe(value)}`);
  }
  if (!destinations.has(value)) throw new RouteTableError(file, key, `destination ${value} is not in ${destFile}`);
  return value;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
