import type { Application } from './application.js';

/**
 * A part of an application with a lifecycle. Hooks run in registration order on the way up and
 * in reverse order on the way down; each may be async.
 */
export interface Component {
  readonly name: string;
  /** Acquire resources, open connections. */
  start?(app: Application): void | Promise<void>;
  /** Everything has started (e.g. the gateway listens). */
  afterStart?(app: Application): void | Promise<void>;
  /** Before the gateway stops: stop taking new work. */
  beforeShutdown?(app: Application): void | Promise<void>;
  /** Release resources. */
  shutdown?(app: Application): void | Promise<void>;
}
