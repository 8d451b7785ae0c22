/**
 * B5's server: the IDL echo servant behind Switchyard's RPC runtime, over a TCP listener
 * (`createCommunicator` with the default transports) or over NATS (`NatsTransport`).
 *
 * Usage: node --import tsx rpc-server.ts '{"transport":"tcp"|"nats","idlModule":…,"natsUrl":…}'
 */
import { Adapter, createCommunicator, defaultTransports, NatsTransport } from '../../src/index.js';
import { echoServant, loadBenchIdl } from '../harness/bench-idl.js';
import { childParams, emit, listenToParent } from '../harness/child-messages.js';
import { RPC_SERVER } from '../harness/rpc-peer.js';

/** Parameters of the RPC server. */
export interface RpcServerParams {
  readonly transport: 'tcp' | 'nats';
  readonly idlModule: string;
  readonly natsUrl?: string;
}

const params = childParams<RpcServerParams>();
listenToParent();
const servant = echoServant(await loadBenchIdl(params.idlModule));
if (params.transport === 'tcp') {
  const communicator = createCommunicator({ transports: defaultTransports() });
  const listener = await communicator.listen('tcp://127.0.0.1:0', communicator.createAdapter('bench').add(servant));
  emit('ready', { endpoint: listener.endpoint });
} else {
  const nats = new NatsTransport({ servers: params.natsUrl! });
  await nats.listen(RPC_SERVER, new Adapter({ name: 'bench' }).add(servant));
  emit('ready', {});
}
