import type { Message } from '../wire/index.js';
import type { Session } from './session.js';

/**
 * Where a gateway hands each client request or notify: the application's handlers in one process,
 * or a forwarder to backend servers in a cluster. For a request it must end in exactly one
 * `session.respond` or `session.respondError`.
 */
export interface Dispatcher {
  dispatch(session: Session, message: Message): void;
  /** Routes an unauthenticated session may call. */
  isPublic(route: string): boolean;
}
