/**
 * The NATS subjects of a cluster: `<prefix>.srv.<id>` for calls to one server and
 * `<prefix>.type.<type>` (queue group `<type>`) for calls to any one server of a type.
 */

/** A subject token: no dots, wildcards or white space. */
const TOKEN = /^[^\s.*>]+$/;

/** Builds and checks the subjects under one prefix. */
export class NatsSubjects {
  readonly prefix: string;

  /** @param prefix One or more dot-separated tokens; throws TypeError when it is not a valid subject prefix. */
  constructor(prefix: string) {
    if (!prefix.split('.').every((token) => TOKEN.test(token))) {
      throw new TypeError(`bad NATS subject prefix ${JSON.stringify(prefix)}`);
    }
    this.prefix = prefix;
  }

  /** Calls to server `id`. */
  server(id: string): string {
    return `${this.prefix}.srv.${token('server id', id)}`;
  }

  /** Calls to any one server of `type`; subscribers join queue group `type`. */
  type(type: string): string {
    return `${this.prefix}.type.${token('server type', type)}`;
  }
}

/** Returns `value` if it can be one subject token; throws TypeError otherwise. */
function token(what: string, value: string): string {
  if (!TOKEN.test(value)) throw new TypeError(`${what} ${JSON.stringify(value)} cannot be a NATS subject token`);
  return value;
}
