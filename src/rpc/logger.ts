/**
 * The little logging the runtime does (a one-way call that failed, a peer that broke the protocol).
 * The shape is pino's `(object, message)`, so a pino logger fits as it is; the default writes to the
 * console so nothing is lost when none is given. The rpc layer imports no logging library itself so
 * it runs in browsers too.
 */
export interface RpcLogger {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Writes warnings and errors to the console. */
export const consoleLogger: RpcLogger = {
  warn: (fields, message) => console.warn(`[switchyard rpc] ${message}`, fields),
  error: (fields, message) => console.error(`[switchyard rpc] ${message}`, fields),
};

/** Drops everything (tests, or when another layer already reports the same failures). */
export const silentLogger: RpcLogger = {
  warn: () => {},
  error: () => {},
};
