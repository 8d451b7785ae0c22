import type { Logger } from 'pino';
import { routeNotFound, type Dispatcher, type Session } from '../gateway/index.js';
import { MessageType, type Message } from '../wire/index.js';
import { HandlerCall } from './handler-call.js';
import type { HandlerRegistry } from './handler-registry.js';
import type { Scheduler } from './scheduler.js';

/**
 * Runs client messages on this process's handlers: looks the route up, and queues the call on its
 * scheduler key (the session by default) so a session's calls run in order, one at a time.
 */
export class LocalDispatcher implements Dispatcher {
  readonly #registry: HandlerRegistry;
  readonly #scheduler: Scheduler;
  readonly #logger: Logger;

  constructor(registry: HandlerRegistry, scheduler: Scheduler, logger: Logger) {
    this.#registry = registry;
    this.#scheduler = scheduler;
    this.#logger = logger;
  }

  isPublic(route: string): boolean {
    return this.#registry.get(route)?.public ?? false;
  }

  dispatch(session: Session, message: Message): void {
    const entry = this.#registry.get(message.route);
    // An internal route answers exactly as a missing one, so a client cannot learn that it exists.
    if (!entry || entry.internal) {
      this.#logger.debug({ route: message.route, session: session.id }, 'unknown route');
      if (message.type === MessageType.Request) {
        session.respondError(message.id, routeNotFound(message.route));
      }
      return;
    }
    const call = new HandlerCall(session, message, entry, this.#logger, session);
    this.#scheduler.submit(call.queueKey(), call);
  }
}
