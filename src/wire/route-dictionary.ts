import { ConfigError } from './errors.js';

/** Largest code a compressed route can carry (2 bytes). */
export const MAX_ROUTE_CODE = 0xffff;

/**
 * Two-way map between routes and their numeric codes, sent to clients in the handshake so they
 * can send 2-byte codes instead of route text.
 */
export class RouteDictionary {
  #codes = new Map<string, number>();
  #routes = new Map<number, string>();

  /** @param entries route → code pairs; codes are 1..65535 and unique. */
  constructor(entries: Iterable<readonly [string, number]> = []) {
    for (const [route, code] of entries) this.add(route, code);
  }

  /** Adds a route; throws on a duplicate route or code, or a code out of range. */
  add(route: string, code: number): void {
    if (!Number.isInteger(code) || code < 1 || code > MAX_ROUTE_CODE) {
      throw new ConfigError(`route code for ${route} must be 1..${MAX_ROUTE_CODE}, got ${code}`);
    }
    const taken = this.#routes.get(code);
    if (taken !== undefined && taken !== route) {
      throw new ConfigError(`route code ${code} used by both ${taken} and ${route}`);
    }
    const had = this.#codes.get(route);
    if (had !== undefined && had !== code) {
      throw new ConfigError(`route ${route} given two codes: ${had} and ${code}`);
    }
    this.#codes.set(route, code);
    this.#routes.set(code, route);
  }

  /** Code of `route`, or undefined. */
  codeOf(route: string): number | undefined {
    return this.#codes.get(route);
  }

  /** Route of `code`, or undefined. */
  routeOf(code: number): string | undefined {
    return this.#routes.get(code);
  }

  get size(): number {
    return this.#codes.size;
  }

  /** The `{route: code}` object sent in the handshake's `sys.dict`. */
  toJSON(): Record<string, number> {
    return Object.fromEntries(this.#codes);
  }

  /** Builds a dictionary from a handshake's `sys.dict`, ignoring malformed entries. */
  static fromJSON(dict: unknown): RouteDictionary {
    const d = new RouteDictionary();
    if (typeof dict !== 'object' || dict === null) return d;
    for (const [route, code] of Object.entries(dict)) {
      if (typeof code === 'number' && Number.isInteger(code) && code >= 1 && code <= MAX_ROUTE_CODE) d.add(route, code);
    }
    return d;
  }
}
