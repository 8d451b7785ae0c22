/** The RPC runtime: the contract generated code uses, connections, adapters, the communicator. */
export type { CallContext, CallOptions, Extra, Invoker, OperationEntry, OperationRef } from './call.js';
export { RpcCodes, RpcError, isRpcCode, type RpcCode } from './errors.js';
export { Adapter, type AdapterOptions, type DispatchTarget } from './adapter.js';
export {
  Communicator,
  createCommunicator,
  parseEndpoint,
  type CommunicatorOptions,
  type ConnectionOptions,
  type RpcListener,
} from './communicator.js';
export {
  DEFAULT_TIMEOUT_MS,
  RpcConnection,
  type Routing,
  type RpcCallOptions,
  type RpcConnectionOptions,
} from './rpc-connection.js';
export { IncomingCall } from './incoming-calls.js';
export { callInto, type ReceiverInvoker, type ReplyReceiver } from './reply-receiver.js';
export { CallDispatcher, type CallDispatcherOptions, type CallOrigin } from './call-dispatcher.js';
export type { ConnectOptions, FrameConnection, FrameListener, FrameSink, Transport } from './frame.js';
export {
  ENVELOPE_HEADER_SIZE,
  MAX_CALL_ID,
  answerEnvelope,
  requestEnvelope,
  type Envelope,
  type EnvelopeKind,
  type RequestFields,
} from './envelope.js';
export { encodeEnvelope, encodeErrorBody } from './envelope-encoder.js';
export { decodeEnvelope, decodeErrorBody, type ErrorBody } from './envelope-decoder.js';
export { consoleLogger, silentLogger, type RpcLogger } from './logger.js';
export {
  ProxyBase,
  asBadPayload,
  callOneWay,
  callTwoWay,
  callWithCallback,
  type OperationCodecs,
} from './proxy-base.js';
export { ServantBase, operationEntry, operationsOf } from './servant-base.js';
