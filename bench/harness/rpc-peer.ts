/** The identity B5's NATS server listens under and its callers address (NATS subjects use the id). */
export const RPC_SERVER = { id: 'rpc1', type: 'bench', host: '127.0.0.1', port: 0 } as const;
