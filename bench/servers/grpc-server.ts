/**
 * B5's comparison: the same echo operation as a `@grpc/grpc-js` unary method, its service and
 * messages read from the `.proto` our IDL compiler exported (`service Echo { rpc echo(...) }`).
 *
 * Usage: node --import tsx grpc-server.ts '{"proto":"/tmp/…/bench.proto"}'
 */
import * as grpc from '@grpc/grpc-js';
import { childParams, emit, listenToParent } from '../harness/child-messages.js';
import { loadEchoService } from '../harness/grpc-echo.js';

const params = childParams<{ proto: string }>();
listenToParent();
const service = loadEchoService(params.proto);
const server = new grpc.Server();
server.addService(service.service, {
  echo: (call: grpc.ServerUnaryCall<{ text: string }, { value: string }>, callback: grpc.sendUnaryData<{ value: string }>) => {
    callback(null, { value: call.request.text });
  },
});
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  emit('ready', { port });
});
