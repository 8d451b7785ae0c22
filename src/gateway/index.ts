/** The gateway layer: client acceptors, connections, sessions, heartbeats, auth, groups. */
export type { AuthResult, Authenticator } from './auth.js';
export { CloseReason } from './client-connection.js';
export type { Dispatcher } from './dispatcher.js';
export { defaultLogger, DUPLICATE_LOGIN_REASON, Gateway, type GatewayAddresses, type GatewayHooks, type GatewayStats } from './gateway.js';
export { Group, type BroadcastOptions, type SessionGroup } from './group.js';
export type { GatewayObserver, GatewayOptions, ResumeOptions, TcpAcceptorOptions, WsAcceptorOptions } from './options.js';
export type { ResumableState, ResumeAnswer, ResumeStore } from './resume-store.js';
export { Session, type ClientSession, type ReplySink, type SessionCloseHook } from './session.js';
export { SessionInvoker } from './session-invoker.js';
export { GatewayErrorCodes, type GatewayErrorCode } from './gateway-errors.js';
export { isReservedRoute, RESERVED_ROUTE_PREFIX, routeNotFound } from './client-routes.js';
export { CloseHooks } from './close-hooks.js';
