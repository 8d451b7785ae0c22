import { createApp, type AppOptions, type Application } from '../../src/index.js';

/** Options for a test application: every port free, logging quiet. */
export type TestAppOptions = Omit<NonNullable<AppOptions['gateway']>, 'ws' | 'tcp'> & { serverId?: string };

/** An application with a gateway on free loopback ports (ws + tcp); call `setup` before start. */
export async function startTestApp(setup: (app: Application) => void, options: TestAppOptions = {}): Promise<{ app: Application; wsUrl: string; tcpPort: number }> {
  const { serverId, ...gateway } = options;
  const app = createApp({
    serverId: serverId ?? 'test1',
    gateway: { ...gateway, ws: { host: '127.0.0.1', port: 0 }, tcp: { host: '127.0.0.1', port: 0 } },
  });
  setup(app);
  const addr = await app.start();
  return { app, wsUrl: `ws://127.0.0.1:${addr.ws!.port}/`, tcpPort: addr.tcp!.port };
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true or `timeoutMs` passes; returns the last result. */
export async function waitFor(check: () => boolean, timeoutMs = 5000, stepMs = 10): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(stepMs);
  }
  return check();
}
