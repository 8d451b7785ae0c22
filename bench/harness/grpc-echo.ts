/**
 * The gRPC side of B5: `bench.Echo` from the `.proto` our IDL compiler exports, loaded with
 * `@grpc/proto-loader`, so gRPC carries byte-for-byte the same messages as Switchyard's RPC.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** The generated client class of `bench.Echo` (its `service` is the server-side definition). */
export type EchoServiceClient = grpc.ServiceClientConstructor;

/** Loads `bench.Echo` from the exported `.proto`. */
export function loadEchoService(proto: string): EchoServiceClient {
  const definition = protoLoader.loadSync(proto, { keepCase: true, longs: String, defaults: true });
  const bench = grpc.loadPackageDefinition(definition).bench as grpc.GrpcObject;
  return bench.Echo as EchoServiceClient;
}
