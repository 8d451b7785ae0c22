/** JSON bodies of requests, responses and pushes, with every failure turned into an RpcError. */
import { RpcError } from '../rpc/errors.js';
import { encodeJsonBody, parseJsonBody } from '../wire/json-body.js';
import type { Message } from '../wire/message.js';

/** Body of a successful response, or the RpcError an error-flagged response carries. */
export function responseBody(msg: Message): Uint8Array {
  if (msg.compressed) throw new RpcError('bad_payload', 'compressed response, but compression was not negotiated');
  if (!msg.error) return msg.body;
  let value: unknown;
  try {
    value = parseJsonBody(msg.body);
  } catch {
    throw new RpcError('internal', 'error response with an unreadable body');
  }
  throw RpcError.fromJSON(value);
}

/** Parses a JSON body from the server; `bad_payload` when it is not JSON. */
export function decodeJson(body: Uint8Array, what: string): unknown {
  try {
    return parseJsonBody(body);
  } catch (err) {
    throw new RpcError('bad_payload', `${what} is not JSON`, { cause: err });
  }
}

/** Encodes a JSON body to send; `bad_payload` for values JSON cannot carry (BigInt, cycles). */
export function encodeJson(body: unknown, route: string): Uint8Array {
  try {
    return encodeJsonBody(body);
  } catch (err) {
    throw new RpcError('bad_payload', `body for ${route} cannot be sent as JSON`, { cause: err });
  }
}
