import type { Invoker, OperationRef } from '../rpc/call.js';
import { RpcError } from '../rpc/errors.js';
import type { ClientSession } from './session.js';

/**
 * Calls an interface a client serves, through its session: each one-way call travels as a push on
 * the operation's route. The client protocol carries no replies from client to server, so two-way
 * calls are refused; a client interface is declared with void operations.
 */
export class SessionInvoker implements Invoker {
  readonly #session: ClientSession;

  constructor(session: ClientSession) {
    this.#session = session;
  }

  call(op: OperationRef): Promise<Uint8Array> {
    return Promise.reject(
      new RpcError('unimplemented', `${op.route}: calls to a client are one-way; use ${op.route.split('.').pop()}_oneway`),
    );
  }

  send(op: OperationRef, args: Uint8Array): void {
    if (!this.#session.pushBytes(op.route, args)) throw new RpcError('unavailable', `session ${this.#session.id} is closed`);
  }
}
