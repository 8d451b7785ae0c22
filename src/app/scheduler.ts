/** A unit of work run under a scheduler key. Plain objects with `run`, so no closure per message. */
export interface Job {
  /** May return a Promise; the next job of the same key waits for it to settle. */
  run(): unknown;
}

/** A cancellable timer created by {@link Scheduler.setTimeout} or {@link Scheduler.setInterval}. */
export interface TimerHandle {
  clear(): void;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/**
 * Runs jobs one at a time per key, in submission order, and different keys in parallel: a
 * session's messages (key = session id) or a room's (key = room name) never interleave.
 * Hot path: a job submitted to an idle key that completes synchronously runs at once, tracked on a
 * short stack instead of the map of queues, so it costs two failed lookups and no allocation.
 */
export class Scheduler {
  /** Keys with a job waiting or awaited; the array holds the jobs waiting (null = none yet). */
  readonly #queues = new Map<string, Job[] | null>();
  /** Keys whose first job is running synchronously right now, innermost last (nested submits). */
  readonly #running: string[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #onError: (err: unknown, key: string) => void;

  /** @param onError told of a job that throws or rejects; the key's next job still runs. */
  constructor(onError: (err: unknown, key: string) => void) {
    this.#onError = onError;
  }

  /** Number of keys with work running or waiting. */
  get activeKeys(): number {
    let running = 0;
    for (const key of this.#running) if (!this.#queues.has(key)) running++;
    return this.#queues.size + running;
  }

  /** Runs `job` under `key` now if the key is idle, else after the jobs before it. */
  submit(key: string, job: Job): void {
    const q = this.#queues.get(key);
    if (q) q.push(job);
    else if (q === null || this.#running.includes(key)) this.#queues.set(key, [job]);
    else this.#runFirst(key, job);
  }

  /** Runs an idle key's job; only if it is async or more jobs came meanwhile does the key get a queue. */
  #runFirst(key: string, job: Job): void {
    this.#running.push(key);
    const result = this.#run(key, job);
    this.#running.pop();
    if (isThenable(result)) {
      if (!this.#queues.has(key)) this.#queues.set(key, null);
      this.#await(key, result);
    } else if (this.#queues.has(key)) this.#next(key);
  }

  #drain(key: string, first: Job): void {
    let job: Job | undefined = first;
    while (job) {
      const result = this.#run(key, job);
      if (isThenable(result)) {
        this.#await(key, result);
        return;
      }
      job = this.#shift(key);
    }
  }

  #run(key: string, job: Job): unknown {
    try {
      return job.run();
    } catch (err) {
      this.#onError(err, key);
      return undefined;
    }
  }

  #await(key: string, result: PromiseLike<unknown>): void {
    result.then(
      () => this.#next(key),
      (err: unknown) => {
        this.#onError(err, key);
        this.#next(key);
      },
    );
  }

  #next(key: string): void {
    const job = this.#shift(key);
    if (job) this.#drain(key, job);
  }

  /** Takes the key's next waiting job, or marks the key idle. */
  #shift(key: string): Job | undefined {
    const q = this.#queues.get(key);
    const job = q?.shift();
    if (!job) this.#queues.delete(key);
    return job;
  }

  /** Runs `fn` once after `ms`, serialised with the key's other work. */
  setTimeout(key: string, ms: number, fn: () => unknown): TimerHandle {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      this.submit(key, { run: fn });
    }, ms);
    this.#timers.add(t);
    return { clear: () => this.#clear(t) };
  }

  /** Runs `fn` every `ms`, serialised with the key's other work. */
  setInterval(key: string, ms: number, fn: () => unknown): TimerHandle {
    const job: Job = { run: fn };
    const t = setInterval(() => this.submit(key, job), ms);
    this.#timers.add(t);
    return { clear: () => this.#clear(t) };
  }

  #clear(t: NodeJS.Timeout): void {
    clearTimeout(t);
    this.#timers.delete(t);
  }

  /** Cancels every timer (work already submitted still runs). */
  clearTimers(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
