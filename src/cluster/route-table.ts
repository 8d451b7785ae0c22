/**
 * Route tables: which destination (a backend service address) answers a message. The seeds'
 * `message_map.json` keys on numeric message ids; DESIGN §3 lets a table key on the route string
 * (`chat.say`) or its dictionary code as well, so one table answers both.
 */

/** One entry of `dest_map.json`: a backend service reached at `srvAddr` through `poolNums` connections. */
export interface Destination {
  /** The destination id (the key in `dest_map.json`). */
  readonly id: number;
  /** Connections to keep open to it (a session's hash picks one, so its messages stay in order). */
  readonly poolNums: number;
  /** `host:port` exactly as written in the file. */
  readonly srvAddr: string;
  /** Host part of `srvAddr` (brackets of an IPv6 literal removed). */
  readonly host: string;
  /** Port part of `srvAddr`, 1..65535. */
  readonly port: number;
  /** Service name, for logs and metrics. */
  readonly srvName: string;
}

/** What a {@link RouteTable} is built from (see route-table-files.ts for the checked file formats). */
export interface RouteTableInit {
  /** destination id → destination. */
  readonly destinations: ReadonlyMap<number, Destination>;
  /** message id / route code → destination id. */
  readonly byCode: ReadonlyMap<number, number>;
  /** route string (`chat.say`) → destination id. Default empty. */
  readonly byRoute?: ReadonlyMap<string, number>;
  /** route string → route code (the handshake dictionary), so a table keyed on codes answers routes. */
  readonly dictionary?: Readonly<Record<string, number>>;
}

const DIGIT_0 = 48;
const DIGIT_9 = 57;

/**
 * An immutable route table. Reloads build a new one and swap it in whole, so a reader never sees
 * half of an old table and half of a new one.
 */
export class RouteTable {
  readonly #destinations: ReadonlyMap<number, Destination>;
  readonly #byCode: ReadonlyMap<number, number>;
  readonly #byRoute: ReadonlyMap<string, number>;
  readonly #dictionary: ReadonlyMap<string, number>;

  constructor(init: RouteTableInit) {
    this.#destinations = init.destinations;
    this.#byCode = init.byCode;
    this.#byRoute = init.byRoute ?? new Map();
    this.#dictionary = new Map(Object.entries(init.dictionary ?? {}));
  }

  /** A table that routes nothing (every lookup answers undefined). */
  static empty(): RouteTable {
    return new RouteTable({ destinations: new Map(), byCode: new Map() });
  }

  /**
   * The destination of a route string, a route code / message id, or a code written in decimal.
   * A route-name key wins over the code the dictionary gives the same route.
   * Hot path: called once per forwarded message, so it is two or three map lookups and no allocation.
   */
  destinationOf(routeOrCode: string | number): Destination | undefined {
    const id = this.destinationIdOf(routeOrCode);
    return id === undefined ? undefined : this.#destinations.get(id);
  }

  /** Like {@link destinationOf} but answers the destination id. */
  destinationIdOf(routeOrCode: string | number): number | undefined {
    if (typeof routeOrCode === 'number') return this.#byCode.get(routeOrCode);
    const named = this.#byRoute.get(routeOrCode);
    if (named !== undefined) return named;
    const code = this.#dictionary.get(routeOrCode);
    if (code !== undefined) return this.#byCode.get(code);
    // Routes never start with a digit, so a leading digit means a code written in decimal.
    const first = routeOrCode.charCodeAt(0);
    if (first >= DIGIT_0 && first <= DIGIT_9) return this.#byCode.get(Number(routeOrCode));
    return undefined;
  }

  /** The destination with this id, whether or not a message points at it. */
  destination(id: number): Destination | undefined {
    return this.#destinations.get(id);
  }

  /** Every destination (what a connection-pool manager opens pools to). */
  get destinations(): ReadonlyMap<number, Destination> {
    return this.#destinations;
  }

  /** Entries keyed on message ids / route codes. */
  get codes(): ReadonlyMap<number, number> {
    return this.#byCode;
  }

  /** Entries keyed on route strings. */
  get routes(): ReadonlyMap<string, number> {
    return this.#byRoute;
  }

  /** The same table answering route strings through `dictionary` (route → code). */
  withDictionary(dictionary: Readonly<Record<string, number>>): RouteTable {
    return new RouteTable({
      destinations: this.#destinations,
      byCode: this.#byCode,
      byRoute: this.#byRoute,
      dictionary,
    });
  }

  /** Ids of destinations added, removed or changed between `previous` and this table. */
  changedDestinations(previous: RouteTable): number[] {
    const changed: number[] = [];
    for (const [id, d] of this.#destinations) {
      if (!sameDestination(d, previous.destination(id))) changed.push(id);
    }
    for (const id of previous.destinations.keys()) if (!this.#destinations.has(id)) changed.push(id);
    return changed.sort((a, b) => a - b);
  }
}

function sameDestination(a: Destination, b: Destination | undefined): boolean {
  return b !== undefined && a.poolNums === b.poolNums && a.srvAddr === b.srvAddr && a.srvName === b.srvName;
}
