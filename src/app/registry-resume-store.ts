import type { SessionRegistry } from '../cluster/session-registry.js';
import type { ResumeStore } from '../gateway/index.js';

/**
 * The gateway's resume store backed by the cluster's session registry, when the registry keeps
 * resumable snapshots (memory and Redis do); undefined otherwise, and sessions then resume only on
 * the gateway that holds them.
 */
export function registryResumeStore(registry: SessionRegistry | undefined): ResumeStore | undefined {
  if (!registry?.saveResumable || !registry.refreshResumable || !registry.dropResumable || !registry.takeResumable) return undefined;
  const r = registry as Required<Pick<SessionRegistry, 'saveResumable' | 'refreshResumable' | 'dropResumable' | 'takeResumable'>>;
  const update = registry.updateResumable?.bind(registry);
  return {
    save: (token, state, ttlMs) => r.saveResumable(token, state, ttlMs),
    update: update && ((token, state, ttlMs) => update(token, state, ttlMs)),
    refresh: (tokens, ttlMs) => r.refreshResumable(tokens, ttlMs),
    drop: (token) => r.dropResumable(token),
    take: (token) => r.takeResumable(token),
  };
}
