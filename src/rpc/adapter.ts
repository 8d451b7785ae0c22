import type { OperationEntry, OperationRef } from './call.js';
import { RpcError } from './errors.js';
import { operationsOf } from './servant-base.js';

/** A servant and the entry for one of its operations: what an incoming call runs. */
export interface DispatchTarget {
  readonly servant: unknown;
  readonly entry: OperationEntry;
}

/** Options of an {@link Adapter}. */
export interface AdapterOptions {
  /** Name for logs. Default `"adapter"`. */
  name?: string;
}

/** Marks a route code that two operations share, so a call by that code alone is refused. */
const AMBIGUOUS = null;

/**
 * Holds servants and finds the one an incoming call is for (the seed's Adapter). A call names its
 * operation by route string, by route code, or both; the route string wins when both are present.
 * Connections dispatch through it; one adapter may serve any number of connections.
 */
export class Adapter {
  readonly name: string;
  readonly #byRoute = new Map<string, DispatchTarget>();
  readonly #byCode = new Map<number, DispatchTarget | typeof AMBIGUOUS>();
  readonly #servants = new Map<unknown, readonly OperationEntry[]>();

  constructor(options: AdapterOptions = {}) {
    this.name = options.name ?? 'adapter';
  }

  /**
   * Serves `servant`'s operations: by default the `static operations` table the IDL compiler puts
   * on its class (inherited interfaces included), or the entries given. A route already served by
   * another servant throws TypeError.
   */
  add<S extends object>(servant: S, operations: readonly OperationEntry<S>[] = operationsOf(servant)): this {
    if (this.#servants.has(servant)) throw new TypeError(`${this.name}: servant already added`);
    for (const entry of operations) {
      if (this.#byRoute.has(entry.route)) throw new TypeError(`${this.name}: route ${entry.route} is already served`);
    }
    const entries = operations as readonly OperationEntry[];
    for (const entry of entries) this.#index({ servant, entry });
    this.#servants.set(servant, entries);
    return this;
  }

  /** Stops serving `servant`; returns false if it was not added. */
  remove(servant: unknown): boolean {
    const entries = this.#servants.get(servant);
    if (entries === undefined) return false;
    this.#servants.delete(servant);
    for (const entry of entries) this.#byRoute.delete(entry.route);
    this.#reindexCodes();
    return true;
  }

  /** Every operation served, e.g. to build a route dictionary. */
  get operations(): OperationRef[] {
    return [...this.#byRoute.values()].map((t) => t.entry);
  }

  /** The target of a call naming `route` and/or `code`; throws RpcError `not_found` if none. */
  find(route: string | undefined, code: number | undefined): DispatchTarget {
    if (route !== undefined) {
      const target = this.#byRoute.get(route);
      if (target !== undefined) return target;
      throw new RpcError('not_found', `no servant for route ${route} in ${this.name}`);
    }
    if (code !== undefined) {
      const target = this.#byCode.get(code);
      if (target) return target;
      if (target === AMBIGUOUS) {
        throw new RpcError('not_found', `route code ${code} is shared by several operations in ${this.name}; call by route`);
      }
      throw new RpcError('not_found', `no servant for route code ${code} in ${this.name}`);
    }
    throw new RpcError('not_found', 'call names no route');
  }

  #index(target: DispatchTarget): void {
    this.#byRoute.set(target.entry.route, target);
    const code = target.entry.code;
    this.#byCode.set(code, this.#byCode.has(code) ? AMBIGUOUS : target);
  }

  #reindexCodes(): void {
    this.#byCode.clear();
    for (const target of this.#byRoute.values()) {
      const code = target.entry.code;
      this.#byCode.set(code, this.#byCode.has(code) ? AMBIGUOUS : target);
    }
  }
}
