import { RpcError } from '../rpc/errors.js';

/**
 * Prefix of the cluster's server-to-server operations (`__yard.gw.push`, ...). The gateway never
 * dispatches a client message whose route starts with it, whatever the dispatcher would do.
 */
export const RESERVED_ROUTE_PREFIX = '__yard.';

/** Whether `route` is reserved for servers and closed to clients. */
export function isReservedRoute(route: string): boolean {
  return route.startsWith(RESERVED_ROUTE_PREFIX);
}

/**
 * The one answer to a route a client cannot call, whether it is missing, internal or reserved: the
 * same code and text in each case, so a client guessing names learns nothing of what exists.
 */
export function routeNotFound(route: string): RpcError {
  return new RpcError('not_found', `no handler for route ${JSON.stringify(route)}`);
}
