import { SwitchyardError } from '../wire/index.js';
import type { HandlerContext } from './handler-context.js';

/** One step of handling a call: given the context and body, produce the result. */
export type Dispatch = (ctx: HandlerContext, body: unknown) => unknown;

/**
 * A filter wraps the rest of the chain, so one function can act before the handler (check, reject
 * by throwing), after it (look at or change the result), or both (timing, logging).
 */
export type Filter = (next: Dispatch) => Dispatch;

/** A filter that runs `fn` before the handler; `fn` throws (or rejects) to refuse the call. */
export function beforeFilter(fn: (ctx: HandlerContext, body: unknown) => void | Promise<void>): Filter {
  return (next) => (ctx, body) => {
    const r = fn(ctx, body);
    return r instanceof Promise ? r.then(() => next(ctx, body)) : next(ctx, body);
  };
}

/** A filter that runs `fn` after the handler with its result or error; the outcome is unchanged. */
export function afterFilter(fn: (ctx: HandlerContext, result: unknown, error: unknown) => void): Filter {
  return (next) => (ctx, body) => {
    let r: unknown;
    try {
      r = next(ctx, body);
    } catch (err) {
      fn(ctx, undefined, err);
      throw err;
    }
    if (!(r instanceof Promise)) {
      fn(ctx, r, undefined);
      return r;
    }
    return r.then(
      (v: unknown) => {
        fn(ctx, v, undefined);
        return v;
      },
      (err: unknown) => {
        fn(ctx, undefined, err);
        throw err;
      },
    );
  };
}

/** Wraps `handler` in `filters`, the first filter outermost. */
export function compose(filters: readonly Filter[], handler: Dispatch): Dispatch {
  return filters.reduceRight<Dispatch>((next, f) => f(next), handler);
}

/** What {@link timingFilter} records into (the cluster's Metrics has this shape). */
export interface HandlerTimings {
  requestDone(route: string, seconds: number): void;
  messageOut(route: string, count?: number): void;
  error(code: string): void;
}

/** Records each request's handler time, counts its response, and counts failures by code. */
export function timingFilter(metrics: HandlerTimings): Filter {
  return (next) => (ctx, body) => {
    const started = performance.now();
    let r: unknown;
    try {
      r = next(ctx, body);
    } catch (err) {
      recordTiming(metrics, ctx, started, err);
      throw err;
    }
    // Hot path: a handler that answers at once is timed without a closure per call.
    if (!(r instanceof Promise)) {
      recordTiming(metrics, ctx, started, undefined);
      return r;
    }
    return r.then(
      (v: unknown) => {
        recordTiming(metrics, ctx, started, undefined);
        return v;
      },
      (err: unknown) => {
        recordTiming(metrics, ctx, started, err);
        throw err;
      },
    );
  };
}

function recordTiming(metrics: HandlerTimings, ctx: HandlerContext, started: number, err: unknown): void {
  if (err !== undefined) metrics.error(err instanceof SwitchyardError ? err.code : 'internal');
  if (!ctx.isRequest) return;
  metrics.requestDone(ctx.route, (performance.now() - started) / 1000);
  metrics.messageOut(ctx.route);
}
