import type { SessionRegistry } from '../cluster/session-registry.js';
import type { ResumableState, ResumeStore } from '../gateway/index.js';

/**
 * The gateway's resume store backed by the cluster's session registry, when the registry keeps
 * resumable snapshots (memory and Redis do); undefined otherwise, and sessions then resume only on
 * the gateway that holds them. Each snapshot saved lists the servers holding copies of the session
 * (`servedBy`, answered per session id), for the gateway that restores it to tell them it moved.
 */
export function registryResumeStore(
  registry: SessionRegistry | undefined,
  servedBy: (sessionId: string) => string[] = () => [],
  claimParked?: ResumeStore['claimParked'],
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
    take: (token) => r.takeResumable(token),
    claimParked,
  };
}
