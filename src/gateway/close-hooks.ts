import type { ClientSession, SessionCloseHook } from './session.js';

/**
 * The close hooks of a session, wherever it is held (the gateway's Session, a backend's copy):
 * run once, in order; a throwing hook does not stop the others; added after the close, run at once.
 */
export class CloseHooks {
  /** Created on the first hook: most sessions of an idle gateway have none. */
  #hooks: SessionCloseHook[] | undefined;
  #closed = false;

  get closed(): boolean {
    return this.#closed;
  }

  add(session: ClientSession, hook: SessionCloseHook): void {
    if (this.#closed) hook(session, 'closed');
    else (this.#hooks ??= []).push(hook);
  }

  remove(hook: SessionCloseHook): void {
    const i = this.#hooks?.indexOf(hook) ?? -1;
    if (i >= 0) this.#hooks!.splice(i, 1);
  }

  /** Marks the session closed and runs the hooks; false if it already was. */
  run(session: ClientSession, reason: string, onHookError: (err: unknown) => void): boolean {
    if (this.#closed) return false;
    this.#closed = true;
    const hooks = this.#hooks ?? [];
    this.#hooks = undefined;
    for (const hook of hooks) {
      try {
        hook(session, reason);
      } catch (err) {
        onHookError(err);
      }
    }
    return true;
  }
}
