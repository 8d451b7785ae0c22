import type { Logger } from 'pino';
import { guardedCheck } from './user-check.js';

/** The form of an address the limits and the `allowAddress` hook see: IPv4-mapped IPv6 as plain IPv4. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * Connections held per remote address, and the checks made on each new one: the `allowAddress`
 * hook and the per-address cap. An address leaves the map when its last connection closes, so the
 * map's size follows the connections, not the addresses ever seen.
 */
export class AddressLimits {
  readonly #counts = new Map<string, number>();
  readonly #max: number;
  readonly #allow: (address: string) => boolean;

  constructor(maxPerAddress: number, allow: ((address: string) => boolean) | undefined, logger: Logger) {
    this.#max = maxPerAddress;
    this.#allow = guardedCheck(allow, logger, 'address', 'allowAddress hook failed; refusing the connection');
  }

  /** Whether the hook lets `address` in; a hook that throws refuses (and is logged). */
  allowed(address: string): boolean {
    return this.#allow(address);
  }

  /** Whether `address` already holds its share of connections. */
  full(address: string): boolean {
    return this.count(address) >= this.#max;
  }

  /** Connections currently held from `address`. */
  count(address: string): number {
    return this.#counts.get(address) ?? 0;
  }

  add(address: string): void {
    this.#counts.set(address, this.count(address) + 1);
  }

  remove(address: string): void {
    const n = this.count(address) - 1;
    if (n > 0) this.#counts.set(address, n);
    else this.#counts.delete(address);
  }
}
