import type { SessionRegistry } from '../cluster/session-registry.js';
import type { ResumableState, ResumeStore } from '../gateway/index.js';

/**
 * The gateway's resume store backed by the cluster's session registry, when the registry keeps
 * resumable snapshots (memory and Redis do); undefined otherwise, and sessions then resume only on
 * the gateway that holds them. Each snapshot saved lists the servers holding copies of the session
 * (`servedBy`, answered per session id), for the gateway that restores it to tell them it moved.
 * A snapshot taken whose session another gateway (or worker) still holds is swapped, through
 * `claim`, for that session with its pushes, so the client resumes whole.
 */
export function registryResumeStore(
  registry: SessionRegistry | undefined,
  servedBy: (sessionId: string) => string[] = () => [],
  claim: (sessionId: string, token: string) => Promise<ResumableState | undefined> = async () => undefined,
): ResumeStore | undefined {
  if (!registry?.saveResumable || !registry.refreshResumable || !registry.dropResumable || !registry.takeResumable) return undefined;
  const r = registry as Required<Pick<SessionRegistry, 'saveResumable' | 'refreshResumable' | 'dropResumable' | 'takeResumable'>>;
  const update = registry.updateResumable?.bind(registry);
  const full = (s: ResumableState): ResumableState => (s.sessionId === undefined ? s : { ...s, servedBy: servedBy(s.sessionId) });
  return {
    save: (token, state, ttlMs) => r.saveResumable(token, full(state), ttlMs),
    update: update && ((token, state, ttlMs) => update(token, full(state), ttlMs)),
    refresh: (tokens, ttlMs) => r.refreshResumable(tokens, ttlMs),
    drop: (token) => r.dropResumable(token),
    take: async (token) => {
      const kept = await r.takeResumable(token);
      if (kept?.sessionId === undefined || kept.seq !== undefined) return kept; // a handover snapshot has its pushes
      return (await claim(kept.sessionId, token)) ?? kept;
    },
  };
}
