import { utf8Decode } from '../wire/index.js';
import type { RemoteSession } from './remote-session.js';

/**
 * Remembers, per copy of a session, the snapshot bytes it was last brought up to date with. Hot
 * path: most forwarded calls carry the same snapshot as the session's previous call (nothing
 * changed), and a map lookup on its bytes then replaces parsing and checking it again.
 */
export class SnapshotMemo {
  readonly #byText = new Map<string, RemoteSession>();
  readonly #textOf = new Map<RemoteSession, string>();

  /** The copy `bytes` was last seen for, if that snapshot is still its latest. */
  get(bytes: Uint8Array): RemoteSession | undefined {
    return this.#byText.get(utf8Decode(bytes));
  }

  /** Records that `copy` is up to date with `bytes` (replacing what it was seen with before). */
  remember(bytes: Uint8Array, copy: RemoteSession): void {
    this.forget(copy);
    const text = utf8Decode(bytes);
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
