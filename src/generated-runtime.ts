/**
 * Everything code generated from an IDL imports, in one module: the protobuf reader and writer, the
 * JSON field converters, the proxy and servant bases and the call contract. Generated files import it
 * as `import * as $rt from '<runtimeImport>'`; any module re-exporting these names can stand in.
 * Nothing here imports Node, so generated code runs in browsers too.
 */
export type { CallContext, CallOptions, Extra, Invoker, OperationEntry, OperationRef } from './rpc/call.js';
export { RpcError, type RpcCode } from './rpc/errors.js';
export { ProxyBase, asBadPayload, callOneWay, callTwoWay, callWithCallback, type OperationCodecs } from './rpc/proxy-base.js';
export { ServantBase, operationEntry, operationsOf } from './rpc/servant-base.js';
export { ProtocolError } from './wire/errors.js';
export type { BinaryCodec, JsonObject, JsonValue, ProtoCodec } from './wire/proto-codec.js';
export { ProtoReader, type ProtoReaderOptions } from './wire/proto-reader.js';
export { ProtoWriter, WireType } from './wire/proto-writer.js';
export {
  bytesToJSON,
  floatToJSON,
  int64ToJSON,
  jsonArray,
  jsonBool,
  jsonBytes,
  jsonField,
  jsonFloat,
  jsonInt32,
  jsonInt64,
  jsonKeyBool,
  jsonKeyInt32,
  jsonKeyInt64,
  jsonKeyString,
  jsonMap,
  jsonMessage,
  jsonObject,
  jsonString,
  mapToJSON,
} from './wire/proto-json.js';
