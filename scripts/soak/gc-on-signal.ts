/**
 * Preloaded into the soak run's server processes (started with `--expose-gc`): SIGUSR2 runs a
 * full garbage collection. Heap used swings by tens of MB between collections, so the run
 * collects before it reads `/metrics` at its checkpoints; that makes the heap at the start and at
 * the end comparable. A heap snapshot would collect too, but pauses a loaded process for seconds,
 * long enough for its etcd lease to lapse.
 */
const collect = (globalThis as { gc?: () => void }).gc;
if (collect) process.on('SIGUSR2', () => collect());
