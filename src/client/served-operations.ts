import type { OperationEntry } from '../rpc/call.js';
import { ConfigError } from '../wire/errors.js';

/** One operation the client serves, with the object that implements it. */
export interface ServedOperation {
  readonly entry: OperationEntry<unknown>;
  readonly servant: unknown;
}

/** A servant class as the IDL compiler emits it: its operations listed statically. */
export interface ServantClass<S> {
  readonly operations: readonly OperationEntry<S>[];
}

/** The operations a servant's class lists, or a ConfigError when it lists none. */
export function operationsOf<S extends object>(servant: S): readonly OperationEntry<S>[] {
  const ops = (servant.constructor as Partial<ServantClass<S>> | undefined)?.operations;
  if (!Array.isArray(ops)) throw new ConfigError('servant class has no static "operations" (is it generated from an IDL?)');
  return ops;
}

/**
 * Operations the client serves, by route: a push on one of these routes is a call from a backend,
 * not an event for `on()` listeners.
 */
export class ServedOperations {
  #byRoute = new Map<string, ServedOperation>();

  /** Serves `ops` with `servant`; returns a function that stops serving them. Throws on a route already served. */
  add<S>(servant: S, ops: readonly OperationEntry<S>[]): () => void {
    for (const op of ops) {
      if (this.#byRoute.has(op.route)) throw new ConfigError(`route ${op.route} is already served`);
    }
    const added = ops.map((op) => {
      const served: ServedOperation = { entry: op as OperationEntry<unknown>, servant };
      this.#byRoute.set(op.route, served);
      return [op.route, served] as const;
    });
    return () => {
      for (const [route, served] of added) {
        if (this.#byRoute.get(route) === served) this.#byRoute.delete(route);
      }
    };
  }

  /** The operation served on `route`, if any. */
  get(route: string): ServedOperation | undefined {
    return this.#byRoute.get(route);
  }
}
