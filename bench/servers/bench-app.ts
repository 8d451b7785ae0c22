/**
 * The application the bench servers run, both as the gateway's own handlers (B1(b), B3 on the
 * gateway) and as a cluster's backend behind `yard start` (B1(c)-(e), B3 from a backend):
 *
 * - `echo.echo` answers the JSON body it is sent;
 * - `bench.Echo.echo`, the IDL servant, answers its text (binary bodies), when BENCH_IDL_MODULE
 *   names the generated module;
 * - `bcast.join` adds the caller to the group `bench`, `bcast.run {count, intervalMs}` pushes a
 *   stamped 64-byte body to the group every interval, `count` times.
 *
 * A cluster's gateway (server type `gateway`) registers nothing: every route is forwarded.
 */
import type { Application, HandlerContext, SessionGroup } from '../../src/index.js';
import { echoServant, loadBenchIdl } from '../harness/bench-idl.js';
import { stampedBody } from '../harness/payloads.js';

const GROUP = 'bench';
/** Route of the broadcast's pushes (the raw baseline sends the same). */
export const TICK_ROUTE = 'bcast.tick';
/** Most pushes one `bcast.run` may ask for. */
const MAX_PUSHES = 100_000;

/** Pushes a stamped body to `group` every `intervalMs`, `count` times. */
function tick(group: SessionGroup, count: number, intervalMs: number): void {
  let sent = 0;
  const timer = setInterval(() => {
    group.broadcastBytes(TICK_ROUTE, stampedBody(sent));
    if (++sent >= count) clearInterval(timer);
  }, intervalMs);
}

export default async function setup(app: Application): Promise<void> {
  if (app.serverType === 'gateway') return;
  app.handler('echo', { echo: (body: unknown) => body });
  app.handler('bcast', {
    join(_body: unknown, ctx: HandlerContext) {
      app.group(GROUP).add(ctx.session);
      return { ok: true };
    },
    run(body: { count: number; intervalMs: number }) {
      tick(app.group(GROUP), Math.min(MAX_PUSHES, body.count), Math.max(1, body.intervalMs));
      return { ok: true };
    },
  });
  const module = process.env.BENCH_IDL_MODULE;
  if (module) app.servant(echoServant(await loadBenchIdl(module)));
}
