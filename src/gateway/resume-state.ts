import type { ClientConnection } from './client-connection.js';
import type { ReplayBuffer } from './replay-buffer.js';
import type { ResumableState } from './resume-store.js';
import type { Session } from './session.js';

/**
 * What a resumable session carries besides the ordinary session: its token, its numbered pushes,
 * the groups it is in (for the shared store), and who is taking it back. Created by the gateway's
 * ResumeManager when the client asks for resume; absent on every other session.
 */
export class ResumeState {
  /** The secret a client presents to get the session back; replaced on each resume. */
  token: string;
  readonly replay: ReplayBuffer;
  /** Names of the groups the session is in (kept only for resumable sessions). */
  readonly groups = new Set<string>();
  /** The connection the session is on now; undefined while it waits for its client. */
  connection: ClientConnection | undefined;
  /** The connection that presented the token and has not sent its handshake-ack yet. */
  claimant: ClientConnection | undefined;
  /** Called when uid, data or groups change, so the shared store gets the new state. */
  readonly changed: () => void;

  constructor(token: string, replay: ReplayBuffer, changed: () => void) {
    this.token = token;
    this.replay = replay;
    this.changed = changed;
  }
}

/** What the shared store keeps of a resumable session (`state` is its {@link ResumeState}): id, user, data, groups. */
export function storedState(session: Session, state: ResumeState): ResumableState {
  return { sessionId: session.id, uid: session.uid, data: session.data(), groups: [...state.groups] };
}

/**
 * {@link storedState} with the push number and the pushes after `base` (all it holds when some of
 * those are gone): what another gateway needs to resume the session without a gap.
 */
export function wholeState(session: Session, state: ResumeState, base = state.replay.lastSeq - state.replay.size): ResumableState {
  const { replay } = state;
  const pushes = replay.after(base) ?? replay.after(replay.lastSeq - replay.size) ?? [];
  return { ...storedState(session, state), seq: replay.lastSeq, pushes };
}
