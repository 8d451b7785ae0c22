/**
 * Commands every bench server answers on stdin. `gc` runs a full collection (when node was started
 * with --expose-gc) and reports the process's memory and open connections, so the idle-connection
 * workload reads RSS after garbage has been collected rather than whenever V8 last got round to it.
 */
import { emit, listenToParent } from '../harness/child-messages.js';

/** Answers the orchestrator's commands; `connections` tells how many client sockets are open. */
export function serveCommands(connections: () => number): void {
  listenToParent((line) => {
    if (line !== 'gc') return;
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    const m = process.memoryUsage();
    emit('gc', { collected: gc !== undefined, rss: m.rss, heapUsed: m.heapUsed, external: m.external, connections: connections() });
  });
}
