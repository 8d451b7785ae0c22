import type { Extra } from '../rpc/call.js';
import type { ClientSession } from '../gateway/index.js';

/** What a handler method receives besides the request body. */
export interface HandlerContext {
  readonly route: string;
  readonly session: ClientSession;
  /** Out-of-band context: the session id and, once bound, the user id. */
  readonly extra: Extra;
  /** True for a request (a response is sent), false for a notify. */
  readonly isRequest: boolean;
  /** Pushes a JSON body to this context's session. */
  push(route: string, body: unknown): boolean;
}

/**
 * A handler method: takes the decoded body and the context; its return value (or the value its
 * Promise resolves to) is the response. Throwing an RpcError answers with that error's code.
 */
export type HandlerMethod<Body = unknown, Result = unknown> = (body: Body, ctx: HandlerContext) => Result | Promise<Result>;
