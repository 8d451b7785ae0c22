import type { ResumeHost } from './resume-manager.js';
import type { Session, SessionLink } from './session.js';

/**
 * What a resumable session is linked to while no connection carries it (parked, or handed over):
 * nothing reaches a client, pushes stay in the replay buffer; route codes and push counts come from
 * the gateway's options, as on a connection. Subclasses say what a send and a kick do.
 */
export abstract class DetachedLink implements SessionLink {
  readonly errorFlag = false;
  readonly open = false;
  protected readonly session: Session;
  protected readonly host: ResumeHost;

  constructor(session: Session, host: ResumeHost) {
    this.session = session;
    this.host = host;
  }

  abstract send(packet: Uint8Array): boolean;
  abstract kick(reason: string): void;

  routeCode(route: string): number | undefined {
    return this.host.options.dictionary.codeOf(route);
  }

  countPush(route: string): void {
    this.host.options.observer?.messageOut(route, 1);
  }
}
