/** Switchyard: the public API of the server side. The client SDK is `switchyard/client`. */
export * from './app/index.js';
export * from './gateway/index.js';
export { RpcCodes, RpcError, isRpcCode, type RpcCode } from './rpc/errors.js';
export type { CallContext, CallOptions, Extra, Invoker, OperationEntry, OperationRef } from './rpc/call.js';
export * from './wire/index.js';
