/** What a server tells the cluster about itself: registered in discovery, read by every router. */
export interface ServerInfo {
  /** Unique in the cluster, e.g. "gate1", "chat2": a non-empty string without '/', '-' or whitespace. */
  readonly id: string;
  /** Its kind: "gateway", "chat", "game", ... Routes `chat.say` go to servers of type "chat" by default. */
  readonly type: string;
  /** Host other servers reach it on (loopback here). */
  readonly host: string;
  /** TCP port of its server-to-server RPC listener (0 when it uses NATS only). */
  readonly port: number;
  /** True for gateways (frontends that hold client connections). */
  readonly frontend: boolean;
  /** The services (route prefixes) its handlers serve, e.g. ["chat"]. */
  readonly services: readonly string[];
  /** Client-facing ports of a frontend. */
  readonly clientPorts?: { readonly ws?: number; readonly tcp?: number };
}

/** Whether `v` has the shape of a ServerInfo (input from etcd or files is checked with this). */
export function isServerInfo(v: unknown): v is ServerInfo {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return (
    typeof s.id === 'string' &&
    s.id !== '' &&
    typeof s.type === 'string' &&
    typeof s.host === 'string' &&
    typeof s.port === 'number' &&
    typeof s.frontend === 'boolean' &&
    Array.isArray(s.services) &&
    s.services.every((x) => typeof x === 'string')
  );
}
