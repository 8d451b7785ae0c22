import type { Logger } from 'pino';

/** Lets everything in: where the user gave no hook. */
const allowAll = (): boolean => true;

/**
 * A user's yes/no hook as the gateway calls it (`allowAddress`, `ws.allowedOrigins`): only `true`
 * lets the connection in, and a hook that throws refuses it with one error log line naming `field`,
 * so a bug in user code neither takes the gateway down nor opens it. No hook: everything is let in.
 */
export function guardedCheck<T>(
  check: ((value: T) => boolean) | undefined,
  logger: Logger,
  field: string,
  failed: string,
): (value: T) => boolean {
  if (check === undefined) return allowAll;
  return (value) => {
    try {
      return check(value) === true;
    } catch (err) {
      logger.error({ err, [field]: value }, failed);
      return false;
    }
  };
}
