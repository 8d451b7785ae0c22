/**
 * A minimal typed event emitter that runs in browsers (no `node:events`). A listener that throws
 * does not stop the others or the caller: the error goes to `onListenerError`.
 */

// `never[]` parameters make every function type assignable, so any event map fits.
type Listener = (...args: never[]) => void;

/** Listener signatures by event name (an interface works: no index signature needed). */
export type EventMap<E> = { [K in keyof E]: Listener };

export class TypedEmitter<E extends EventMap<E>> {
  #listeners = new Map<keyof E, Set<E[keyof E]>>();
  readonly #onListenerError: (err: unknown, event: keyof E) => void;

  /** @param onListenerError where errors thrown by listeners go. */
  constructor(onListenerError: (err: unknown, event: keyof E) => void) {
    this.#onListenerError = onListenerError;
  }

  /** Adds a listener; adding the same function twice has no effect. */
  on<K extends keyof E>(event: K, fn: E[K]): void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(fn);
  }

  /** Removes a listener added with `on`. */
  off<K extends keyof E>(event: K, fn: E[K]): void {
    const set = this.#listeners.get(event);
    if (set?.delete(fn) && set.size === 0) this.#listeners.delete(event);
  }

  /** Whether anyone listens to `event`. */
  has(event: keyof E): boolean {
    return this.#listeners.has(event);
  }

  /** Calls each listener of `event` in the order added. */
  emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    // Copy first: a listener may remove itself (or others) while we iterate.
    for (const fn of [...set]) {
      try {
        (fn as (...a: Parameters<E[K]>) => void)(...args);
      } catch (err) {
        this.#onListenerError(err, event);
      }
    }
  }
}
