import type { RemoteSession } from './remote-session.js';

/**
 * Remembers, per copy of a session, the snapshot bytes it was last brought up to date with. Hot
 * path: most forwarded calls carry the same snapshot as the session's previous call (nothing
 * changed), and a map lookup on its text then replaces parsing and checking it again. Keys are
 * the snapshot bytes decoded as UTF-8, by the caller, once per call.
 */
export class SnapshotMemo {
  readonly #byText = new Map<string, RemoteSession>();
  readonly #textOf = new Map<RemoteSession, string>();

  /** The copy snapshot `text` was last seen for, if that snapshot is still its latest. */
  get(text: string): RemoteSession | undefined {
    return this.#byText.get(text);
  }

  /** Records that `copy` is up to date with snapshot `text` (replacing what it was seen with before). */
  remember(text: string, copy: RemoteSession): void {
    this.forget(copy);
    this.#byText.set(text, copy);
    this.#textOf.set(copy, text);
  }

  /** Drops what is remembered of `copy` (it closed). */
  forget(copy: RemoteSession): void {
    const text = this.#textOf.get(copy);
    if (text === undefined) return;
    this.#textOf.delete(copy);
    this.#byText.delete(text);
  }
}
