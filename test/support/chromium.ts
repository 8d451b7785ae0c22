import { execFileSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';

/** Path of Debian's Chromium; the test script installs it, so its absence is an error, not a skip. */
export function chromiumPath(): string {
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const path = execFileSync('which', [name], { encoding: 'utf8' }).trim();
      if (path) return path;
    } catch {
      // not under this name
    }
  }
  throw new Error('chromium is not installed: run `npm test` (it installs it) or `apt-get install -y chromium`');
}

/** Launches headless Chromium with the flags this sandboxed, offline machine needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
